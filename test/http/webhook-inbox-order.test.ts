// The webhook inbox's drain keeps Meta's order (while Temporal is unavailable the whole drain backs off: nothing
// overtakes; per number otherwise, ./webhook-inbox-waba-order.test.ts), gives up on a delivery that cannot be routed
// for good (dead letters, logged without its body), and one inbox file has one owner; stop() is bounded; an event
// without entry.time is dated when it was received.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../src/graph/signature.js';
import { DEAD_AFTER_FAILURES, drainWebhookInbox } from '../../src/http/webhook-drain.js';
import type { WebhookDeliveryOutcome } from '../../src/http/webhook-handover.js';
import { WebhookInbox } from '../../src/http/webhook-inbox.js';
import { startTimeOf } from '../../src/process-identity.js';
import { createWebhookRouter } from '../../src/http/webhook-router.js';
import { useBench } from '../support/bench.js';
import { APP_SECRET } from '../support/harness.js';
import { harnessHttpApp } from '../support/http-app.js';
import { freshNumber } from '../support/journeys.js';
import { clientWith, eventually, inboxFiles, refused, unavailable } from './inbox-support.js';
import { capturedLogger, envelope, postSigned, qualityUpdate } from './support.js';

const files = inboxFiles('inbox-order');
const { dir } = files;
const inboxFile = files.next;

describe('the webhook inbox: one owner, ids never reused', () => {
  afterAll(files.remove);

  it('refuses a second opening of a file in use, naming its folder and owner', () => {
    const file = inboxFile();
    const first = WebhookInbox.open(file);
    try {
      expect(() => WebhookInbox.open(file)).toThrow(`the webhook inbox in ${dir} is in use by process ${process.pid}`);
    } finally {
      first.close();
    }
    WebhookInbox.open(file).close(); // released on close
  });

  it('takes over the lock of a process that is gone', () => {
    const file = inboxFile();
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    if (gone === undefined) throw new Error('no child pid');
    writeFileSync(`${file}.lock`, `${gone}\n`);
    const inbox = WebhookInbox.open(file);
    expect(inbox.size).toBe(0);
    inbox.close();
  });

  it('takes over a lock with its own pid left by another process (a container started again gets the same pid)', () => {
    // Written by a process of this pid that started at another time, and by one from before start times were kept.
    for (const left of [`${process.pid} 1\n`, `${process.pid}\n`]) {
      const file = inboxFile();
      writeFileSync(`${file}.lock`, left);
      const inbox = WebhookInbox.open(file);
      expect(() => WebhookInbox.open(file)).toThrow(`is in use by process ${process.pid}`); // now this one's
      inbox.close();
    }
  });

  it('refuses the lock of another process that runs, named by its pid and start time', () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const pid = other.pid as number;
      const file = inboxFile();
      writeFileSync(`${file}.lock`, `${pid} ${startTimeOf(pid) ?? ''}\n`);
      expect(() => WebhookInbox.open(file)).toThrow(`is in use by process ${pid}`);
      // Taken in this folder (its real name: a symlink's is the same folder), it holds.
      const here = encodeURIComponent(realpathSync(dirname(file)));
      writeFileSync(`${file}.lock`, `${pid} ${startTimeOf(pid) ?? '-'} ${here} 0a1b2c3d\n`);
      expect(() => WebhookInbox.open(file)).toThrow(`is in use by process ${pid}`);
      // The same pid written with another start time: a process of that pid before this one, gone.
      writeFileSync(`${file}.lock`, `${pid} 1\n`);
      WebhookInbox.open(file).close();
      // Copied with its folder from where that process runs (a backup restored beside it): it holds nothing here.
      writeFileSync(`${file}.lock`, `${pid} ${startTimeOf(pid) ?? '-'} ${encodeURIComponent('/elsewhere')} 0a1b2c3d\n`);
      WebhookInbox.open(file).close();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('never gives an id twice, even once the inbox was empty', async () => {
    const inbox = WebhookInbox.open(inboxFile());
    try {
      await inbox.put(Buffer.from('a'), Date.now());
      const [first] = inbox.oldest(1);
      inbox.remove([first!.id]);
      expect(inbox.size).toBe(0);
      await inbox.put(Buffer.from('b'), Date.now());
      const [second] = inbox.oldest(1);
      expect(second!.id).toBeGreaterThan(first!.id);
    } finally {
      inbox.close();
    }
  });

  it("keeps a delivery's rows (one per WABA) in order under one answer, counted before they are committed", async () => {
    const inbox = WebhookInbox.open(inboxFile());
    try {
      const received = Date.now() - 1_000;
      const committed = inbox.put([Buffer.from('waba-1'), Buffer.from('waba-2')], received);
      const alone = inbox.put(Buffer.from('next'), Date.now());
      expect(inbox.size).toBe(3); // the full check counts them while they wait for the turn's commit
      expect(inbox.oldest(10)).toEqual([]);
      await Promise.all([committed, alone]);
      const rows = inbox.oldest(10);
      expect(rows.map((d) => d.body.toString())).toEqual(['waba-1', 'waba-2', 'next']);
      expect(rows.slice(0, 2).map((d) => d.receivedAt)).toEqual([received, received]);
      expect(inbox.size).toBe(3);
    } finally {
      inbox.close();
    }
  });

  it('ends a page once its bodies reach the byte bound, in order, with one delivery at least', async () => {
    const inbox = WebhookInbox.open(inboxFile());
    try {
      for (const size of [400, 400, 400, 5_000, 10]) await inbox.put(Buffer.alloc(size, 'x'), Date.now());
      const sizes = (page: { body: Buffer }[]) => page.map((d) => d.body.length);
      expect(sizes(inbox.after(0, 10))).toEqual([400, 400, 400, 5_000, 10]);
      expect(sizes(inbox.after(0, 10, 800))).toEqual([400, 400]); // reached at the second
      expect(sizes(inbox.after(0, 10, 1_000))).toEqual([400, 400, 400]);
      expect(sizes(inbox.after(0, 2, 1_000_000))).toEqual([400, 400]); // the count bounds it too
      const [, , third] = inbox.oldest(3);
      expect(sizes(inbox.after(third!.id, 10, 100))).toEqual([5_000]); // one at least, however large
      expect(inbox.size).toBe(5); // reading a page takes nothing out
    } finally {
      inbox.close();
    }
  });

  it('erases a routed body from the file, not only unlinks it', async () => {
    const file = inboxFile();
    const marker = `customer-message-${Date.now()}`;
    const inbox = WebhookInbox.open(file);
    await inbox.put(Buffer.from(marker), Date.now());
    inbox.remove(inbox.oldest(1).map((d) => d.id));
    inbox.close(); // the last connection's close checkpoints the WAL into the file
    expect(readFileSync(file).includes(marker)).toBe(false);
  });

  it("keeps the first version's waiting deliveries, in order", () => {
    const file = inboxFile();
    const old = new Database(file);
    old.exec(`CREATE TABLE webhook_inbox (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body BLOB NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0)`);
    const insert = old.prepare('INSERT INTO webhook_inbox (id, received_at, body) VALUES (?, ?, ?)');
    insert.run(7, 1, Buffer.from('first'));
    insert.run(9, 2, Buffer.from('second'));
    old.close();
    const inbox = WebhookInbox.open(file);
    try {
      expect(inbox.oldest(10).map((d) => d.body.toString())).toEqual(['first', 'second']);
      expect(inbox.size).toBe(2);
    } finally {
      inbox.close();
    }
  });
});

describe("the webhook inbox's drain (dev server + Graph sandbox)", () => {
  const t = useBench('dev');

  const clientOf = (signal: Parameters<typeof clientWith>[1]) => clientWith(t.bench, signal);
  const body = (digits: string) => envelope([{ id: t.bench.wabaId, changes: [qualityUpdate(digits)] }]);
  const signed = (digits: string) => {
    const raw = body(digits);
    return { raw: Buffer.from(raw), signature: signWebhookBody(raw, APP_SECRET) };
  };

  it("routes a number's deliveries after a failed one only once it is routed, in the order received", async () => {
    const digits = freshNumber().slice(1);
    const events = ['ONBOARDING', 'FLAGGED', 'UNFLAGGED'];
    const quality = (event: string) =>
      envelope([
        {
          id: t.bench.wabaId,
          changes: [{ field: 'phone_number_quality_update', value: { display_phone_number: digits, event } }],
        },
      ]);
    let down = true;
    let failedTries = 0;
    const routed: string[] = [];
    // Answered without a journey: a "no running journey" would spare the batch's later signals to that number.
    const client = clientOf((input) => {
      if (down) {
        failedTries++;
        return unavailable();
      }
      routed.push((input.args[0] as { event: string }).event);
      return Promise.resolve();
    });
    const file = inboxFile();
    const app = await harnessHttpApp(t.bench, { client, webhookInbox: { file } });
    try {
      expect((await postSigned(app, quality(events[0]!), APP_SECRET)).statusCode).toBe(200);
      await eventually(() => failedTries > 0, 'the first delivery tried and failed');
      for (const event of events.slice(1))
        expect((await postSigned(app, quality(event), APP_SECRET)).statusCode).toBe(200);
      down = false;
      await eventually(() => routed.length === 3, 'all three routed');
      expect(routed).toEqual(events);
      await eventually(() => WebhookInbox.storedIn(file) === 0, 'the inbox emptied');
    } finally {
      await app.close();
    }
  });

  it('tries again early when a delivery comes while it backs off, at most once per probe interval', async () => {
    let down = true;
    let tries = 0;
    const routed: string[] = [];
    const client = clientOf((input, forward) => {
      tries++;
      if (down) return unavailable();
      routed.push(input.workflowExecution.workflowId);
      return forward(input);
    });
    const route = createWebhookRouter({ client, taskQueue: t.bench.taskQueue, graph: t.bench.graph });
    const inbox = WebhookInbox.open(inboxFile());
    const [first, second, third] = [freshNumber(), freshNumber(), freshNumber()];
    await inbox.put(signed(first.slice(1)).raw, Date.now());
    // A backoff of a minute from the first failure: only a new delivery brings the next try sooner.
    const drain = drainWebhookInbox({
      inbox,
      route,
      logger: capturedLogger().logger,
      retryMs: 60_000,
      wakeProbeMs: 300,
    });
    try {
      await eventually(() => tries === 1, 'the first try failed');
      // Within the probe interval, a new delivery waits for the backoff: no try per delivery while Temporal is away.
      await inbox.put(signed(second.slice(1)).raw, Date.now());
      drain.wake();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(tries).toBe(1);
      down = false;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await inbox.put(signed(third.slice(1)).raw, Date.now());
      drain.wake();
      await eventually(() => inbox.size === 0, 'all three routed, long before the minute');
      expect(routed).toEqual([first, second, third].map((n) => `number:${n}`));
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it('dead-letters a delivery failing for good, logged without its body, and goes on', async () => {
    const [stuck, next] = [freshNumber(), freshNumber()];
    const routed: string[] = [];
    const client = clientOf((input, forward) => {
      if (input.workflowExecution.workflowId === `number:${stuck}`) return refused();
      routed.push(input.workflowExecution.workflowId);
      return forward(input);
    });
    const route = createWebhookRouter({ client, taskQueue: t.bench.taskQueue, graph: t.bench.graph });
    const inbox = WebhookInbox.open(inboxFile());
    const { logger, lines } = capturedLogger();
    const outcomes: WebhookDeliveryOutcome[] = [];
    for (const digits of [stuck, next]) await inbox.put(signed(digits.slice(1)).raw, Date.now());
    const drain = drainWebhookInbox({
      inbox,
      route,
      logger,
      delivered: (o) => outcomes.push(o),
      retryMs: 5,
      maxRetryMs: 20,
    });
    try {
      // Another number: routed at once, not after the failing one.
      await eventually(() => routed.length === 1 && inbox.deadLetters().length === 1, 'the failing one given up on');
      expect(routed).toEqual([`number:${next}`]);
      const [dead] = inbox.deadLetters();
      expect(dead?.reason).toBe(`routing failed ${DEAD_AFTER_FAILURES} times`);
      expect(dead?.body.toString()).toBe(body(stuck.slice(1)));
      expect(outcomes.filter((o) => o === 'dead_lettered')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'routing_failed')).toHaveLength(DEAD_AFTER_FAILURES);
      const given = lines.filter((line) => line.includes('given up on'));
      expect(given).toHaveLength(1);
      // Each failure's lines name the delivery and how often it failed before: the dead letter's id leads to them.
      const failures = lines
        .map((line) => JSON.parse(line) as { msg?: string; delivery?: number; failures?: number })
        .filter((line) => line.msg === 'webhook not wholly routed');
      expect(failures.map((line) => line.failures)).toEqual(Array.from({ length: DEAD_AFTER_FAILURES }, (_, i) => i));
      expect(new Set(failures.map((line) => line.delivery)).size).toBe(1);
      expect(lines.join('\n')).not.toContain(stuck.slice(1)); // neither the body nor its number
      await eventually(() => inbox.size === 0, 'the inbox emptied');
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it('keeps trying a delivery while Temporal is unavailable, and dead-letters one older than 7 days', async () => {
    const [young, old] = [freshNumber(), freshNumber()];
    let tries = 0;
    const route = createWebhookRouter({
      client: clientOf(() => (tries++, unavailable())),
      taskQueue: t.bench.taskQueue,
      graph: t.bench.graph,
    });
    const inbox = WebhookInbox.open(inboxFile());
    await inbox.put(signed(old.slice(1)).raw, Date.now() - 8 * 24 * 60 * 60 * 1000);
    await inbox.put(signed(young.slice(1)).raw, Date.now());
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 5, maxRetryMs: 10 });
    try {
      await eventually(() => tries > DEAD_AFTER_FAILURES + 5, 'many failed tries');
      expect(inbox.deadLetters().map((d) => d.reason)).toEqual(['not routed in 7 days']);
      expect(inbox.oldest(10).map((d) => d.body.toString())).toEqual([body(young.slice(1))]);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it('dates an event without entry.time when it was received, not when the drain routes it', async () => {
    const digits = freshNumber().slice(1);
    const dated: unknown[] = [];
    const route = createWebhookRouter({
      client: clientOf((input, next) => (dated.push(input.args[0]), next(input))),
      taskQueue: t.bench.taskQueue,
      graph: t.bench.graph,
    });
    const inbox = WebhookInbox.open(inboxFile());
    const receivedAt = Date.now() - 60 * 60 * 1000; // an hour in the inbox
    await inbox.put(signed(digits).raw, receivedAt);
    // Another number's: a batch asks Temporal once per number, and no journey runs for this one.
    const decision = {
      display_phone_number: freshNumber().slice(1),
      decision: 'APPROVED',
      requested_verified_name: 'Acme Dated',
    };
    const name = envelope([{ id: t.bench.wabaId, changes: [{ field: 'phone_number_name_update', value: decision }] }]);
    await inbox.put(Buffer.from(name), receivedAt);
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger });
    try {
      await eventually(() => inbox.size === 0, 'the deliveries routed');
      const at = new Date(receivedAt).toISOString();
      // A name decision says it was dated so: the journey orders nothing by that date (its clock is not Meta's).
      expect(dated).toEqual([
        expect.objectContaining({ kind: 'quality', at }),
        expect.objectContaining({ kind: 'name', at, undated: true }),
      ]);
      expect(dated[0]).not.toHaveProperty('undated');
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it('stops within its bound while a delivery hangs in routing, and the delivery stays for the next start', async () => {
    let asked = 0;
    const route = createWebhookRouter({
      client: clientOf(() => (asked++, new Promise<void>(() => {}))), // Temporal never answers
      taskQueue: t.bench.taskQueue,
      graph: t.bench.graph,
    });
    const file = inboxFile();
    const inbox = WebhookInbox.open(file);
    await inbox.put(signed(freshNumber().slice(1)).raw, Date.now());
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, stopWaitMs: 100 });
    await eventually(() => asked === 1, 'the delivery in routing');
    await drain.stop();
    inbox.close();
    expect(WebhookInbox.storedIn(file)).toBe(1);
  });
});
