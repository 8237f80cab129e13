// The `customerIdentity` workflow's state: one object whose methods own every change and note it, so the query's
// view and the audit timeline say the same thing.
import type {
  CustomerIdentityInput,
  CustomerIdentityView,
  IdentityConfirmation,
  IdentityHashStored,
  IdentityMismatch,
  IdentityNote,
  IdentityUnhashedSend,
  IdentityStage,
} from '../../domain/identity.js';
import { sentBy, verificationMethodWords } from '../../domain/identity.js';

/** Notes kept in the view: a customer mismatching again and again must not grow it without bound. */
const MAX_NOTES = 50;

export class CustomerIdentity {
  stage: IdentityStage = 'UNTRUSTED';
  mismatches = 0;
  /** The messages whose status brought a mismatch, the latest MAX_NOTES. */
  private mismatchedMessages: string[] = [];
  confirmation: IdentityConfirmation | null = null;
  newHash: IdentityHashStored | null = null;
  readonly notes: IdentityNote[] = [];

  constructor(readonly input: CustomerIdentityInput) {}

  get key() {
    return { phoneNumberId: this.input.phoneNumberId, waId: this.input.waId };
  }

  note(actor: string, text: string): void {
    this.notes.push({ at: new Date().toISOString(), actor, text });
    if (this.notes.length > MAX_NOTES) this.notes.splice(1, 1); // the first (what started it) stays
  }

  mismatched(mismatch: IdentityMismatch): void {
    const where =
      mismatch.source === 'send'
        ? `a send's answer${sentBy(mismatch.actor)}`
        : `the status of ${mismatch.messageId ?? 'a message'}`;
    // Meta delivers a webhook again when it doubts the first delivery: the same message's status counts once.
    const id = mismatch.source === 'status' ? mismatch.messageId : null;
    if (id !== null && this.mismatchedMessages.includes(id)) {
      this.note('meta', `identity key mismatch (137000) in ${where} again: counted once`);
      return;
    }
    if (id !== null) this.mismatchedMessages = [...this.mismatchedMessages, id].slice(-MAX_NOTES);
    this.mismatches++;
    this.note('meta', `identity key mismatch (137000) in ${where}`);
  }

  /** Why the operator cannot confirm now, if so. */
  confirmationRefusal(): string | null {
    if (this.confirmation === null) return null;
    return `the customer's identity is already confirmed by ${this.confirmation?.actor ?? 'an operator'} (stage ${this.stage})`;
  }

  confirm(confirmation: IdentityConfirmation): void {
    this.confirmation = confirmation;
    this.stage = 'CONFIRMED';
    const how = verificationMethodWords[confirmation.method] ?? confirmation.method;
    this.note(
      confirmation.actor,
      `confirmed the customer's identity by ${how}${confirmation.note ? `: ${confirmation.note}` : ''}`,
    );
  }

  awaitNewHash(): void {
    this.stage = 'AWAITING_NEW_HASH';
    this.note(
      'numberflow',
      'the next send goes without the identity hash; waiting for its status to bring the new one',
    );
  }

  unhashedSent(sent: IdentityUnhashedSend): void {
    this.note(sent.actor ?? 'numberflow', `${sent.messageId} went to the customer without the identity hash`);
  }

  /** Taken only once the operator confirmed: a hash seen before says nothing about who holds the number. */
  hashStored(stored: IdentityHashStored): void {
    if (this.confirmation === null || this.newHash) return;
    this.newHash = stored;
    this.note('meta', `the status of ${stored.messageId} brought the new identity hash ${stored.hashPrefix}`);
  }

  trusted(): void {
    this.stage = 'TRUSTED';
    this.note('numberflow', 'trust restored: sends carry the new identity hash');
  }

  timedOut(days: number): void {
    this.stage = 'TIMED_OUT';
    this.note(
      'numberflow',
      `nobody confirmed the customer within ${days} days: they stay untrusted, sends stay refused`,
    );
  }

  /** No send brought the new hash within `days` of the confirmation: it lapses. */
  confirmationLapsed(days: number): string {
    this.stage = 'TIMED_OUT';
    const by = this.confirmation?.actor ?? 'an operator';
    const lapsed = `the confirmation by ${by} lapsed: no send to the customer brought their new identity hash within ${days} days; they are untrusted again, sends refused until an operator confirms again`;
    this.note('numberflow', lapsed);
    return lapsed;
  }

  view(): CustomerIdentityView {
    return {
      ...this.input,
      stage: this.stage,
      mismatches: this.mismatches,
      confirmedBy: this.confirmation?.actor ?? null,
      notes: [...this.notes],
    };
  }
}
