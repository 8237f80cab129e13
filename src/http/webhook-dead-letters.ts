// The webhook inbox's dead letters as an admin handles them: listed without their bodies (they hold customers'
// messages) — when received and given up on, how often tried, why, and the WABAs and fields of their changes —
// replayed (back in the inbox and routed, ./webhook-drain.ts), or discarded; a replay and a discard are logged with
// who did it — or discarded by the service once kept WEBHOOK_DEAD_LETTER_DAYS, so that customers' messages a delivery
// holds are not kept for ever.
import type { Logger } from 'pino';
import { DEAD_LETTER_DAYS } from '../config.js';
import { readVerifiedWebhook, webhookEvents } from '../graph/webhooks.js';
import type { ReplayOutcome, WebhookDrain } from './webhook-drain.js';
import type { DeadLetter, WebhookInbox } from './webhook-inbox.js';

/** A dead letter as an admin sees it: never its body. */
export interface DeadLetterSummary {
  id: number;
  receivedAt: string;
  deadAt: string;
  attempts: number;
  reason: string;
  /** When the service discards it unless an admin replays or discards it first. */
  keptUntil: string;
  /** Each WABA of its entries, with the fields of its changes (each once) and how many changes it has. */
  wabas: { wabaId: string; fields: string[]; changes: number }[];
}

export interface DeadLetterPage {
  /** The service process whose inbox holds them (each replica keeps its own); absent when not named. */
  replica?: string;
  deadLetters: DeadLetterSummary[];
  /** Dead letters kept in all. */
  total: number;
  /** The id to page on from (`after`), or null on the last page. */
  nextAfter: number | null;
}

/** What an admin's replay or discard did. */
export type DeadLetterAction = { id: number; message: string; replica?: string } & (
  ReplayOutcome | { outcome: 'discarded' }
);

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often the service looks for dead letters past their keeping (and once when it opens the inbox). */
const EXPIRY_EVERY_MS = 60 * 60 * 1000;

export class WebhookDeadLetters {
  private readonly keepMs: number;

  constructor(
    private readonly inbox: WebhookInbox,
    private readonly drain: WebhookDrain,
    private readonly logger: Logger,
    private readonly options: {
      /** Names this service process in every answer: a fleet's replicas each keep their own dead letters. */
      replica?: string;
      /** How long a replay waits for its routing before answering that it is still waiting (10 s). */
      replayWaitMs?: number;
      /** Days a dead letter is kept once given up on (WEBHOOK_DEAD_LETTER_DAYS). */
      keepDays?: number;
    } = {},
  ) {
    this.keepMs = (options.keepDays ?? DEAD_LETTER_DAYS) * DAY_MS;
  }

  /** Discards the dead letters kept past their days (bodies erased), logging how many: how many. */
  expire(now = Date.now()): number {
    const deadBefore = now - this.keepMs;
    const discarded = this.inbox.discardDeadBefore(deadBefore);
    if (discarded > 0) {
      const keepDays = this.keepMs / DAY_MS;
      this.logger.warn(
        { discarded, deadBefore: new Date(deadBefore).toISOString(), keepDays },
        `webhook dead letters kept ${keepDays} days discarded`,
      );
    }
    return discarded;
  }

  /** Expires now, then every hour until the returned function is called (the timer keeps no process alive). */
  expireEvery(everyMs = EXPIRY_EVERY_MS): () => void {
    const expireLogged = () => {
      try {
        this.expire();
      } catch (err) {
        this.logger.error({ err }, 'webhook dead letters past their keeping could not be discarded; tried again later');
      }
    };
    expireLogged();
    const timer = setInterval(expireLogged, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private get where(): { replica?: string } {
    return this.options.replica === undefined ? {} : { replica: this.options.replica };
  }

  page(after: number, limit: number): DeadLetterPage {
    const rows = this.inbox.deadLetters(after, limit + 1);
    const shown = rows.slice(0, limit);
    return {
      ...this.where,
      deadLetters: shown.map((letter) => summaryOf(letter, this.keepMs)),
      total: this.inbox.deadLetterCount(),
      nextAfter: rows.length > limit ? (shown.at(-1)?.id ?? null) : null,
    };
  }

  /** Null when there is no such dead letter. */
  async replay(id: number, actor: string): Promise<DeadLetterAction | null> {
    const replayed = await this.drain.replay(id, this.options.replayWaitMs ?? 10_000);
    if (replayed === null) return null;
    this.logger.info({ deadLetter: id, actor, outcome: replayed.outcome }, 'webhook dead letter replayed');
    const message =
      replayed.outcome === 'routed'
        ? `delivery ${id} was routed`
        : replayed.outcome === 'dead_lettered'
          ? `delivery ${id} failed again and is back in the dead letters: ${replayed.reason}`
          : `delivery ${id} is back in the inbox: ${replayed.reason}`;
    return { id, message, ...replayed, ...this.where };
  }

  /** Null when there is no such dead letter. */
  discard(id: number, actor: string): DeadLetterAction | null {
    if (!this.inbox.discard(id)) return null;
    this.logger.warn({ deadLetter: id, actor }, 'webhook dead letter discarded');
    return { id, outcome: 'discarded', message: `delivery ${id} was discarded; it will not be routed`, ...this.where };
  }
}

function summaryOf(letter: DeadLetter, keepMs: number): DeadLetterSummary {
  const wabas = new Map<string, { fields: Set<string>; changes: number }>();
  const read = readVerifiedWebhook(letter.body);
  for (const event of read.ok ? webhookEvents(read.envelope, letter.receivedAt) : []) {
    const waba = wabas.get(event.wabaId) ?? { fields: new Set(), changes: 0 };
    waba.fields.add(event.field === 'unknown' ? event.rawField : event.field);
    waba.changes++;
    wabas.set(event.wabaId, waba);
  }
  return {
    id: letter.id,
    receivedAt: new Date(letter.receivedAt).toISOString(),
    deadAt: new Date(letter.deadAt).toISOString(),
    attempts: letter.attempts,
    reason: letter.reason,
    keptUntil: new Date(letter.deadAt + keepMs).toISOString(),
    wabas: [...wabas].map(([wabaId, { fields, changes }]) => ({ wabaId, fields: [...fields], changes })),
  };
}
