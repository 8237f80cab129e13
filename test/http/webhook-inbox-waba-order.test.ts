// The webhook inbox keeps Meta's order per number (per WABA for what concerns the whole WABA), not across them: a
// delivery whose routing fails holds back only the later deliveries about its numbers — or, for a WABA-wide change,
// about every number of its WABA; for a capability update, only the WABA's later ones — (a delivery with several entries is held back by, and
// holds back, each of its numbers); every other delivery is routed at once, and a drain with nothing to route does not
// spin. Deliveries of one number are told apart by their entry.time (their tag).
import { afterAll, describe, expect, it } from 'vitest';
import { DEAD_AFTER_FAILURES, drainWebhookInbox } from '../../src/http/webhook-drain.js';
import { WebhookInbox } from '../../src/http/webhook-inbox.js';
import { createWebhookRouter } from '../../src/http/webhook-router.js';
import { useBench } from '../support/bench.js';
import { freshId, freshNumber } from '../support/journeys.js';
import { clientWith, eventually, inboxFiles, refused, unavailable } from './inbox-support.js';
import { capturedLogger, envelope, nowSeconds, postSigned, qualityUpdate } from './support.js';
import { harnessHttpApp } from '../support/http-app.js';
import { portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { GraphClient } from '../../src/graph/client.js';
import { SANDBOX_APP_ID } from '../../src/graph/from-config.js';
import { APP_SECRET } from '../support/harness.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const files = inboxFiles('inbox-waba');
const inboxFile = files.next;

/** A delivery: one entry per WABA, each with a quality update of a number. */
const delivery = (...entries: [waba: string, number: string][]) => tagged(0, ...entries);

/** Tags count from here: a delivery's tag is its entry.time, which its signal carries as `at`. */
const since = nowSeconds() - 60 * 60;

/** A delivery whose signals say `tag` (see labelOf). */
const tagged = (tag: number, ...entries: [waba: string, number: string][]) =>
  Buffer.from(
    envelope(entries.map(([id, number]) => ({ id, time: since + tag, changes: [qualityUpdate(number.slice(1))] }))),
  );

/** `<E.164>#<tag>` of a signal to a journey. */
const labelOf = (input: { workflowExecution: { workflowId: string }; args: unknown[] }) =>
  `${input.workflowExecution.workflowId.slice('number:'.length)}#${Date.parse((input.args[0] as { at: string }).at) / 1000 - since}`;

describe("the webhook inbox's drain keeps order per number and WABA (dev server + Graph sandbox)", () => {
  const t = useBench('dev');
  afterAll(files.remove);

  /** A router whose signals go through `signal`. */
  const routerWith = (signal: Parameters<typeof clientWith>[1]) =>
    createWebhookRouter({ client: clientWith(t.bench, signal), taskQueue: t.bench.taskQueue, graph: t.bench.graph });

  it("routes past a capability update whose WABA's owner Graph will not give, its WABA's numbers too, and its next cap after it", async () => {
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
      {
        signalWithStart: (input, next) => {
          const { maxPhoneNumbers } = input.signalArgs[0] as { maxPhoneNumbers: number };
          routed.push(`${input.options.workflowId} cap ${maxPhoneNumbers}`);
          return next(input);
        },
      },
    );
    const route = createWebhookRouter({ client: recording, taskQueue: uniqueTaskQueue('unpolled'), graph });
    const inbox = WebhookInbox.open(inboxFile());
    const capOf = (cap: number) =>
      Buffer.from(
        envelope([
          {
            id: wabaA,
            changes: [{ field: 'business_capability_update', value: { max_phone_numbers_per_business: cap } }],
          },
        ]),
      );
    for (const body of [capOf(25), delivery([wabaB, b1]), delivery([wabaA, a2]), capOf(30)])
      await inbox.put(body, Date.now());
    const { logger, lines } = capturedLogger();
    const drain = drainWebhookInbox({ inbox, route, logger, retryMs: 50, maxRetryMs: 50 });
    const failures = () => lines.filter((line) => line.includes('webhook change not routed')).length;
    try {
      await eventually(() => routed.length === 2 && failures() >= 2, "the numbers' routed while A's cap is retried");
      expect([...routed].sort()).toEqual([`number:${a2}`, `number:${b1}`].sort());
      expect(inbox.size).toBe(2); // the failing cap, and the later one behind it
      const { portfolioId } = sandbox.admin.createPortfolio({ portfolioId: freshId() });
      sandbox.admin.createWaba({ portfolioId, wabaId: wabaA });
      token = sandbox.admin.issueToken({ wabaIds: [wabaA] });
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      const portfolio = portfolioWorkflowId(portfolioId);
      expect(routed.slice(2)).toEqual([`${portfolio} cap 25`, `${portfolio} cap 30`]);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it("routes other numbers' deliveries past a failing one, of its WABA too, and its number's after it, in order", async () => {
    const [wabaA, wabaB, wabaC] = [freshId(), freshId(), freshId()];
    const [a1, a2, b1, c1] = [freshNumber(), freshNumber(), freshNumber(), freshNumber()];
    let broken = true;
    let failures = 0;
    const routed: string[] = [];
    // Answered without a journey: a "no running journey" would spare the batch's later signals to that number.
    const route = routerWith((input) => {
      if (broken && labelOf(input) === `${a1}#1`) return (failures++, refused());
      routed.push(labelOf(input));
      return Promise.resolve();
    });
    const inbox = WebhookInbox.open(inboxFile());
    // a1's first fails; a1's next (with c1 of WABA C) waits behind it, c1's own behind that one; b1 and a2 (another
    // number of WABA A) owe nothing to any.
    for (const body of [
      tagged(1, [wabaA, a1]),
      tagged(2, [wabaA, a1], [wabaC, c1]),
      tagged(3, [wabaC, c1]),
      tagged(4, [wabaB, b1]),
      tagged(5, [wabaA, a2]),
    ])
      await inbox.put(body, Date.now());
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 50, maxRetryMs: 50 });
    try {
      await eventually(() => routed.length === 2 && failures >= 3, "b1's and a2's routed while a1's is retried");
      expect([...routed].sort()).toEqual([`${a2}#5`, `${b1}#4`].sort());
      expect(inbox.size).toBe(3);
      broken = false;
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      expect(routed.slice(2)).toEqual([`${a1}#1`, `${a1}#2`, `${c1}#2`, `${c1}#3`]);
      expect(inbox.deadLetters()).toEqual([]);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it('keeps a delivery about two WABAs as one per WABA at the receiver, so that a failing one holds back only its own', async () => {
    const [wabaA, wabaB] = [freshId(), freshId()];
    const [a1, b1] = [freshNumber(), freshNumber()];
    let broken = true;
    let failures = 0;
    const routed: string[] = [];
    const client = clientWith(t.bench, (input) => {
      if (broken && labelOf(input).startsWith(a1)) return (failures++, refused());
      routed.push(labelOf(input));
      return Promise.resolve();
    });
    const file = inboxFile();
    const app = await harnessHttpApp(t.bench, { client, webhookInbox: { file } });
    try {
      // a1's first fails; the next delivery speaks of a1 (WABA A) and b1 (WABA B): b1's part, and b1's next
      // delivery, go on while a1's wait.
      for (const body of [tagged(1, [wabaA, a1]), tagged(2, [wabaA, a1], [wabaB, b1]), tagged(3, [wabaB, b1])])
        expect((await postSigned(app, body.toString(), APP_SECRET)).statusCode).toBe(200);
      await eventually(() => routed.length === 2 && failures >= 2, "b1's routed while a1's is retried");
      expect(routed).toEqual([`${b1}#2`, `${b1}#3`]);
      broken = false;
      await eventually(() => WebhookInbox.storedIn(file) === 0, 'the inbox emptied');
      expect(routed.slice(2)).toEqual([`${a1}#1`, `${a1}#2`]);
    } finally {
      await app.close();
    }
  });

  it("routes the rest of a number's deliveries once its failing one is dead-lettered, and others' meanwhile", async () => {
    const wabaA = freshId();
    const [stuck, a2] = [freshNumber(), freshNumber()];
    const routed: { label: string; deadLetters: number }[] = [];
    const inbox = WebhookInbox.open(inboxFile());
    const route = routerWith((input) => {
      if (labelOf(input) === `${stuck}#1`) return refused();
      routed.push({ label: labelOf(input), deadLetters: inbox.deadLetters().length });
      return Promise.resolve(); // answered without a journey, as above
    });
    for (const body of [tagged(1, [wabaA, stuck]), tagged(2, [wabaA, a2]), tagged(3, [wabaA, stuck])])
      await inbox.put(body, Date.now());
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 5, maxRetryMs: 20 });
    try {
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      // Another number of the WABA went before the failing one was given up on; its number's later one only after.
      expect(routed).toEqual([
        { label: `${a2}#2`, deadLetters: 0 },
        { label: `${stuck}#3`, deadLetters: 1 },
      ]);
      expect(inbox.deadLetters().map((d) => d.reason)).toEqual([`routing failed ${DEAD_AFTER_FAILURES} times`]);
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it('stops the whole drain while Temporal is unavailable: nothing is routed then', async () => {
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
      expect(routed).toEqual([]);
      expect(inbox.oldest(10)).toHaveLength(2);
      down = false;
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      expect([...routed].sort()).toEqual([a1, b1].sort()); // two numbers: routed alongside, either first
    } finally {
      await drain.stop();
      inbox.close();
    }
  });

  it("replays a dead letter at its place in its number's order: after the older one failing, before the later", async () => {
    const wabaA = freshId();
    const number = freshNumber();
    let broken = true;
    const routed: string[] = [];
    const route = routerWith((input) => {
      if (broken && labelOf(input) === `${number}#1`) return refused();
      routed.push(labelOf(input));
      return Promise.resolve(); // answered without a journey, as above
    });
    const inbox = WebhookInbox.open(inboxFile());
    for (const tag of [1, 2, 3]) await inbox.put(tagged(tag, [wabaA, number]), Date.now());
    const [, dead] = inbox.oldest(2);
    inbox.deadLetter(dead!.id, 'routing failed 20 times'); // given up on by an earlier process
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 50, maxRetryMs: 50 });
    try {
      expect(await drain.replay(dead!.id, 300)).toEqual({
        outcome: 'waiting',
        reason: expect.stringMatching(/^not routed within 0.3 s \(an older delivery of its number or WABA/),
      });
      expect(routed).toEqual([]);
      expect(await drain.replay(dead!.id, 300)).toBeNull(); // in the inbox now, no longer a dead letter
      broken = false;
      await eventually(() => inbox.size === 0, 'the inbox emptied');
      expect(routed).toEqual([1, 2, 3].map((tag) => `${number}#${tag}`));
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
    inbox.after = (...page) => (pages++, after(...page));
    const number = freshNumber();
    await inbox.put(delivery([wabaA, number]), Date.now());
    // The failed delivery's next try is an hour away: until then nothing can be routed.
    const drain = drainWebhookInbox({ inbox, route, logger: capturedLogger().logger, retryMs: 3_600_000 });
    try {
      await eventually(() => tries === 1, 'the first delivery tried');
      for (let i = 0; i < 20; i++) {
        await inbox.put(delivery([wabaA, number]), Date.now());
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
