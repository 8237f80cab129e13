import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JourneyView } from '../../src/domain/journey.js';
import type { ErrorBody } from '../../src/http/errors.js';
import { startJourney } from '../../src/journeys/index.js';
import { useBench } from '../support/bench.js';
import { journeyInput } from '../support/journeys.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { eventually, OTHER_PORTFOLIO, useApi } from './support.js';

interface Listing {
  items: { e164: string; portfolioId: string; stage: string; status: string }[];
  nextPageToken: string | null;
}

describe('what a principal limited to portfolios sees (dev server, worker, Graph sandbox)', () => {
  const t = useBench('dev');
  const api = useApi(t);

  it("answers another portfolio's journey and portfolio as if they did not exist", async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const absent = '+14155550199'; // a valid number no test starts
      const notFound = (answer: { status: number; body: ErrorBody }, number: string) => {
        expect(answer.status).toBe(404);
        expect(answer.body.error).toEqual({ code: 'not_found', message: `no journey for ${number}`, problems: [] });
      };
      for (const path of ['', '/runs', '/events']) {
        notFound(await api.call<ErrorBody>('GET', `/v1/journeys/${e164}${path}`, { as: 'elsewhere' }), e164);
        notFound(await api.call<ErrorBody>('GET', `/v1/journeys/${absent}${path}`, { as: 'elsewhere' }), absent);
      }
      for (const [action, body] of [
        ['otp', { code: '123456' }],
        ['cancel', { reason: 'not mine' }],
      ] as const) {
        notFound(await api.call<ErrorBody>('POST', `/v1/journeys/${e164}/${action}`, { as: 'elsewhere', body }), e164);
      }
      expect((await api.call<JourneyView>('GET', `/v1/journeys/${e164}`, { as: 'elsewhere' })).status).toBe(404);
      expect((await api.call<JourneyView>('GET', `/v1/journeys/${e164}`, { as: 'bench' })).status).toBe(200);
      expect((await api.call<JourneyView>('GET', `/v1/journeys/${e164}`, { as: 'auditor' })).status).toBe(200);

      const portfolio = `/v1/portfolios/${t.bench.portfolioId}`;
      expect(await api.call('GET', portfolio, { as: 'elsewhere' })).toMatchObject({ status: 404 });
      expect(
        await api.call('PUT', `${portfolio}/cap`, { as: 'elsewhere', body: { cap: 5, reason: 'not mine' } }),
      ).toMatchObject({ status: 404 });
      expect(
        await api.call('POST', `${portfolio}/reconcile`, { as: 'elsewhere', body: { reason: 'not mine' } }),
      ).toMatchObject({ status: 404 });
      const start = await api.call<ErrorBody>('POST', '/v1/journeys', {
        as: 'elsewhere',
        body: api.startBody(),
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(start.status).toBe(403);
      expect(start.body.error.message).toBe(`ops@elsewhere may not start journeys in portfolio ${t.bench.portfolioId}`);
      // The journey was left alone.
      expect((await api.until(e164, () => true, 'the view')).stage).toBe('AWAITING_OTP');
    });
  });

  it("names no owner of another business's WABA to a principal limited to portfolios, in the journey or its audit", async () => {
    await t.bench.run(async () => {
      // ops@elsewhere starts, in its own portfolio, a journey of the bench's WABA (the bench portfolio's at Meta).
      const body = api.startBody({ portfolioId: OTHER_PORTFOLIO });
      const headers = { 'idempotency-key': randomUUID() };
      const started = await api.call<{ journey: JourneyView }>('POST', '/v1/journeys', {
        as: 'elsewhere',
        body,
        headers,
      });
      expect(started.status).toBe(201);
      const e164 = started.body.journey.e164;
      const ended = await eventually(
        () => api.call<JourneyView>('GET', `/v1/journeys/${e164}`, { as: 'elsewhere' }),
        (answer) => answer.body.result !== null,
        'the ending',
      );
      expect(ended.body.result).toMatchObject({
        reasonCode: 'WABA_IN_ANOTHER_PORTFOLIO',
        reason: `WABA ${t.bench.wabaId} belongs to another business portfolio at Meta, not ${OTHER_PORTFOLIO}`,
        remediation: expect.stringMatching(/^Start the journey in the business portfolio that owns WABA \d+ at Meta/),
      });
      const audit = await api.call<unknown>('GET', `/v1/journeys/${e164}/audit`, { as: 'elsewhere' });
      expect(audit.status).toBe(200);
      for (const answer of [ended, audit]) expect(JSON.stringify(answer.body)).not.toContain(t.bench.portfolioId);
    });
  });

  it("answers another portfolio's journey that no worker serves as not found, without asking the journey", async () => {
    // On a task queue no worker polls, the journey's query would wait and then fail: a 500 or 503 there, against
    // a 404 for a number never started, told a principal the journey was there.
    const parked = journeyInput({ portfolioId: t.bench.portfolioId });
    const e164 = parked.phoneNumber.e164;
    const { workflowId } = await startJourney(t.env.client, uniqueTaskQueue('scoping-unpolled'), parked);
    try {
      const asked = [
        ['GET', ''],
        ['GET', '/runs'],
        ['GET', '/events'],
        ['POST', '/otp', { code: '123456' }],
        ['POST', '/pin-reveal', { reason: 'not mine' }],
      ] as const;
      for (const [method, path, body] of asked) {
        const answer = await api.call<ErrorBody>(method, `/v1/journeys/${e164}${path}`, { as: 'elsewhere', body });
        expect({ path, status: answer.status, error: answer.body.error }).toEqual({
          path,
          status: 404,
          error: { code: 'not_found', message: `no journey for ${e164}`, problems: [] },
        });
      }
      expect(await api.call('GET', `/v1/numbers/${e164}/identities`, { as: 'elsewhere' })).toMatchObject({
        status: 404,
      });
    } finally {
      await t.env.client.workflow.getHandle(workflowId).terminate('test done');
    }
  });

  it("lists only the journeys of the principal's portfolios, by stage, waiting for input, a page at a time", async () => {
    await t.bench.run(async () => {
      const mine = [await api.start(), await api.start()];
      for (const e164 of mine) await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      // A journey of the other portfolio, on a task queue no worker polls: it stays WAITING_FOR_CAPACITY.
      const theirs = journeyInput({ portfolioId: OTHER_PORTFOLIO });
      const { workflowId } = await startJourney(t.env.client, uniqueTaskQueue('elsewhere'), theirs);
      try {
        const list = (who: 'auditor' | 'bench' | 'elsewhere', query: string) =>
          api.call<Listing>('GET', `/v1/journeys?${query}`, { as: who }).then((a) => a.body);
        const ours = `portfolioId=${t.bench.portfolioId}`;
        const listed = await eventually(
          () => list('auditor', `${ours}&awaitingInput=true`),
          (l) => mine.every((e164) => l.items.some((i) => i.e164 === e164)),
          'both journeys awaiting a code',
        );
        expect(listed.items.every((i) => i.stage === 'AWAITING_OTP' && i.status === 'RUNNING')).toBe(true);
        expect(listed.items.every((i) => i.portfolioId === t.bench.portfolioId)).toBe(true);

        const fromOther = await eventually(
          () => list('elsewhere', ''),
          (l) => l.items.some((i) => i.e164 === theirs.phoneNumber.e164),
          'the other portfolio’s journey',
        );
        expect(fromOther.items.every((i) => i.portfolioId === OTHER_PORTFOLIO)).toBe(true);
        expect((await list('bench', `portfolioId=${OTHER_PORTFOLIO}`)).items).toEqual([]);
        expect((await list('bench', '')).items.every((i) => i.portfolioId === t.bench.portfolioId)).toBe(true);
        expect((await list('auditor', `portfolioId=${OTHER_PORTFOLIO}&stage=WAITING_FOR_CAPACITY`)).items).toEqual([
          expect.objectContaining({ e164: theirs.phoneNumber.e164, stage: 'WAITING_FOR_CAPACITY' }),
        ]);

        const first = await list('bench', `${ours}&stage=AWAITING_OTP&pageSize=1`);
        expect(first.items).toHaveLength(1);
        expect(first.nextPageToken).not.toBeNull();
        const second = await list('bench', `${ours}&stage=AWAITING_OTP&pageSize=1&pageToken=${first.nextPageToken}`);
        expect(second.items).toHaveLength(1);
        expect(second.items[0]?.e164).not.toBe(first.items[0]?.e164);
        // A page token continues only the listing it came from.
        const elsewhere = await api.call<ErrorBody>(
          'GET',
          `/v1/journeys?stage=AWAITING_OTP&pageSize=1&pageToken=${first.nextPageToken}`,
          { as: 'auditor' },
        );
        expect(elsewhere).toMatchObject({ status: 400, body: { error: { problems: [{ field: 'pageToken' }] } } });
      } finally {
        await t.env.client.workflow.getHandle(workflowId).terminate('test done');
      }
    });
  });

  it("shows a portfolio's cap, holders and queue, and an admin's new cap with who set it and why", async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const path = `/v1/portfolios/${t.bench.portfolioId}`;
      const before = await api.call<{ cap: number; holders: { e164: string }[]; queue: unknown[] }>('GET', path, {
        as: 'auditor',
      });
      expect(before.status).toBe(200);
      expect(before.body.holders.map((h) => h.e164)).toContain(e164);

      const set = await api.call<{ cap: number; notes: { what: string }[]; capChanges: { cap: number }[] }>(
        'PUT',
        `${path}/cap`,
        { as: 'admin', body: { cap: 1500, reason: 'Meta raised it after verification' } },
      );
      expect(set.status).toBe(200);
      expect(set.body.cap).toBe(1500);
      expect(set.body.capChanges.at(-1)).toMatchObject({
        cap: 1500,
        source: 'admin',
        actor: 'admin@test',
        reason: 'Meta raised it after verification',
      });
      expect(set.body.notes.at(-1)?.what).toBe(
        'the cap is now 1500 registered numbers (set by admin@test: Meta raised it after verification)',
      );
      // A reconciliation now, at an admin's asking: noted with who and why, answered with what it found.
      type Reconciled = { notes: { what: string }[]; lastReconciliation: { at: string; found: string } | null };
      const reconciled = await api.call<Reconciled>('POST', `${path}/reconcile`, {
        as: 'admin',
        body: { reason: 'numbers deleted in WhatsApp Manager' },
      });
      expect(reconciled.status).toBe(200); // the sandbox answers at once: ended well within 10 s
      expect(reconciled.body.notes.map((n) => n.what)).toContain(
        'admin@test asked for a reconciliation now: numbers deleted in WhatsApp Manager',
      );
      expect(reconciled.body.lastReconciliation).toMatchObject({
        found: expect.stringMatching(/^\d+ holders? checked, \d+ freed, \d+ counted from Meta/),
        failed: false,
      });
      expect(
        await api.call('POST', `/v1/portfolios/${'9'.repeat(15)}/reconcile`, { as: 'admin', body: { reason: 'x' } }),
      ).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
      expect(await api.call('GET', `/v1/portfolios/${'9'.repeat(15)}`, { as: 'auditor' })).toMatchObject({
        status: 404,
        body: { error: { code: 'not_found' } },
      });
    });
  });
});
