import { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { PayloadReader } from '../../src/audit/decode.js';
import { customersRecoveries } from '../../src/audit/identity-timeline.js';
import { journeyTimeline, renderHtml, type Timeline, type TimelineEntry } from '../../src/audit/index.js';
import type { JourneyRun } from '../../src/audit/runs.js';
import {
  customerIdentityWorkflowId,
  identityUnhashedSendSignal,
  SEND_ANSWER_MS,
  type IdentityOutcome,
} from '../../src/domain/identity.js';
import { mismatchReporter } from '../../src/identity/report-mismatch.js';
import { freshNumber } from '../support/journeys.js';
import { useApi } from '../api/support.js';
import { useBench } from '../support/bench.js';
import { liveCustomer, untilUntrusted, untrustedCustomer } from '../support/identity.js';
import { leaked } from '../support/secrets-scan.js';

describe("a customer's identity recovery in the number's timeline (dev server + Graph sandbox + HTTP API)", () => {
  const t = useBench('dev');
  const api = useApi(t);
  const audited = { e164: '', waId: '' };

  /** The timeline once visibility shows the recovery closed (it lags behind history). */
  async function settled(e164: string): Promise<Timeline> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const timeline = await journeyTimeline(t.env.client, e164);
      if (timeline.identityRuns.length > 0 && timeline.identityRuns.every((run) => run.closedAt !== null))
        return timeline;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`visibility never showed the identity recovery of ${e164} closed`);
  }

  it('a recycled customer → 137000 → confirmed → a send without hash → the new hash → trusted, in time with the journey', async () => {
    const { waId, phoneNumberId, hashes, timeline, markdown } = await t.bench.run(async () => {
      const customer = await untrustedCustomer(t.bench);
      const { e164, waId, phoneNumberId } = customer;
      const confirmed = await api.call('POST', `/v1/numbers/${e164}/identities/${waId}/confirmation`, {
        body: { method: 'phone_call', note: 'called the number on file' },
      });
      expect(confirmed.status).toBe(200);
      const unhashed = await api.call<{ withHash: string | null }>('POST', `/v1/numbers/${e164}/messages`, {
        body: { to: waId, text: 'Your order has shipped' },
      });
      expect(unhashed.body.withHash).toBeNull();
      await t.bench.sandbox.admin.flushWebhooks();
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      t.bench.record(handle.workflowId, 'customerIdentity'); // with the send without the hash signalled
      expect(((await handle.result()) as IdentityOutcome).stage).toBe('TRUSTED');
      // Something the journey does afterwards: its entry comes after the whole recovery.
      const test = await api.call('POST', `/v1/journeys/${e164}/test-message`, { body: { to: waId } });
      expect(test.status).toBe(200);
      const timeline = await settled(e164);
      const markdown = await api.call<string>('GET', `/v1/journeys/${e164}/audit?format=markdown`, { as: 'auditor' });
      expect(markdown.status).toBe(200);
      return { ...customer, timeline, markdown: markdown.body };
    });
    Object.assign(audited, { e164: timeline.e164, waId });

    expect(timeline.identityRuns).toEqual([
      expect.objectContaining({
        workflowId: customerIdentityWorkflowId(phoneNumberId, waId),
        phoneNumberId,
        waId,
        status: 'COMPLETED',
      }),
    ]);
    const indexOf = (expected: Partial<TimelineEntry>, what?: RegExp): number => {
      const found = timeline.entries.flatMap((entry, index) =>
        expect.objectContaining(expected).asymmetricMatch(entry) && (!what || what.test(entry.what)) ? [index] : [],
      );
      expect(found, `one entry like ${JSON.stringify(expected)} ${what ?? ''}`).toHaveLength(1);
      return found[0] as number;
    };
    const customer = { customer: waId, stage: 'LIVE' as const };
    const order = [
      indexOf({ kind: 'stage', stage: 'LIVE' }),
      indexOf({ ...customer, kind: 'started', what: expect.stringContaining(`customer ${waId} of phone_number_id`) }),
      indexOf({ ...customer, kind: 'webhook', actor: 'meta', meta: expect.objectContaining({ code: 137000 }) }),
      indexOf({ ...customer, kind: 'step' }, /^marked the customer untrusted/),
      indexOf({
        ...customer,
        kind: 'action',
        actor: 'operator@test',
        what: "confirmed the customer's identity by phone call",
        outcome: 'accepted: confirmed: the next send to the customer goes without the identity hash',
      }),
      indexOf({ ...customer, kind: 'step' }, /^let the next send to the customer go without the identity hash/),
      indexOf(
        { ...customer, kind: 'action', actor: 'operator@test' },
        /^sent wamid\.\S+ to the customer without the identity hash$/,
      ),
      indexOf({ ...customer, kind: 'webhook', actor: 'meta' }, /brought the new identity hash \S{4}…$/),
      indexOf({ ...customer, kind: 'step' }, /^trust restored/),
      indexOf({ ...customer, kind: 'ended', outcome: 'TRUSTED' }),
      indexOf({ kind: 'action', what: `asked for a test message to ${waId}` }),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const entry = (index: number | undefined) => timeline.entries[index as number] as TimelineEntry;
    expect(entry(order[2]).what).toMatch(/^identity key mismatch \(137000\) in the status of wamid\./);
    expect(entry(order[2]).meta?.message).toEqual(expect.any(String));
    // The wait for the operator, ended by the confirmation.
    expect(timeline.entries).toContainEqual(
      expect.objectContaining({
        ...customer,
        kind: 'wait',
        what: expect.stringContaining("an operator's confirmation"),
        outcome: 'ended before the deadline',
      }),
    );
    expect(entry(order[10]).customer).toBeUndefined();
    expect(timeline.gaps).toEqual([]);

    // Markdown: a row per entry, the customer in its column, the recovery listed.
    expect(markdown.split('\n').filter((line) => line.startsWith('| 20'))).toHaveLength(timeline.entries.length);
    expect(markdown).toContain('| customer |');
    expect(markdown).toContain(`confirmed the customer's identity by phone call`);
    expect(markdown).toContain(`- customer ${waId} of phone\\_number\\_id ${phoneNumberId}:`);

    // Never a whole hash, the operator's note or the WABA's token.
    const html = renderHtml(timeline);
    expect(html).toContain(`<li>customer ${waId} of phone_number_id ${phoneNumberId}:`);
    const texts = { json: JSON.stringify(timeline), markdown, html };
    for (const [format, text] of Object.entries(texts)) {
      expect(leaked(text, [...hashes, t.bench.graphToken]), format).toEqual([]);
      expect(text, format).not.toContain('called the number on file');
    }
  });

  it('places a send told by a host whose clock is off within the time a send takes, its own time beside it', async () => {
    const { waId, timeline, told } = await t.bench.run(async () => {
      const { e164, waId, phoneNumberId } = await untrustedCustomer(t.bench);
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      // Two sends told by services 7 minutes ahead and 10 minutes behind; the journey's test message comes after.
      const told = [7, -10].map((minutes) => new Date(Date.now() + minutes * 60_000).toISOString());
      for (const [i, at] of told.entries()) {
        await handle.signal(identityUnhashedSendSignal, { messageId: `wamid.skewed${i}`, at, actor: 'ops@skewed' });
      }
      await handle.terminate('audit test done');
      return { waId, told, timeline: await settled(e164) };
    });
    const sends = timeline.entries.filter((e) => e.customer === waId && e.what.includes('wamid.skewed'));
    expect(sends.map((e) => e.sentAt).sort()).toEqual([...told].sort());
    const ended = timeline.entries.findIndex((e) => e.customer === waId && e.kind === 'ended');
    for (const send of sends) {
      // Not after its signal (the run ended after both), nor more than a send takes before it.
      expect(timeline.entries.indexOf(send)).toBeLessThan(ended);
      expect(Date.parse(send.at)).toBeGreaterThan(Date.parse(timeline.entries[ended]?.at ?? '') - 2 * SEND_ANSWER_MS);
    }
  });

  it("names Meta's fbtrace_id when the 137000 came in a send's answer", async () => {
    const { waId, timeline } = await t.bench.run(async () => {
      const { e164, waId, phoneNumberId } = await liveCustomer(t.bench);
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /messages', kind: 'error', code: 137000, times: 1 });
      const refused = await api.call<{ error: { code: string } }>('POST', `/v1/numbers/${e164}/messages`, {
        body: { to: waId, text: 'Your order has shipped' },
      });
      expect(refused.body.error.code).toBe('identity_mismatch');
      await untilUntrusted(t.bench, { phoneNumberId, waId });
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      await handle.terminate('audit test done');
      return { waId, timeline: await settled(e164) };
    });
    const mismatch = timeline.entries.find((e) => e.customer === waId && e.kind === 'webhook');
    expect(mismatch).toMatchObject({
      actor: 'meta',
      what: "identity key mismatch (137000) in a send's answer (a send operator@test asked for)",
      meta: { code: 137000, message: expect.any(String), fbtraceId: expect.stringMatching(/\S/) },
    });
    expect(timeline.entries.at(-1)).toMatchObject({
      customer: waId,
      kind: 'ended',
      outcome: 'TERMINATED',
      what: 'terminated through Temporal: audit test done',
    });
  });

  it("shows a portfolio-limited reader only recoveries whose input names the number's WABA, and no gap of others", async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId } = await liveCustomer(t.bench);
      const report = mismatchReporter(t.env.client, t.bench.taskQueue);
      const mismatch = { source: 'status' as const, messageId: 'wamid.scoped', at: new Date().toISOString() };
      const [own, foreign, unreadable] = [0, 1, 2].map(() => freshNumber().slice(1)) as [string, string, string];
      await report({ phoneNumberId, waId: own, wabaId: t.bench.wabaId }, mismatch);
      await report({ phoneNumberId, waId: foreign, wabaId: '990000000000001' }, mismatch);
      // A recovery whose input no reader can decode: its WABA is unknown.
      const unreadableCodec: PayloadCodec = {
        encode: (payloads: Payload[]) =>
          Promise.resolve(
            payloads.map((p) => ({ ...p, metadata: { encoding: new TextEncoder().encode('x/unreadable') } })),
          ),
        decode: (payloads: Payload[]) => Promise.resolve(payloads),
      };
      const scrambling = new Client({
        connection: t.env.client.connection,
        dataConverter: { payloadCodecs: [unreadableCodec] },
      });
      await mismatchReporter(scrambling, t.bench.taskQueue)(
        { phoneNumberId, waId: unreadable, wabaId: t.bench.wabaId },
        mismatch,
      );
      const ids = [own, foreign, unreadable].map((waId) => customerIdentityWorkflowId(phoneNumberId, waId));
      try {
        // Visibility lags behind: wait until an unlimited reader's timeline lists the two it keeps.
        let whole: Timeline | undefined;
        for (let attempt = 0; attempt < 100 && (whole?.identityRuns.length ?? 0) < 2; attempt++) {
          if (whole) await new Promise((resolve) => setTimeout(resolve, 100));
          whole = await journeyTimeline(t.env.client, e164);
        }
        // Unlimited: another WABA's recovery is not this number's; the unreadable one is kept, and its gap said.
        expect(whole?.identityRuns.map((run) => run.waId).sort()).toEqual([own, unreadable].sort());
        expect(
          whole?.gaps.some((gap) =>
            gap.includes(`of run ${whole?.identityRuns.find((r) => r.waId === unreadable)?.runId}`),
          ),
        ).toBe(true);

        const limited = await journeyTimeline(t.env.client, e164, { withinPortfolios: [t.bench.portfolioId] });
        expect(limited.identityRuns.map((run) => run.waId)).toEqual([own]);
        expect(limited.gaps).toEqual([]);
        const text = JSON.stringify(limited);
        for (const waId of [foreign, unreadable]) expect(text).not.toContain(waId);

        // A journey run naming no WABA (search attributes not set yet): a limited reader cannot tell whose they are.
        const noWaba: JourneyRun = {
          workflowId: `number:${e164}`,
          runId: 'r',
          startTime: new Date(),
          closeTime: null,
          status: 'RUNNING',
          portfolioId: t.bench.portfolioId,
          phoneNumberId,
          wabaId: null,
        };
        const reader = new PayloadReader(t.env.client.options.loadedDataConverter);
        expect(await customersRecoveries(t.env.client, [noWaba], reader, true)).toEqual({ runs: [], entries: [] });
        expect(reader.gaps).toEqual([]);
        const unlimited = await customersRecoveries(t.env.client, [noWaba], reader, false);
        expect(unlimited.runs.map((run) => run.waId).sort()).toEqual([own, foreign, unreadable].sort());
      } finally {
        for (const id of ids) await t.env.client.workflow.getHandle(id).terminate('audit scoping test done');
      }
    });
  });

  it('shows no customer of a live number under another journey that names its phone_number_id without taking it live', async () => {
    await t.bench.run(async () => {
      const customer = await untrustedCustomer(t.bench);
      const { waId, phoneNumberId } = customer;
      // Its recovery (awaiting a confirmation) is in its own number's timeline once visibility lists it.
      let listed = 0;
      for (let attempt = 0; attempt < 100 && listed === 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        listed = (await journeyTimeline(t.env.client, customer.e164)).identityRuns.length;
      }
      expect(listed).toBe(1);
      // Another number's journey names the live number's id (a start takes it as given). While Meta cannot be read
      // it waits, running: its operator cannot confirm the live number's customer through it.
      t.bench.sandbox.admin.injectFault({ endpoint: 'GET /phone_number', kind: 'error', code: 2, times: 1000 });
      const other = await t.bench.start(t.bench.input({ phoneNumberId }));
      const waiting = await other.until((v) => v.stage === 'ADDING', 'reading the number at Meta');
      expect(waiting.result).toBeNull();
      const confirmation = await api.call<{ error: { code: string } }>(
        'POST',
        `/v1/numbers/${waiting.e164}/identities/${waId}/confirmation`,
        { body: { method: 'phone_call', note: 'probe' } },
      );
      expect(confirmation.status).toBe(404);
      expect(await t.bench.identities.trust({ phoneNumberId, waId })).toMatchObject({ state: 'untrusted' });
      // Meta answers again: it shows another number under the id, and the journey fails, its view still holding it.
      t.bench.sandbox.admin.clearFaults();
      const failed = await other.until((v) => v.result !== null, 'ended', 1200);
      expect(failed.result?.outcome).toBe('FAILED');
      expect(failed.phoneNumberId).toBe(phoneNumberId);
      const e164 = failed.e164;
      for (const as of ['operator', 'auditor'] as const) {
        const listed = await api.call<{ customers: unknown[]; total: number }>(
          'GET',
          `/v1/numbers/${e164}/identities`,
          { as },
        );
        expect(listed.body, as).toEqual({ customers: [], total: 0 });
      }
      const one = await api.call<{ current: unknown; history: unknown[] }>(
        'GET',
        `/v1/numbers/${e164}/identities/${waId}`,
        { as: 'auditor' },
      );
      expect(one.body).toMatchObject({ current: null, history: [] });
      for (const within of [undefined, [t.bench.portfolioId]]) {
        const timeline = await journeyTimeline(t.env.client, e164, within ? { withinPortfolios: within } : {});
        expect(timeline.identityRuns).toEqual([]);
        expect(JSON.stringify(timeline)).not.toContain(waId);
      }
      // The live number's own journey still shows them.
      const own = await api.call<{ total: number }>('GET', `/v1/numbers/${customer.e164}/identities`, {
        as: 'auditor',
      });
      expect(own.body.total).toBe(1);
      await t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId)).terminate('test done');
    });
  });

  it("shows a reader limited to other portfolios neither the number nor its customers' recoveries", async () => {
    const answer = await api.call('GET', `/v1/journeys/${audited.e164}/audit`, { as: 'elsewhere' });
    expect(answer.status).toBe(404);
    expect(JSON.stringify(answer.body)).not.toContain(audited.waId);
  });
});
