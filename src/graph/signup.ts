// Embedded Signup's token checks (docs/meta-graph-api.md#embedded-signup).
import type { DebugTokenData } from './schemas.js';

/**
 * True when the token is valid and its whatsapp_business_management grant names the WABA, as Chatwoot checks it.
 * A grant without target_ids covers nothing here: numberflow acts only on WABAs the customer picked.
 */
export function tokenCoversWaba(debugData: DebugTokenData, wabaId: string): boolean {
  if (!debugData.is_valid) return false;
  return (debugData.granular_scopes ?? []).some(
    (grant) => grant.scope === 'whatsapp_business_management' && (grant.target_ids ?? []).includes(wabaId),
  );
}
