// A journey's portfolio must own its WABA at Meta: started in another (a typo, or a principal of that other
// portfolio), it counted against that portfolio's cap, queued there, and Meta's cap changes for the WABA were
// routed to it (found by the exploratory check). The slot request reads the WABA's owner first.
import { WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { journeyTimeline } from '../../src/audit/index.js';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { eventually } from '../api/support.js';
import { parsePhoneNumber } from '../../src/domain/phone.js';
import { freshId, freshNumber } from '../support/journeys.js';
import { useBench } from '../support/bench.js';
import { testDataConverter } from '../support/temporal.js';

describe("a journey's portfolio and its WABA's owner at Meta (dev server + Graph sandbox)", () => {
  const t = useBench('dev');

  // First in the file: the worker has not read (and kept) the WABA's owner yet.
  it('checks the owner by the activity when the first read fails, and ends the same', async () => {
    await t.bench.sandbox.admin.flushWebhooks(); // the WABA's cap, routed by its owner: read before the fault
    const before = t.bench.sandbox.admin.calls().length;
    t.bench.sandbox.admin.injectFault({ endpoint: 'GET /waba', kind: 'error', code: 100, times: 1 });
    const elsewhere = freshId();
    await t.bench.run(async () => {
      const input = t.bench.input({ portfolioId: elsewhere });
      const journey = await t.bench.start(input);
      const ended = await journey.until((v) => v.result !== null, 'an ending');
      expect(ended.result?.reasonCode).toBe('WABA_IN_ANOTHER_PORTFOLIO');
      const ownerReads = t.bench.sandbox.admin
        .calls()
        .slice(before)
        .filter((c) => c.endpoint === 'GET /{waba-id}' && c.query.fields === 'owner_business_info');
      expect(ownerReads.map((c) => c.status)).toEqual([400, 200]); // the task's read refused, the activity's
      // The task answered that it could not read the owner; the request went on by the activity.
      const { entries } = await journeyTimeline(t.env.client, input.phoneNumber.e164);
      expect(entries.map((e) => e.what)).toContain("could not read the WABA's owner at Meta in the task");
      const history = await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory();
      const scheduled = history.events?.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
      expect(scheduled).toContain('requestSlot');
    });
  });

  it('ends FAILED, naming no owner, when the WABA belongs to another portfolio, and starts no portfolio', async () => {
    const elsewhere = freshId();
    await t.bench.run(async () => {
      const input = t.bench.input({ portfolioId: elsewhere });
      const journey = await t.bench.start(input);
      const ended = await journey.until((v) => v.result !== null, 'an ending');
      expect(ended.result).toMatchObject({
        outcome: 'FAILED',
        reasonCode: 'WABA_IN_ANOTHER_PORTFOLIO',
        reason: `WABA ${t.bench.wabaId} belongs to another business portfolio at Meta, not ${elsewhere}`,
        remediation: `Start the journey in the business portfolio that owns WABA ${t.bench.wabaId} at Meta (Meta's Business Settings show it; so does the worker's log), as an onboarding principal of that portfolio, or one not limited to portfolios.`,
      });
      const adds = t.bench.sandbox.admin
        .calls()
        .filter((c) => c.endpoint.endsWith('/phone_numbers') && c.method === 'POST');
      expect(adds.filter((c) => JSON.stringify(c.body).includes(input.phoneNumber.e164.slice(2)))).toEqual([]);
      await expect(t.env.client.workflow.getHandle(portfolioWorkflowId(elsewhere)).describe()).rejects.toThrow(
        WorkflowNotFoundError,
      );
      const timeline = await journeyTimeline(t.env.client, input.phoneNumber.e164);
      expect(timeline.entries.map((e) => `${e.actor}: ${e.what}`)).toContain(
        `numberflow: refused the slot request: WABA ${t.bench.wabaId} belongs to another business portfolio at Meta, not ${elsewhere}`,
      );
      // The right portfolio takes the next journey of the WABA as before, and Meta's cap for the WABA goes to it,
      // though the latest journey of the WABA names the other.
      const next = await t.bench.start(t.bench.input());
      expect((await next.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP')).result).toBeNull();
      t.bench.sandbox.admin.raiseCap(t.bench.portfolioId, 250);
      await t.bench.sandbox.admin.flushWebhooks();
      const owner = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
      await eventually(
        () => owner.query(portfolioQuery),
        (state) => state.cap === 250,
        'the cap of 250',
      );
      await expect(t.env.client.workflow.getHandle(portfolioWorkflowId(elsewhere)).describe()).rejects.toThrow(
        WorkflowNotFoundError,
      );
      await t.env.client.workflow.getHandle(next.workflowId).terminate('test done');
    });
  });

  it("refuses an adopted number of another portfolio's WABA before reading the number at Meta with its token", async () => {
    const elsewhere = freshId();
    // A number of the bench's WABA, under its business's name at Meta.
    const number = parsePhoneNumber(freshNumber());
    const { id: phoneNumberId } = await t.bench.graph.addPhoneNumber(t.bench.wabaId, {
      cc: number.countryCallingCode,
      phoneNumber: number.nationalNumber,
      verifiedName: 'Other Business Shop',
    });
    await t.bench.run(async () => {
      // Portfolio `elsewhere` names a WABA it does not own and one of that WABA's numbers.
      const input = t.bench.input({
        portfolioId: elsewhere,
        phoneNumber: number.e164,
        phoneNumberId,
        displayName: 'Probe Shop',
      });
      const before = t.bench.sandbox.admin.calls().length;
      const journey = await t.bench.start(input);
      const ended = await journey.until((v) => v.result !== null, 'an ending');
      expect(ended.result).toMatchObject({ outcome: 'FAILED', reasonCode: 'WABA_IN_ANOTHER_PORTFOLIO' });
      // Nothing of the number was read: neither its status nor Meta's name for it reach this journey's readers.
      const reads = t.bench.sandbox.admin
        .calls()
        .slice(before)
        .filter((c) => c.endpoint === 'GET /{phone-number-id}' && c.path.includes(phoneNumberId));
      expect(reads).toEqual([]);
      expect(ended.status).toBeNull();
      expect(ended.displayName.current).toBe('Probe Shop');
      expect(JSON.stringify(ended)).not.toContain('Other Business Shop');
      const timeline = await journeyTimeline(t.env.client, input.phoneNumber.e164);
      expect(JSON.stringify(timeline)).not.toContain('Other Business Shop');
      // The adoption's read was refused before Meta was asked for the number: its entry says so, naming no owner.
      const read = timeline.entries.find((e) => e.what === "read the WABA's owner, then the number at Meta");
      expect(read?.outcome).toContain(
        `WABA ${t.bench.wabaId} belongs to another business portfolio at Meta, not ${elsewhere}`,
      );
    });
  });

  it('ends by a signal after its first task, so that a query during that task and a replay read the same', async () => {
    // Ended inside the task that asked, a journey whose task the worker sent early (a query came; the window's timer
    // went with it) replayed its ending where history had the timer: the query failed with a determinism error.
    await t.bench.run(async () => {
      for (let i = 0; i < 5; i++) {
        const journey = await t.bench.start(t.bench.input({ portfolioId: freshId() }));
        const ended = await journey.until((v) => v.result !== null, 'an ending'); // queries from the first task on
        expect(ended.result?.reasonCode).toBe('WABA_IN_ANOTHER_PORTFOLIO');
        const handle = t.env.client.workflow.getHandle(journey.workflowId);
        await handle.result();
        await Worker.runReplayHistory(
          { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter },
          await handle.fetchHistory(),
          journey.workflowId,
        );
        expect((await journey.view()).result?.reasonCode).toBe('WABA_IN_ANOTHER_PORTFOLIO'); // a closed run replays
      }
    });
  });
});
