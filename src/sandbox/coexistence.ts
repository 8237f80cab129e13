// The one-time syncs of a coexistence number (docs/meta-graph-api.md#coexistence-syncs): each sync_type once per onboarding, within 24 h.
import { HOUR } from './clock.js';
import type { SandboxCore } from './core.js';
import { invalidParameter } from './graph-error.js';
import type { PhoneNumber, SmbSyncType } from './model.js';

export const SMB_SYNC_TYPES = ['smb_app_state_sync', 'history'] as const satisfies readonly SmbSyncType[];
const SYNC_WINDOW_MS = 24 * HOUR;

/** ⚠ Meta documents the rules but not the error codes for breaking them: 100 with the rule in details. */
export function requestSmbAppData(
  core: SandboxCore,
  number: PhoneNumber,
  syncType: SmbSyncType,
): { messaging_product: 'whatsapp'; request_id: string } {
  if (!number.isOnBizApp) {
    throw invalidParameter('smb_app_data is only available for WhatsApp Business App (coexistence) numbers');
  }
  if (number.smbSyncs.has(syncType)) {
    throw invalidParameter(`sync_type ${syncType} already ran for this onboarding: offboard and onboard again`);
  }
  if (core.clock.now() - number.onboardedAt >= SYNC_WINDOW_MS) {
    throw invalidParameter('more than 24 hours passed since onboarding: offboard and onboard again');
  }
  number.smbSyncs.add(syncType);
  return { messaging_product: 'whatsapp', request_id: core.random.stream('ids').alphanumeric(24) };
}
