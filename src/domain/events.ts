// Meta's webhook events as a number's journey receives them (routed by the webhook receiver), and the check the
// journey makes of what it is sent (a signal can be sent by hand). Workflow-safe.

/**
 * Whether Meta sent a webhook dated `at` before `since` as a late delivery: it delivers again for up to 7 days, so
 * one dated longer before is no delivery of Meta's (a sample body, a dead letter replayed by hand) and its date
 * orders nothing; and Meta's clock and Temporal's may differ a little (2 minutes are allowed).
 */
export function sentLateBefore(at: string, since: number): boolean {
  const early = since - Date.parse(at);
  return early > CLOCKS_APART_MS && early <= 7 * 24 * 60 * 60 * 1000;
}

/** How far Meta's clock and Temporal's may be apart, for sentLateBefore. */
export const CLOCKS_APART_MS = 2 * 60 * 1000;

/** The display-name review decisions this code knows. */
export type ReviewDecision = 'APPROVED' | 'REJECTED' | 'DEFERRED' | 'PENDING';

export type NumberEvent =
  | { kind: 'quality'; event: string; currentLimit: string | null; at: string }
  | {
      kind: 'name';
      /** A decision Meta added later is kept as it came: the journey acts on the known ones only. */
      decision: ReviewDecision | (string & Record<never, never>);
      requestedName: string;
      rejectionReason: string | null;
      at: string;
      /** Meta gave no date (no entry.time): `at` is when numberflow received it, which orders nothing. */
      undated?: boolean;
    }
  | { kind: 'status'; status: string; at: string }
  | { kind: 'partner_removed'; reason: string | null; initiatedBy: string | null; at: string }
  | { kind: 'restriction'; restrictionType: string; expiration: string | null; at: string }
  | { kind: 'paid_message'; at: string }
  | {
      kind: 'account';
      event: string;
      at: string;
      /** What Meta said with it: a ban's state and date, a violation's type, a review's decision (absent before). */
      detail?: string | null;
      /** A DISABLED_UPDATE's ban state (its last, when Meta gives several): DISABLE, REINSTATE, … (absent before). */
      banState?: string | null;
    };

/**
 * Meta's restrictions of an action a removal does not take (docs/journey.md#removing): adding numbers to the account,
 * sending business-initiated messages. Each by its type, with what it restricts in words.
 */
const RESTRICTED_ACTIONS: Readonly<Record<string, string>> = {
  RESTRICTED_ADD_PHONE_NUMBER_ACTION: 'adding phone numbers',
  RESTRICTED_BIZ_INITIATED_MESSAGING: 'business-initiated messages',
};

/** What a restriction of another action than a removal's restricts, in words; null for any other (or unknown) type. */
export function restrictsAnotherAction(restrictionType: string): string | null {
  return Object.hasOwn(RESTRICTED_ACTIONS, restrictionType) ? (RESTRICTED_ACTIONS[restrictionType] ?? null) : null;
}

/**
 * A restriction as people read it: its type, and when Meta lifts it — Meta's webhook gives Unix seconds, kept as
 * given in the event and written here as a time (any other value as it came).
 */
export function restrictionWords({
  restrictionType,
  expiration,
}: Extract<NumberEvent, { kind: 'restriction' }>): string {
  if (expiration === null || expiration === '') return `(${restrictionType})`;
  const until = /^\d{1,12}$/.test(expiration) ? new Date(Number(expiration) * 1000).toISOString() : expiration;
  return `(${restrictionType}) until ${until}`;
}

/**
 * A number event as the receiver signals it: with the WABA of Meta's delivery (entry.id), which the journey checks
 * against its own (a number moved to another WABA may still hear late events of its old one). Senders and runs from
 * before it left it out.
 */
export type RoutedNumberEvent = NumberEvent & { wabaId?: string };

type FieldKind = 'string' | 'string or null' | 'string, null or absent' | 'anything';

/** Each event kind's fields, as the receiver sends them and the HTTP API's view answers them. */
const eventFields: {
  [K in NumberEvent['kind']]: Record<Exclude<keyof Extract<NumberEvent, { kind: K }>, 'kind'>, FieldKind>;
} = {
  quality: { event: 'string', currentLimit: 'string or null', at: 'string' },
  name: {
    decision: 'string',
    requestedName: 'string',
    rejectionReason: 'string or null',
    at: 'string',
    // Only `true` means it: anything else reads as dated (workers before it took an event with any value there).
    undated: 'anything',
  },
  status: { status: 'string', at: 'string' },
  partner_removed: { reason: 'string or null', initiatedBy: 'string or null', at: 'string' },
  restriction: { restrictionType: 'string', expiration: 'string or null', at: 'string' },
  paid_message: { at: 'string' },
  // A banState of another type was taken by workers before it: such an event replays taken unless its run checked
  // events (NUMBER_EVENTS_CHECKED_PATCH), which only the state and the notes show.
  account: { event: 'string', at: 'string', detail: 'string, null or absent', banState: 'string, null or absent' },
};

/** Why a value is not a number event the journey can keep and show (its first problem), or null when it is one. */
export function numberEventProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const event = value as Record<string, unknown>;
  const kinds = Object.keys(eventFields);
  if (typeof event.kind !== 'string' || !kinds.includes(event.kind))
    return `kind must be one of ${kinds.join(', ')}, got ${shownKind(event.kind)}`;
  const fields: Record<string, FieldKind> = eventFields[event.kind as NumberEvent['kind']];
  for (const [name, kind] of Object.entries(fields)) {
    if (!fieldFits(event[name], kind)) return `${name}: must be a ${kind} in a ${event.kind} event`;
  }
  return null;
}

function fieldFits(field: unknown, kind: FieldKind): boolean {
  if (kind === 'anything') return true;
  if (typeof field === 'string' || (field === null && kind !== 'string')) return true;
  return field === undefined && kind === 'string, null or absent';
}

/**
 * Why an event of the right shape cannot be kept: its date is no date. A paid message's date becomes a deadline (Meta's
 * 30-day deletion block), which would wait for ever. Checked apart from the shape: runs decided each by its own patch.
 */
export function numberEventDateProblem(event: NumberEvent): string | null {
  return Number.isNaN(Date.parse(event.at)) ? `at: must be a date in a ${event.kind} event` : null;
}

/** A kind as a note shows it: a short word as it came, anything else (long, odd characters) only by its type. */
function shownKind(kind: unknown): string {
  if (kind === undefined) return 'none';
  if (kind === null) return 'null';
  return typeof kind === 'string' && /^[A-Za-z_]{1,40}$/.test(kind) ? `"${kind}"` : `another ${typeof kind}`;
}
