// A WhatsApp Business App number linked through Embedded Signup: no register (it is registered already);
// confirm it on Meta, then run the two one-time smb_app_data syncs, which Meta allows only within 24 h.
import { isCancellation } from '@temporalio/workflow';
import { withDetails } from '../../domain/meta-error.js';
import { smbSyncTypes, type PresentNumber } from '../../domain/number.js';
import { end, failedByMeta } from './ending.js';
import type { Journey } from './journey.js';
import { syncSmbAppData } from './activity-proxies.js';
import { callMeta } from './call-meta.js';
import { metaErrorOf } from './failures.js';

export async function confirmCoexistence(journey: Journey, snapshot: PresentNumber): Promise<void> {
  journey.enter('CONFIRMING_COEXISTENCE');
  if (!snapshot.isOnBizApp) throw end('NOT_ON_BUSINESS_APP', {});
  journey.registeredAtMeta(snapshot.status);
  journey.enter('SYNCING_SMB_DATA');
  for (const syncType of smbSyncTypes) {
    try {
      // Each sync runs once: a repeat after a lost answer is told so, and takes Meta's "already ran" as done.
      const sync = await callMeta(journey, (repeat) => syncSmbAppData(journey.ref, syncType, { repeat }));
      journey.note(
        'numberflow',
        sync.alreadyRan
          ? `the ${syncType} sync had started already (its first answer was lost)`
          : `started the ${syncType} sync`,
      );
    } catch (err) {
      if (isCancellation(err)) throw err;
      const meta = metaErrorOf(err);
      if (!meta) throw failedByMeta(err, `The ${syncType} sync`);
      // Not fatal: the number works; the customer must offboard and onboard again to sync later.
      const why = withDetails(meta.message, meta.details);
      journey.note(
        'meta',
        `refused the ${syncType} sync (error ${meta.code}): ${why}. Each sync runs once, within 24 h of onboarding.`,
      );
    }
  }
}
