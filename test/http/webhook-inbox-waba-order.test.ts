// The webhook inbox keeps Meta's order per WABA, not across customers: a delivery whose routing fails holds back
// only the later deliveries sharing a WABA with it (a delivery with several entries is held back by, and holds back,
// each of its WABAs); every other delivery is routed at once, and a drain with nothing to route does not spin.
import { afterAll, describe, expect, it } from 'vitest';
import { DEAD_AFTER_FAILURES, drainWebhookInbox } from '../../src/http/webhook-drain.js';
import { WebhookInbox } from '../../src/http/webhook-inbox.js';
import { createWebhookRouter } from '../../src/http/webhook-router.js';
import { useBench } from '../support/bench.js';
import { freshId, freshNumber } from '../support/journeys.js';
import { clientWith, eventually, inboxFiles, refused, unavailable } from './inbox-support.js';
import { capturedLogger, envelope, qualityUpdate, type Change } from './support.js';
import { portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { GraphClient } from '../../src/graph/client.js';
import { SANDBOX_APP_ID } from '../../src/graph/from-config.js';
import { APP_SECRET } from '../support/harness.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const files = inboxFiles('inbox-waba');
const inboxFile = files.next;

/** A delivery: one entry per WABA, each with a quality update of a number. */
const delivery = (...entries: [waba: string, number: string][]) =>
  Buffer.from(envelope(entries.map(([id, number]) => ({ id, changes: [qualityUpdate(number.slice(1))] }))));

describe("the webhook inbox's drain keeps order per WABA (dev server + Graph sandbox)", () => {
  const t = useBench('dev');
  afterAll(files.remove);

  /** A router whose signals go through `signal`. */
  const routerWith = (signal: Parameters<typeof clientWith>[1]) =>
    createWebhookRouter({ client: clientWith(t.bench, signal), taskQueue: t.bench.taskQueue, graph: t.bench.graph });

  it("routes past a capability update whose WABA's owner Graph will not give, and its WABA's later one after it", async () => {
    const { sandbox } = t.bench;
    const [wabaA, wabaB] = [freshId(), freshId()];
    const [a2, b1] = [freshNumber(), freshNumber()];
    // Until WABA A exists at Meta (the sandbox), asking for its owner fails: the update cannot be routed.
    let token = sandbox.admin.issueToken({ wabaIds: [t.bench.wabaId] });
    const graph = new GraphClient({
      baseUrl: sandbox.url,
      tokens: { tokenFor: () => Promise.resolve(token) },
      appId: SANDBOX_APP_ID,
      appSecret: APP_SECRET,
    });
    const routed: string[] = [];
    const recording = clientWith(
      t.bench,
      (input, next) => (routed.push(input.workflowExecution.workflowId), next(input)),
      { signalWithStart: (input, next) => (routed.push(input.options.workflowId), next(input)) },
    );
    const route = createWebhookRouter({ client: recording, taskQueue: uniqueTaskQueue('unpolled'), graph });
    const inbox = WebhookInbox.open(inboxFile());
    const capability: Change = { field: 'business_capability_update', value: { max_phone_numbers_per_business: 25 } };
    await inbox.put(Buffer.from(envelope([{ id: wabaA, changes: [capability] }])), Date.now());
    for (const body of [delivery([wabaB, b1]), delivery([wabaA, a2])]) await inbox.put(body, Date.now());
    const { logger, lines } = capturedLogger();
    const drain = drainWebhookInbox({ inbox, route, logger, retryMs: 50, maxRetryMs: 50 });
    const failures = () => lines.filter((line) => line.includes('webhook change not routed')).length;
    try {
      await eventually(() => routed.includes(`number:${b1}`) && failures() >= 2, "B's routed while A's is retried");
      expect(routed).toEqual([`number:${b1}`]);
      expect(inbox.size).toBe(2);
      const { portfolioId } = sandbox.admin.createPortfolio({ portfolioId: freshId() });
      sandbox.admin.createWaba({ portfolioId, wabaId: wabaA });
      token = sandbox.admin.issueToken({ wabaIds: [wabaA] });
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      expect(routed).toEqual([`number:${b1}`, portfolioWorkflowId(portfolioId), `number:${a2}`]);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it("routes other WABAs' deliveries past a failing one, and its own WABA's after it, in order", async () => {
    const [wabaA, wabaB, wabaC] = [freshId(), freshId(), freshId()];
    const [a1, a2, acA, acC, c1, b1] = [
      freshNumber(),
      freshNumber(),
      freshNumber(),
      freshNumber(),
      freshNumber(),
      freshNumber(),
    ];
    let broken = true;
    let failures = 0;
    const routed: string[] = [];
    const route = routerWith((input, next) => {
      if (broken && input.workflowExecution.workflowId === `number:${a1}`) return (failures++, refused());
      routed.push(input.workflowExecution.workflowId.slice('number:'.length));
      return next(input);
    });
    const inbox = WebhookInbox.open(inboxFile());
    // A's first fails; the one of A and C waits behind it, C's own behind that one; B's owes nothing to any.
    for (const body of [
      delivery([wabaA, a1]),
      delivery([wabaA, acA], [wabaC, acC]),
      delivery([wabaC, c1]),
      delivery([wabaB, b1]),
      delivery([wabaA, a2]),
    ])
      await inbox.put(body, Date.now());
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 50, maxRetryMs: 50 });
    try {
      await eventually(() => routed.includes(b1) && failures >= 3, "B's delivery routed while A's is retried");
      expect(routed).toEqual([b1]);
      expect(inbox.size).toBe(4);
      broken = false;
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      expect(routed).toEqual([b1, a1, acA, acC, c1, a2]);
      expect(inbox.deadLetters()).toEqual([]);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it("routes the rest of a WABA's deliveries once its failing one is dead-lettered, and others' meanwhile", async () => {
    const [wabaA, wabaB] = [freshId(), freshId()];
    const [stuck, b1, a2] = [freshNumber(), freshNumber(), freshNumber()];
    const routed: { number: string; deadLetters: number }[] = [];
    const inbox = WebhookInbox.open(inboxFile());
    const route = routerWith((input, next) => {
      const number = input.workflowExecution.workflowId.slice('number:'.length);
      if (number === stuck) return refused();
      routed.push({ number, deadLetters: inbox.deadLetters().length });
      return next(input);
    });
    for (const body of [delivery([wabaA, stuck]), delivery([wabaB, b1]), delivery([wabaA, a2])])
      await inbox.put(body, Date.now());
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 5, maxRetryMs: 20 });
    try {
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      // B's went before A's failing one was given up on; A's later one only after.
      expect(routed).toEqual([
        { number: b1, deadLetters: 0 },
        { number: a2, deadLetters: 1 },
      ]);
      expect(inbox.deadLetters().map((d) => d.reason)).toEqual([`routing failed ${DEAD_AFTER_FAILURES} times`]);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it('stops the whole drain while Temporal is unavailable: no WABA overtakes another then', async () => {
    const [wabaA, wabaB] = [freshId(), freshId()];
    const [a1, b1] = [freshNumber(), freshNumber()];
    let down = true;
    let tries = 0;
    const routed: string[] = [];
    const route = routerWith((input, next) => {
      if (down) return (tries++, unavailable());
      routed.push(input.workflowExecution.workflowId.slice('number:'.length));
      return next(input);
    });
    const inbox = WebhookInbox.open(inboxFile());
    for (const body of [delivery([wabaA, a1]), delivery([wabaB, b1])]) await inbox.put(body, Date.now());
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 20, maxRetryMs: 20 });
    try {
      await eventually(() => tries >= 3, 'several tries while Temporal is away');
      expect(tries).toBeGreaterThanOrEqual(3);
      expect(routed).toEqual([]); // B's was never tried: the drain stopped at A's
      expect(inbox.oldest(10)).toHaveLength(2);
      down = false;
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      expect(routed).toEqual([a1, b1]);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it("replays a dead letter at its place in its WABA's order: after the older one failing, before the later", async () => {
    const wabaA = freshId();
    const [n0, n1, n2] = [freshNumber(), freshNumber(), freshNumber()];
    let broken = true;
    const routed: string[] = [];
    const route = routerWith((input, next) => {
      if (broken && input.workflowExecution.workflowId === `number:${n0}`) return refused();
      routed.push(input.workflowExecution.workflowId.slice('number:'.length));
      return next(input);
    });
    const inbox = WebhookInbox.open(inboxFile());
    for (const number of [n0, n1, n2]) await inbox.put(delivery([wabaA, number]), Date.now());
    const [, dead] = inbox.oldest(2);
    inbox.deadLetter(dead!.id, 'routing failed 20 times'); // given up on by an earlier process
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 50, maxRetryMs: 50 });
    try {
      expect(await drain.replay(dead!.id, 300)).toEqual({
        outcome: 'waiting',
        reason: expect.stringMatching(/^not routed within 0.3 s \(an older delivery of its WABA/),
      });
      expect(routed).toEqual([]);
      expect(await drain.replay(dead!.id, 300)).toBeNull(); // in the inbox now, no longer a dead letter
      broken = false;
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      expect(routed).toEqual([n0, n1, n2]);
      expect(inbox.deadLetters()).toEqual([]);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it('does not walk the inbox again and again while its oldest deliveries all wait', async () => {
    const wabaA = freshId();
    let tries = 0;
    const route = routerWith(() => (tries++, refused()));
    const inbox = WebhookInbox.open(inboxFile());
    let pages = 0;
    const after = inbox.after.bind(inbox);
    inbox.after = (id, limit) => (pages++, after(id, limit));
    await inbox.put(delivery([wabaA, freshNumber()]), Date.now());
    // The failed delivery's next try is an hour away: until then nothing can be routed.
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 3_600_000 });
    try {
      await eventually(() => tries === 1, 'the first delivery tried');
      for (let i = 0; i < 20; i++) {
        await inbox.put(delivery([wabaA, freshNumber()]), Date.now());
        drain.wake();
      }
      await new Promise((resolve) => setTimeout(resolve, 500)); // a spinning drain would read thousands of pages now
      // Each wake reads what came after the last delivery looked at: a page of new ones and an empty page at most.
      expect(pages).toBeLessThanOrEqual(2 + 20 * 2);
      expect(tries).toBe(1);
      expect(inbox.size).toBe(21);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });
});
