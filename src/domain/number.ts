// What numberflow reads of a number at Meta (GET /{phone-number-id}), in the workflow's terms.
export type NumberSnapshot =
  | { gone: true }
  | {
      gone: false;
      status: string | null;
      codeVerificationStatus: string | null;
      nameStatus: string | null;
      newNameStatus: string | null;
      verifiedName: string | null;
      newDisplayName: string | null;
      isOnBizApp: boolean;
      platformType: string | null;
      /** The number Meta has under this id, as Meta writes it ("+1 415-555-2671"); absent in older histories. */
      displayPhoneNumber?: string | null;
    };

export type PresentNumber = Extract<NumberSnapshot, { gone: false }>;

/** A number as Meta writes it ("+1 415-555-2671" when read, "14155552671" in webhooks) in E.164. */
export function e164OfDisplay(displayPhoneNumber: string): string {
  return `+${displayPhoneNumber.replace(/\D/g, '')}`;
}

export interface NumberRef {
  wabaId: string;
  phoneNumberId: string;
}

/** Statuses of a number not (or no longer) registered: added and never registered, deregistered, gone. */
const UNREGISTERED = ['PENDING', 'UNVERIFIED', 'DISCONNECTED', 'DELETED', 'MIGRATED'];

/**
 * Whether Meta's cap counts a number in this status: registered — connected, and also flagged, restricted or
 * rate-limited, which are still registered, and any status not named unregistered (to stay under Meta's cap, not
 * over it). A number absent from its WABA counts no more.
 */
export function countedByMeta(status: string | undefined): boolean {
  return status !== undefined && !UNREGISTERED.includes(status);
}

/**
 * Statuses Meta gives a registered number it limits (docs/meta-graph-api.md#reading-a-number): still registered and
 * counted at the cap, sending only once Meta shows it CONNECTED again. Registering it again would change nothing.
 */
const LIMITED = ['FLAGGED', 'RESTRICTED', 'RATE_LIMITED', 'BANNED'];

/** Whether Meta shows the number registered but limited (FLAGGED, RESTRICTED, RATE_LIMITED, BANNED). */
export function limitedAtMeta(status: string | null | undefined): boolean {
  return typeof status === 'string' && LIMITED.includes(status);
}

/** A name status Meta has in force: approved, or one it takes without review. */
export function approvedAtMeta(status: string | null | undefined): boolean {
  return status === 'APPROVED' || status === 'AVAILABLE_WITHOUT_REVIEW';
}

export const smbSyncTypes = ['smb_app_state_sync', 'history'] as const;
export type SmbSyncType = (typeof smbSyncTypes)[number];

/**
 * Whether Meta counts the number as registered on the Cloud API: CONNECTED, PENDING on the Cloud API (registered,
 * not yet in effect), or a coexistence number on the Business App.
 */
export function isRegisteredAtMeta(number: NumberSnapshot): boolean {
  if (number.gone) return false;
  return (
    number.status === 'CONNECTED' ||
    (number.status === 'PENDING' && number.platformType === 'CLOUD_API') ||
    number.isOnBizApp
  );
}

/**
 * Whether a register or deregister call that may have reached Meta took: a number registered on the Cloud API —
 * and, when the register applies an approved name, that name in effect (a name shown on a number deregistered since,
 * or one that replaced a declined name before any register, says nothing of a register) — or, for a deregister, one
 * Meta no longer counts. Read before such a call is repeated (Meta allows 10 per number in 72 h).
 */
export function registrationTookEffect(
  kind: 'register' | 'deregister',
  number: NumberSnapshot,
  applyingName?: string,
  /** Whether a limited number (limitedAtMeta) counts as registered: asked only of one (a journey's patch). */
  limitedRegistered: () => boolean = () => true,
): boolean {
  const registered =
    isRegisteredAtMeta(number) || (!number.gone && limitedAtMeta(number.status) && limitedRegistered());
  if (kind === 'deregister') return !registered;
  if (number.gone) return false;
  if (applyingName !== undefined) return registered && number.verifiedName === applyingName;
  return registered;
}
