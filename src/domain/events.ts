// Meta's webhook events as a number's journey receives them (routed by the webhook receiver).

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
    }
  | { kind: 'status'; status: string; at: string }
  | { kind: 'partner_removed'; reason: string | null; initiatedBy: string | null; at: string }
  | { kind: 'restriction'; restrictionType: string; expiration: string | null; at: string }
  | { kind: 'paid_message'; at: string }
  | { kind: 'account'; event: string; at: string };
