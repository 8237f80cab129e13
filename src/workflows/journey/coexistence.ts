// A WhatsApp Business App number linked through Embedded Signup: no register (it is registered already);
// confirm it on Meta, then run the two one-time smb_app_data syncs, which Meta allows only within 24 h.
import { isCancellation } from '@temporalio/workflow';
import { smbSyncTypes, type PresentNumber } from '../../domain/number.js';
import { end, failedByMeta } from './ending.js';
import { callMeta, graph, metaErrorOf } from './meta.js';
import type { Journey } from './state.js';

export async function confirmCoexistence(journey: Journey, snapshot: PresentNumber): Promise<void> {
  journey.enter('CONFIRMING_COEXISTENCE');
  if (!snapshot.isOnBizApp) {
    throw end(
      'FAILED',
      'NOT_ON_BUSINESS_APP',
      'Meta does not show this number on the WhatsApp Business App (is_on_biz_app is false)',
      'Coexistence needs a WhatsApp Business App number (app 2.24.17 or later) linked through Embedded Signup; onboard it on the cloud_api path otherwise.',
    );
  }
  journey.registered = true;
  journey.enter('SYNCING_SMB_DATA');
  for (const syncType of smbSyncTypes) {
    try {
      await callMeta(journey, () => graph.syncSmbAppData(journey.ref, syncType));
      journey.note('numberflow', `started the ${syncType} sync`);
    } catch (err) {
      if (isCancellation(err)) throw err;
      const meta = metaErrorOf(err);
      if (!meta) throw failedByMeta(err, `The ${syncType} sync`);
      // Not fatal: the number works; the customer must offboard and onboard again to sync later.
      journey.note(
        'meta',
        `refused the ${syncType} sync: ${meta.message}. Each sync runs once, within 24 h of onboarding.`,
      );
    }
  }
}
