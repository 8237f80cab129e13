// A portfolio whose workflow ended outside numberflow (terminated by hand, say), in words for its people: no Temporal
// client here, so that the command line's API mode prints it without loading one.

/** How a portfolio's workflow ended (Temporal's status: TERMINATED, FAILED, …) and when. */
export interface Stopped {
  status: string;
  at: string | null;
}

/**
 * What a stopped portfolio does next, and what an admin gives it again: read (`shown`, its last run's state beside
 * it), or refused a cap or a reconciliation (`asked`).
 */
export function stoppedText({ status, at }: Stopped, said: 'shown' | 'asked' = 'shown'): string {
  const next =
    `it starts again, seeded from Meta, when a journey of it asks for a slot — at the cap its business's ` +
    "verification gives: an admin's cap, or the one Meta's webhook raised it to, is set again with " +
    '`portfolio set-cap` then';
  const tail = said === 'shown' ? '; the state shown is its last run’s' : ', and a reconciliation asked for then';
  return `its workflow is not running (${status.toLowerCase()}${at ? ` at ${at}` : ''}): ${next}${tail}`;
}
