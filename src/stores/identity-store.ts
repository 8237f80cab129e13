// What numberflow knows of each customer's WhatsApp identity, per (phone_number_id, wa_id): the identity key hash
// Meta last reported (newest Meta timestamp wins, so duplicate and late webhooks change nothing), every hash ever
// reported (for audit), and whether the customer is trusted. A customer is untrusted from a 137000 mismatch until an
// operator confirms them through another channel and a send without the hash brings the new one back.

export const hashSources = ['inbound', 'status'] as const;
export type HashSource = (typeof hashSources)[number];

export interface CustomerKey {
  phoneNumberId: string;
  waId: string;
}

export interface StoredHash {
  hash: string;
  /** Meta's timestamp of the message or status that carried it (unix seconds). */
  metaTimestamp: number;
  source: HashSource;
  /** ISO time numberflow first recorded it. */
  recordedAt: string;
}

/**
 * Where an untrusted customer stands: `untrusted` refuses every send; `confirmed` (an operator re-verified them)
 * lets sends go without the hash; `verifying` waits for the status of `messageId` to bring the new hash.
 */
export const trustStates = ['untrusted', 'confirmed', 'verifying'] as const;
export type TrustState = (typeof trustStates)[number];

export interface UntrustedCustomer extends CustomerKey {
  state: TrustState;
  /** ISO time of the last change of state. */
  since: string;
  /** What led here: the mismatch, or who confirmed and how. */
  detail: string;
  /** The send without the hash whose status is awaited (state `verifying`). */
  messageId: string | null;
}

export interface IdentityStore {
  /** Records a hash Meta reported; `changed` says whether the customer's current hash is now a different one. */
  record(
    key: CustomerKey,
    hash: string,
    metaTimestamp: number,
    source: HashSource,
  ): Promise<{ changed: boolean; current: StoredHash }>;
  current(key: CustomerKey): Promise<StoredHash | undefined>;
  /** The customer's hashes in Meta's order, one entry per change. */
  history(key: CustomerKey): Promise<StoredHash[]>;
  /**
   * When this host first recorded a report of the hash for the customer (ISO), or undefined if none was: a report
   * Meta dated earlier but delivered late does not make a hash known for longer look new (the history keeps the
   * earliest in Meta's order, with the time it came).
   */
  firstRecorded(key: CustomerKey, hash: string): Promise<string | undefined>;
  /** The customer's trust record; none means trusted. */
  trust(key: CustomerKey): Promise<UntrustedCustomer | undefined>;
  /** Sets where an untrusted customer stands; null trusts them again. */
  setTrust(key: CustomerKey, trust: Omit<UntrustedCustomer, keyof CustomerKey | 'since'> | null): Promise<void>;
  /**
   * Sets where the customer stands only while they stand in one of `from.states` (and, with `from.awaitedUnknown`,
   * only while no send is named yet); answers whether it did. A recovery that completed meanwhile (the row gone)
   * is not brought back.
   */
  updateTrust(
    key: CustomerKey,
    trust: Omit<UntrustedCustomer, keyof CustomerKey | 'since'>,
    from: { states: readonly TrustState[]; awaitedUnknown?: boolean },
  ): Promise<boolean>;
  /** Every customer not trusted now, optionally of one number. */
  untrusted(phoneNumberId?: string): Promise<UntrustedCustomer[]>;
  /**
   * One page of a number's customers not trusted now, the latest change of state first (a customer who never
   * answers stays untrusted for good, so the list only grows), and how many there are in all.
   */
  untrustedPage(phoneNumberId: string, page: UntrustedPage): Promise<{ customers: UntrustedCustomer[]; total: number }>;
}

export interface UntrustedPage {
  /** At most this many (a whole number from 1). */
  limit: number;
  /** After skipping this many (a whole number from 0). */
  offset: number;
}

/** A hash in a log line or an error: never more than a short prefix. */
export function hashPrefix(hash: string): string {
  return `${hash.slice(0, 4)}…`;
}
