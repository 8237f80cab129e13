// A run written under a payload key this process does not hold (an old run after a rotation, a folder's key mixed
// up in a restore) is one gap of the audit and the export, never a failed one: visibility's listing is read without
// decoding memos, and the run's history is read with what opens.
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { countPortfolioRuns, exportPortfolio, journeyTimeline, type ExportRow } from '../../src/audit/index.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { journeyWorkflowId } from '../../src/domain/journey.js';
import { PhoneNumberE164, PortfolioId, WabaId } from '../../src/domain/search-attributes.js';
import { describeIfAny } from '../../src/temporal/describe.js';
import { useBench } from '../support/bench.js';
import { testSecretsKeys } from '../support/temporal.js';

describe('a run no key here opens, in an audit and an export (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it('is listed with its gap, and every other run is read', async () => {
    const since = new Date(Date.now() - 1_000);
    const readable = await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      return journey;
    });
    // A journey started through the API under another payload key (its memo too, as an idempotent start's is).
    const elsewhere = new Client({
      connection: t.env.client.connection,
      dataConverter: createDataConverter(
        parseCodecKeys(`gone-1:${randomBytes(32).toString('base64')}`),
        testSecretsKeys,
      ),
    });
    const input = t.bench.input();
    const workflowId = journeyWorkflowId(input.phoneNumber.e164);
    const unreadable = await elsewhere.workflow.start('numberJourney', {
      taskQueue: t.bench.taskQueue,
      workflowId,
      args: [input],
      memo: { idempotencyScope: 'onboarding-service' },
      typedSearchAttributes: new TypedSearchAttributes([
        { key: PortfolioId, value: t.bench.portfolioId },
        { key: WabaId, value: t.bench.wabaId },
        { key: PhoneNumberE164, value: input.phoneNumber.e164 },
      ]),
    });
    await t.env.client.workflow.getHandle(workflowId, unreadable.firstExecutionRunId).terminate('key retired');

    const window = { portfolioId: t.bench.portfolioId, since, until: new Date(Date.now() + 60_000) };
    for (let i = 0; (await countPortfolioRuns(t.env.client, window)) < 2; i++) {
      if (i > 200) throw new Error('visibility never listed both runs');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const gaps: string[] = [];
    const rows: ExportRow[] = [];
    for await (const row of exportPortfolio(t.env.client, { ...window, onGap: (gap) => gaps.push(gap) })) {
      rows.push(row);
    }
    expect([...new Set(rows.map((row) => row.workflowId))].sort()).toEqual([readable.workflowId, workflowId].sort());
    expect(rows.filter((row) => row.workflowId === readable.workflowId).at(-1)?.stage).toBe('AWAITING_OTP');
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps.every((gap) => gap.includes('no codec key "gone-1"'))).toBe(true);

    // A question that needs no memo is answered too (the identity capture's, a portfolio's move).
    expect(await describeIfAny(t.env.client, workflowId)).toMatchObject({
      status: 'TERMINATED',
      runId: unreadable.firstExecutionRunId,
    });
    expect(await describeIfAny(t.env.client, journeyWorkflowId('+14155550000'))).toBeNull();

    const timeline = await journeyTimeline(t.env.client, input.phoneNumber.e164);
    expect(timeline.runs).toHaveLength(1);
    expect(timeline.gaps.length).toBeGreaterThan(0);
    expect(timeline.gaps.every((gap) => gap.includes('no codec key "gone-1"'))).toBe(true);
    expect(timeline.entries.at(-1)).toMatchObject({ kind: 'ended', what: 'terminated through Temporal: key retired' });
  }, 120_000);
});
