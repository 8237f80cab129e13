// POST /v1/journeys:batch and GET /v1/journeys/summary over real HTTP, on the dev server. No worker runs in this
// file: a start is answered without one, and the journeys stay where they were started (WAITING_FOR_CAPACITY).
import { describe, expect, it } from 'vitest';
import { useBench } from '../support/bench.js';
import { freshNumber } from '../support/journeys.js';
import { OTHER_PORTFOLIO, useApi } from './support.js';

interface RowAnswer {
  index: number;
  e164: string | null;
  outcome: string;
  workflowId: string | null;
  stage: string | null;
  error: string | null;
  problems: string[];
}
interface BatchAnswer {
  results: RowAnswer[];
  counts: { started: number; alreadyRunning: number; failed: number; invalid: number };
}
interface ErrorAnswer {
  error: { code: string; message: string; problems: { in: string; field: string; message: string }[] };
}
interface Summary {
  portfolios: { portfolioId: string; total: number; stages: Record<string, number> }[];
  waiting: unknown[];
  waitingTotal: number;
}

describe('bulk starts and the summary over the API (dev server, no worker)', () => {
  const t = useBench('dev');
  const api = useApi(t);

  const batch = <T>(rows: unknown[], options: { skipInvalid?: boolean; as?: 'onboarding' | 'elsewhere' } = {}) =>
    api.call<T>('POST', '/v1/journeys:batch', {
      as: options.as ?? 'onboarding',
      body: { rows, ...(options.skipInvalid === undefined ? {} : { skipInvalid: options.skipInvalid }) },
    });

  it('starts every row, each once: the same rows again answer already_running with the journey', async () => {
    const rows = [api.startBody(), api.startBody({ codeMethod: 'VOICE' }), api.startBody({ ivr: true })];
    const first = await batch<BatchAnswer>(rows);
    expect(first.status).toBe(200);
    expect(first.body.counts).toEqual({ started: 3, alreadyRunning: 0, failed: 0, invalid: 0 });
    expect(first.body.results.map((r) => [r.index, r.e164, r.outcome, r.workflowId, r.stage])).toEqual(
      rows.map((row, index) => [
        index,
        row.phoneNumber,
        'started',
        `number:${row.phoneNumber}`,
        'WAITING_FOR_CAPACITY',
      ]),
    );
    // Sent again, in another order, with a new row: the rows are recognised by their content.
    const fresh = api.startBody();
    const again = await batch<BatchAnswer>([rows[2], rows[0], fresh, rows[1]]);
    expect(again.status).toBe(200);
    expect(again.body.counts).toEqual({ started: 1, alreadyRunning: 3, failed: 0, invalid: 0 });
    expect(again.body.results.map((r) => [r.e164, r.outcome, r.stage])).toEqual([
      [rows[2]?.phoneNumber, 'already_running', 'WAITING_FOR_CAPACITY'],
      [rows[0]?.phoneNumber, 'already_running', 'WAITING_FOR_CAPACITY'],
      [fresh.phoneNumber, 'started', 'WAITING_FOR_CAPACITY'],
      [rows[1]?.phoneNumber, 'already_running', 'WAITING_FOR_CAPACITY'],
    ]);
    // The same number with other fields is another request: its journey runs under the first.
    const changed = await batch<BatchAnswer>([{ ...rows[0], displayName: 'Acme Sales' }]);
    expect(changed.body.results[0]).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/already has a journey in progress/),
    });
  });

  it('answers 400 with every bad row by index and starts nothing; skipInvalid starts the good ones', async () => {
    const twice = freshNumber();
    const good = api.startBody();
    const rows = [
      good,
      api.startBody({ phoneNumber: '+1415555' }),
      api.startBody({ phoneNumber: twice }),
      api.startBody({ phoneNumber: twice, displayName: 'Acme Sales' }),
      { ...api.startBody(), requestedBy: 'someone' },
      'not a row',
      api.startBody({ wabaId: 'x', colour: 'blue' }),
    ];
    const refused = await batch<ErrorAnswer>(rows);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(refused.body.error.message).toMatch(/^6 of 7 rows are not valid; nothing was started/);
    const fields = refused.body.error.problems.map((p) => `${p.in} ${p.field}`);
    expect(fields).toEqual([
      'body rows.1.phoneNumber',
      'body rows.2.phoneNumber',
      'body rows.3.phoneNumber',
      'body rows.4.requestedBy',
      'body rows.5.row',
      expect.stringMatching(/^body rows\.6/),
      expect.stringMatching(/^body rows\.6/),
    ]);
    // An unknown field is named as a single start names it.
    expect(refused.body.error.problems).toContainEqual({
      in: 'body',
      field: 'rows.6.colour',
      message: 'is not a field of this request',
    });
    expect(refused.body.error.problems[1]?.message).toBe(`${twice} is on more than one row (rows 2, 3)`);
    const notStarted = await api.call('GET', `/v1/journeys/${good.phoneNumber}`, { as: 'auditor' });
    expect(notStarted.status).toBe(404);

    const skipping = await batch<BatchAnswer>(rows, { skipInvalid: true });
    expect(skipping.status).toBe(200);
    expect(skipping.body.counts).toEqual({ started: 1, alreadyRunning: 0, failed: 0, invalid: 6 });
    expect(skipping.body.results.map((r) => r.outcome)).toEqual([
      'started',
      ...Array.from({ length: 6 }, () => 'invalid'),
    ]);
    expect(skipping.body.results[4]?.problems).toEqual(['requestedBy: who starts the rows is the caller, not a row']);
  });

  it('refuses rows of portfolios outside the token, an empty batch, more than 1,000 rows, unknown fields', async () => {
    const outside = await batch<ErrorAnswer>([api.startBody()], { as: 'elsewhere' });
    expect(outside.status).toBe(400);
    expect(outside.body.error.problems).toEqual([
      {
        in: 'body',
        field: 'rows.0.portfolioId',
        message: `ops@elsewhere may not start journeys in portfolio ${t.bench.portfolioId}`,
      },
    ]);
    // checkOnly: the invalid rows answered (the token's portfolios too), none started.
    const inScope = api.startBody({ portfolioId: OTHER_PORTFOLIO });
    const [elsewhereRow, faxRow] = [
      api.startBody(),
      { ...api.startBody({ portfolioId: OTHER_PORTFOLIO }), codeMethod: 'FAX' },
    ];
    const checked = await api.call<BatchAnswer>('POST', '/v1/journeys:batch', {
      as: 'elsewhere',
      body: {
        rows: [inScope, elsewhereRow, faxRow],
        checkOnly: true,
      },
    });
    expect(checked.status).toBe(200);
    expect(checked.body.counts).toEqual({ started: 0, alreadyRunning: 0, failed: 0, invalid: 2 });
    expect(checked.body.results.map((r) => [r.index, r.outcome, r.problems])).toEqual([
      [1, 'invalid', [`portfolioId: ops@elsewhere may not start journeys in portfolio ${t.bench.portfolioId}`]],
      [2, 'invalid', ['codeMethod: must be one of SMS, VOICE']],
    ]);
    // A row refused for another field than its number still names its number.
    expect(checked.body.results.map((r) => r.e164)).toEqual([elsewhereRow.phoneNumber, faxRow.phoneNumber]);
    const unstarted = await api.call('GET', `/v1/journeys/${inScope.phoneNumber}`, { as: 'auditor' });
    expect(unstarted.status).toBe(404);

    const empty = await batch<ErrorAnswer>([]);
    expect(empty.status).toBe(400);
    expect(empty.body.error.problems).toEqual([{ in: 'body', field: 'rows', message: 'must hold at least one row' }]);
    const tooMany = await batch<ErrorAnswer>(Array.from({ length: 1_001 }, () => api.startBody()));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.problems).toEqual([
      { in: 'body', field: 'rows', message: 'takes at most 1000 rows per request: send the rest in another request' },
    ]);
    const unknown = await api.call<ErrorAnswer>('POST', '/v1/journeys:batch', {
      as: 'onboarding',
      body: { rows: [api.startBody()], skip: true },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.problems).toEqual([
      { in: 'body', field: 'skip', message: 'is not a field of this request' },
    ]);
    // Each row is keyed by its content: a batch is not keyed by the header a single start takes, and starts nothing.
    const keyed = api.startBody();
    const withKey = await api.call<ErrorAnswer>('POST', '/v1/journeys:batch', {
      as: 'onboarding',
      body: { rows: [keyed] },
      headers: { 'idempotency-key': 'batch-1' },
    });
    expect(withKey.status).toBe(400);
    expect(withKey.body.error.problems).toEqual([
      {
        in: 'header',
        field: 'Idempotency-Key',
        message: 'is not taken by a batch: each row is keyed by its content (send the same row, it starts once)',
      },
    ]);
    expect((await api.call('GET', `/v1/journeys/${keyed.phoneNumber}`, { as: 'auditor' })).status).toBe(404);
    // The ':' is the route's: the path without it is no route.
    const plain = await api.call<ErrorAnswer>('POST', '/v1/journeysbatch', { as: 'onboarding', body: { rows: [] } });
    expect(plain.status).toBe(404);
  });

  it('sums up the running journeys per stage per portfolio, scoped to the token', async () => {
    const rows = [api.startBody(), api.startBody()];
    expect((await batch<BatchAnswer>(rows)).status).toBe(200);
    const path = `/v1/journeys/summary?portfolioId=${t.bench.portfolioId}`;
    let summary: Summary | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      summary = (await api.call<Summary>('GET', path, { as: 'auditor' })).body;
      const counted = summary.portfolios[0]?.stages.WAITING_FOR_CAPACITY ?? 0;
      if (counted >= 7) break; // the earlier tests' 5, these 2 (visibility lags a little)
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(summary).toEqual({
      portfolios: [{ portfolioId: t.bench.portfolioId, total: 7, stages: { WAITING_FOR_CAPACITY: 7 } }],
      waiting: [],
      waitingTotal: 0,
      waitingByInput: {},
    });
    const scoped = await api.call<Summary>('GET', path, { as: 'elsewhere' });
    expect(scoped.body).toEqual({ portfolios: [], waiting: [], waitingTotal: 0, waitingByInput: {} });
    const bad = await api.call<ErrorAnswer>('GET', '/v1/journeys/summary?stage=LIVE', { as: 'auditor' });
    expect(bad.status).toBe(400);
  });
});
