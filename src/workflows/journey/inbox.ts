// One place owns a submission's life: an inbox takes it (from an update or a signal), hands it to the stage that
// waits for it, and answers it once. When the journey ends, what is still in an inbox is answered with the ending.
import { condition, Trigger } from '@temporalio/workflow';
import type { SubmissionOutcome } from '../../domain/messages.js';
import { plural } from '../../domain/words.js';

export interface Submission<T> {
  value: T;
  actor: string;
  /** When the sender says it was submitted (epoch ms), where that may be before the journey took it. */
  submittedAt?: number;
}

interface Held<T> extends Submission<T> {
  /** The update waiting for the outcome; null for a signal. */
  reply: Trigger<SubmissionOutcome> | null;
}

export class Inbox<T> {
  private held: Held<T> | null = null;
  private closedWith: string | null = null;

  /** `answeredAnUpdate`: told when an answer goes to a waiting update (state only: live.ts's continue-as-new). */
  constructor(private readonly answeredAnUpdate: () => void = () => undefined) {}

  /** Takes a submission from a signal: nobody waits for its outcome. */
  put(value: T, actor: string, submittedAt?: number): void {
    this.hold(value, actor, null, submittedAt);
  }

  /** Takes a submission from an update; the promise is the outcome the stage answers. */
  async submit(value: T, actor: string, submittedAt?: number): Promise<SubmissionOutcome> {
    if (this.closedWith !== null) return refusal(this.closedWith);
    const reply = new Trigger<SubmissionOutcome>();
    this.hold(value, actor, reply, submittedAt);
    return reply;
  }

  private hold(value: T, actor: string, reply: Held<T>['reply'], submittedAt: number | undefined): void {
    this.held = { value, actor, reply, ...(submittedAt === undefined ? {} : { submittedAt }) };
  }

  get busy(): boolean {
    return this.held !== null;
  }

  peek(): Submission<T> | null {
    return this.held;
  }

  /** Waits up to `timeoutMs` (for ever without) for a submission; it stays in the inbox until answered. */
  async next(timeoutMs?: number): Promise<Submission<T> | null> {
    if (timeoutMs === undefined) await condition(() => this.held !== null);
    else await condition(() => this.held !== null, timeoutMs);
    return this.held;
  }

  /** Answers the submission (its update, if it came as one) and empties the inbox. */
  answer(outcome: SubmissionOutcome): void {
    if (this.held?.reply) this.answeredAnUpdate();
    this.held?.reply?.resolve(outcome);
    this.held = null;
  }

  /** Takes the submission out without an outcome to tell (signals, events). */
  take(): Submission<T> | null {
    const held = this.held;
    this.answer({ accepted: true, message: 'taken', attemptsLeft: null });
    return held;
  }

  /** Tells the submitter it was taken in but the outcome comes later; the stage keeps the value it read. */
  acknowledge(message: string): void {
    this.answer({ accepted: true, message, attemptsLeft: null, pending: true });
  }

  /** The journey ended: what is held, and what comes later, is answered with the ending. */
  close(why: string): void {
    this.closedWith = why;
    this.answer(refusal(why));
  }
}

/**
 * "code wrong, 2 attempts left"; the last one says what ends (`ends`: the journey, or a live number's rename). `wrong`:
 * how to say it was refused, when Meta's refusal may mean something else too.
 */
export function wrongAnswer(what: string, left: number, ends: string, wrong = 'wrong'): SubmissionOutcome {
  const attempts = left > 0 ? `${plural(left, 'attempt')} left` : `no attempts left: ${ends}`;
  return { accepted: false, message: `${what} ${wrong}, ${attempts}`, attemptsLeft: left };
}

function refusal(why: string): SubmissionOutcome {
  return { accepted: false, message: why, attemptsLeft: null };
}
