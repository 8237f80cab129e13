// Meta's verified webhook deliveries, kept in a SQLite file of the service's own before they are answered 200 and
// routed to Temporal after (./webhook-drain.ts). A delivery's row is committed before the answer (a crash of the
// process from then on does not lose it: the next start drains it) and deleted once every change of it is routed.
// Commits are grouped: the deliveries received in one turn of the event loop are written in one transaction.
// One process owns the file (../process-lock.ts): two drains on one inbox would route, and delete, each other's rows.
import { chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as SqliteDatabase, type Statement } from 'better-sqlite3';
import { rowsIn } from '../stores/sqlite.js';
import { ProcessLock } from '../process-lock.js';
import { makeDir } from '../make-dir.js';

/**
 * A delivery waiting to be routed: its verified raw body (or, of a delivery about several WABAs, one WABA's entries
 * as a body of their own) and when it was received (ms).
 */
export interface InboxDelivery {
  id: number;
  receivedAt: number;
  body: Buffer;
  /** Failed routings of it so far; `failures` counts those that were not Temporal being unavailable. */
  attempts: number;
  failures: number;
}

/** A delivery given up on: kept apart, body and all, until an admin replays or discards it. */
export interface DeadLetter {
  id: number;
  receivedAt: number;
  deadAt: number;
  attempts: number;
  reason: string;
  body: Buffer;
}

export interface WebhookInboxOptions {
  /** Past this many waiting deliveries the receiver answers 503 and Meta delivers again later. */
  maxPending?: number;
}

/** Deliveries kept while Temporal is slow or away; Meta itself retries for 7 days past that. */
export const DEFAULT_MAX_PENDING = 100_000;
/** How often `full` counts the rows again rather than trusting the count kept in memory. */
const RECOUNT_MS = 1_000;

/** A delivery's rows (one per WABA) waiting for the turn's commit. */
interface Waiting {
  bodies: readonly Buffer[];
  receivedAt: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

// AUTOINCREMENT: an id is never used twice, even once the table was empty (a plain rowid would be).
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- the oldest come first
    received_at INTEGER NOT NULL,
    body BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS webhook_dead_letters (
    id INTEGER PRIMARY KEY, -- the delivery's id
    received_at INTEGER NOT NULL,
    dead_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    reason TEXT NOT NULL,
    body BLOB NOT NULL
  );`;

/** The first version's table (plain rowids), moved over in order with its rows. */
const MIGRATE_FIRST_VERSION = `
  INSERT INTO webhook_deliveries (received_at, body, attempts)
    SELECT received_at, body, attempts FROM webhook_inbox ORDER BY id;
  DROP TABLE webhook_inbox;`;

export class WebhookInbox {
  private readonly insert: Statement<[number, Buffer]>;
  private readonly rowsAfter: Statement<[number, number], InboxDelivery>;
  private readonly newestRow: Statement<[], { id: number | null }>;
  private readonly oldestRow: Statement<[], { receivedAt: number | null }>;
  private readonly deleteOne: Statement<[number]>;
  private readonly failedOnce: Statement<[number, number]>;
  private readonly commitAll: (rows: Waiting[]) => void;
  private readonly deleteAll: (ids: readonly number[]) => number;
  private readonly bury: (id: number, reason: string, deadAt: number) => void;
  private readonly countRows: Statement<[]>;
  private readonly deadLetterRows: Statement<[number, number], DeadLetter>;
  private readonly countDeadLetters: Statement<[]>;
  private readonly deleteDeadLetter: Statement<[number]>;
  private readonly deleteDeadBefore: Statement<[number]>;
  private readonly unbury: (id: number) => boolean;
  private waiting: Waiting[] = [];
  /** The rows of `waiting`. */
  private waitingRows = 0;
  private count: number;
  private countedAt = Date.now();

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly lock: ProcessLock,
    private readonly maxPending: number,
  ) {
    db.transaction(() => {
      db.exec(SCHEMA);
      const first = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'webhook_inbox'").get();
      if (first) db.exec(MIGRATE_FIRST_VERSION);
    })();
    this.insert = db.prepare('INSERT INTO webhook_deliveries (received_at, body) VALUES (?, ?)');
    // Paged by id (the primary key): a page after a blocked one costs no more than the first.
    this.rowsAfter = db.prepare(
      `SELECT id, received_at AS receivedAt, body, attempts, failures FROM webhook_deliveries
       WHERE id > ? ORDER BY id LIMIT ?`,
    );
    this.newestRow = db.prepare('SELECT max(id) AS id FROM webhook_deliveries');
    // The smallest id is the first received: its time without reading its body.
    this.oldestRow = db.prepare(
      'SELECT received_at AS receivedAt FROM webhook_deliveries WHERE id = (SELECT min(id) FROM webhook_deliveries)',
    );
    this.deleteOne = db.prepare('DELETE FROM webhook_deliveries WHERE id = ?');
    this.failedOnce = db.prepare(
      'UPDATE webhook_deliveries SET attempts = attempts + 1, failures = failures + ? WHERE id = ?',
    ) as Statement<[number, number]>;
    this.commitAll = db.transaction((deliveries: Waiting[]) => {
      for (const { bodies, receivedAt } of deliveries) for (const body of bodies) this.insert.run(receivedAt, body);
    });
    this.deleteAll = db.transaction((ids: readonly number[]) =>
      ids.reduce((deleted, id) => deleted + this.deleteOne.run(id).changes, 0),
    );
    const moveToDeadLetters = db.prepare(
      `INSERT OR REPLACE INTO webhook_dead_letters (id, received_at, dead_at, attempts, reason, body)
       SELECT id, received_at, ?, attempts, ?, body FROM webhook_deliveries WHERE id = ?`,
    ) as Statement<[number, string, number]>;
    this.bury = db.transaction((id: number, reason: string, deadAt: number) => {
      moveToDeadLetters.run(deadAt, reason, id);
      this.count -= this.deleteOne.run(id).changes;
    });
    this.countRows = db.prepare('SELECT count(*) AS n FROM webhook_deliveries');
    this.deadLetterRows = db.prepare(
      `SELECT id, received_at AS receivedAt, dead_at AS deadAt, attempts, reason, body
       FROM webhook_dead_letters WHERE id > ? ORDER BY id LIMIT ?`,
    );
    this.countDeadLetters = db.prepare('SELECT count(*) AS n FROM webhook_dead_letters');
    this.deleteDeadLetter = db.prepare('DELETE FROM webhook_dead_letters WHERE id = ?');
    this.deleteDeadBefore = db.prepare('DELETE FROM webhook_dead_letters WHERE dead_at < ?');
    // An id is never given twice (AUTOINCREMENT), so the dead letter's own id is free in the deliveries.
    const moveBack = db.prepare(
      `INSERT INTO webhook_deliveries (id, received_at, body, attempts)
       SELECT id, received_at, body, attempts FROM webhook_dead_letters WHERE id = ?`,
    ) as Statement<[number]>;
    this.unbury = db.transaction((id: number) => moveBack.run(id).changes > 0 && this.discard(id));
    this.count = this.stored();
  }

  /** Deliveries in the file now. */
  stored(): number {
    return (this.countRows.get() as { n: number }).n;
  }

  /** Deliveries waiting in an inbox file, read without taking it (a benchmark, a test, an admin's look). */
  static storedIn(file: string): number {
    return rowsIn(file, 'webhook_deliveries');
  }

  /**
   * Opens (or creates) the inbox file, mode 0600, taking its lock first: a file another live process has open is
   * refused. WAL with synchronous=NORMAL: a committed delivery survives a crash or kill of the process; a power loss
   * of the host may lose the last ones committed (docs/architecture.md).
   */
  static open(file: string, { maxPending = DEFAULT_MAX_PENDING }: WebhookInboxOptions = {}): WebhookInbox {
    if (!Number.isInteger(maxPending) || maxPending < 1)
      throw new Error(`the webhook inbox's maxPending must be a whole number of 1 or more, not ${maxPending}`);
    makeDir(dirname(file), 0o700);
    const lock = ProcessLock.take(
      `${file}.lock`,
      (pid) =>
        `the webhook inbox in ${dirname(file)} is in use by process ${pid} (lock ${file}.lock): one process per data folder — give the other its own NUMBERFLOW_DATA_DIR`,
    );
    try {
      const db = new Database(file);
      chmodSync(file, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      // A routed body (customers' messages) is overwritten with zeros when deleted; it cost the drain no measurable time.
      db.pragma('secure_delete = ON');
      return new WebhookInbox(db, lock, maxPending);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** Deliveries waiting to be routed (committed or about to be). */
  get size(): number {
    return this.count + this.waitingRows;
  }

  /** The count kept in memory is checked against the file now and then, so that a slip of it cannot last. */
  get full(): boolean {
    if (Date.now() - this.countedAt >= RECOUNT_MS) {
      this.count = this.stored();
      this.countedAt = Date.now();
    }
    return this.size >= this.maxPending;
  }

  /** How full the inbox is, from 0 to 1 (1: the receiver answers 503). */
  get fill(): number {
    return Math.min(1, this.size / this.maxPending);
  }

  /**
   * Resolves once the delivery's rows (one body, or one per WABA) are committed, with those received in the same turn
   * of the event loop.
   */
  put(bodies: Buffer | readonly Buffer[], receivedAt: number): Promise<void> {
    const rows = Buffer.isBuffer(bodies) ? [bodies] : bodies;
    return new Promise((resolve, reject) => {
      this.waitingRows += rows.length;
      if (this.waiting.push({ bodies: rows, receivedAt, resolve, reject }) === 1) setImmediate(() => this.commit());
    });
  }

  private commit(): void {
    const deliveries = this.waiting;
    const rows = this.waitingRows;
    this.waiting = [];
    this.waitingRows = 0;
    try {
      this.commitAll(deliveries);
    } catch (err) {
      for (const delivery of deliveries) delivery.reject(err);
      return;
    }
    this.count += rows;
    for (const delivery of deliveries) delivery.resolve();
  }

  /** The oldest deliveries, in the order they were received. */
  oldest(limit: number): InboxDelivery[] {
    return this.after(0, limit);
  }

  /**
   * The deliveries received after delivery `id`, in the order they were received: at most `limit`, and no more once
   * their bodies reach `maxBytes` (one at least), so that a page of Meta's largest bodies stays small in memory.
   */
  after(id: number, limit: number, maxBytes = Infinity): InboxDelivery[] {
    const page: InboxDelivery[] = [];
    let bytes = 0;
    for (const row of this.rowsAfter.iterate(id, limit)) {
      page.push(row);
      bytes += row.body.length;
      if (bytes >= maxBytes) break; // ends the statement: the rest is not read
    }
    return page;
  }

  /** The id of the newest delivery waiting (0 when none waits). */
  newestId(): number {
    return this.newestRow.get()?.id ?? 0;
  }

  /** Every change of these deliveries is routed: they are gone (in one transaction). */
  remove(ids: readonly number[]): void {
    if (ids.length > 0) this.count -= this.deleteAll(ids);
  }

  /** Routing it failed once more; `unavailable`: only because Temporal could not be reached. */
  failed(id: number, unavailable: boolean): void {
    this.failedOnce.run(unavailable ? 0 : 1, id);
  }

  /** Given up on: kept apart for an admin, body and all, and out of the way of the deliveries after it. */
  deadLetter(id: number, reason: string, deadAt = Date.now()): void {
    this.bury(id, reason, deadAt);
  }

  /** Deliveries given up on after dead letter `after`, oldest first (for an admin; the bodies are Meta's, verified, one WABA's each). */
  deadLetters(after = 0, limit = 1_000): DeadLetter[] {
    return this.deadLetterRows.all(after, limit);
  }

  /** When the oldest delivery still waiting to be routed was received (ms); null when none waits. */
  oldestReceivedAt(): number | null {
    return this.oldestRow.get()?.receivedAt ?? null;
  }

  /** How many deliveries were given up on and are kept. */
  deadLetterCount(): number {
    return (this.countDeadLetters.get() as { n: number }).n;
  }

  /**
   * A dead letter back in the inbox under its own id — its place in Meta's order, before the deliveries received
   * after it — with its failures counted from 0; false if there is no such dead letter.
   */
  revive(id: number): boolean {
    const revived = this.unbury(id);
    this.count += revived ? 1 : 0;
    return revived;
  }

  /** A dead letter discarded (its body erased with it); false if there is no such dead letter. */
  discard(id: number): boolean {
    return this.deleteDeadLetter.run(id).changes > 0;
  }

  /** The dead letters given up on before `deadAt` (ms) discarded, their bodies erased: how many. */
  discardDeadBefore(deadAt: number): number {
    return this.deleteDeadBefore.run(deadAt).changes;
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (!this.db.open) return;
    if (this.waiting.length > 0) this.commit();
    this.db.close();
    this.lock.release();
  }
}
