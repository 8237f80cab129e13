// Meta's verified webhook deliveries, kept in a SQLite file of the service's own before they are answered 200 and
// routed to Temporal after (./webhook-drain.ts). A delivery's row is committed before the answer (a crash of the
// process from then on does not lose it: the next start drains it) and deleted once every change of it is routed.
// Commits are grouped: the deliveries received in one turn of the event loop are written in one transaction.
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as SqliteDatabase, type Statement } from 'better-sqlite3';

/** A delivery waiting to be routed: its verified raw body and when it was received (ms). */
export interface InboxDelivery {
  id: number;
  receivedAt: number;
  body: Buffer;
  attempts: number;
}

export interface WebhookInboxOptions {
  /** Past this many waiting deliveries the receiver answers 503 and Meta delivers again later. */
  maxPending?: number;
}

/** Deliveries kept while Temporal is slow or away; Meta itself retries for 7 days past that. */
export const DEFAULT_MAX_PENDING = 100_000;

interface Waiting {
  body: Buffer;
  receivedAt: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class WebhookInbox {
  private readonly insert: Statement<[number, Buffer]>;
  private readonly due: Statement<[number, number], { id: number; receivedAt: number; body: Buffer; attempts: number }>;
  private readonly deleteOne: Statement<[number]>;
  private readonly postpone: Statement<[number, number]>;
  private readonly commitAll: (rows: Waiting[]) => void;
  private readonly deleteAll: (ids: readonly number[]) => number;
  private readonly countRows: Statement<[]>;
  private waiting: Waiting[] = [];
  private count: number;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly maxPending: number,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS webhook_inbox (
      id INTEGER PRIMARY KEY, -- a new row's id is above every row left: the oldest come first
      received_at INTEGER NOT NULL,
      body BLOB NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL DEFAULT 0
    )`);
    this.insert = db.prepare('INSERT INTO webhook_inbox (received_at, body) VALUES (?, ?)');
    this.due = db.prepare(
      `SELECT id, received_at AS receivedAt, body, attempts FROM webhook_inbox
       WHERE next_attempt_at <= ? ORDER BY id LIMIT ?`,
    );
    this.deleteOne = db.prepare('DELETE FROM webhook_inbox WHERE id = ?');
    this.postpone = db.prepare(
      'UPDATE webhook_inbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?',
    ) as Statement<[number, number]>;
    this.commitAll = db.transaction((rows: Waiting[]) => {
      for (const row of rows) this.insert.run(row.receivedAt, row.body);
    });
    this.deleteAll = db.transaction((ids: readonly number[]) =>
      ids.reduce((deleted, id) => deleted + this.deleteOne.run(id).changes, 0),
    );
    this.countRows = db.prepare('SELECT count(*) AS n FROM webhook_inbox');
    this.count = this.stored();
  }

  /** Deliveries in the file now, whoever wrote them (another process may share it: a benchmark, a test). */
  stored(): number {
    return (this.countRows.get() as { n: number }).n;
  }

  /**
   * Opens (or creates) the inbox file, mode 0600. WAL with synchronous=NORMAL: a committed delivery survives a crash
   * or kill of the process; a power loss of the host may lose the last ones committed (docs/architecture.md).
   */
  static open(file: string, { maxPending = DEFAULT_MAX_PENDING }: WebhookInboxOptions = {}): WebhookInbox {
    if (!Number.isInteger(maxPending) || maxPending < 1)
      throw new Error(`the webhook inbox's maxPending must be a whole number of 1 or more, not ${maxPending}`);
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    return new WebhookInbox(db, maxPending);
  }

  /** Deliveries waiting to be routed (committed or about to be). */
  get size(): number {
    return this.count + this.waiting.length;
  }

  get full(): boolean {
    return this.size >= this.maxPending;
  }

  /** Resolves once the delivery is committed, with those received in the same turn of the event loop. */
  put(body: Buffer, receivedAt: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.waiting.push({ body, receivedAt, resolve, reject }) === 1) setImmediate(() => this.commit());
    });
  }

  private commit(): void {
    const rows = this.waiting;
    this.waiting = [];
    try {
      this.commitAll(rows);
    } catch (err) {
      for (const row of rows) row.reject(err);
      return;
    }
    this.count += rows.length;
    for (const row of rows) row.resolve();
  }

  /** The oldest deliveries due to be routed at `nowMs` (a postponed one waits for its time). */
  dueAt(nowMs: number, limit: number): InboxDelivery[] {
    return this.due.all(nowMs, limit);
  }

  /** Every change of these deliveries is routed: they are gone (in one transaction). */
  remove(ids: readonly number[]): void {
    if (ids.length > 0) this.count -= this.deleteAll(ids);
  }

  /** Routing failed: tried again at `nextAttemptAt`. */
  retryAt(id: number, nextAttemptAt: number): void {
    this.postpone.run(nextAttemptAt, id);
  }

  close(): void {
    if (this.waiting.length > 0) this.commit();
    this.db.close();
  }
}
