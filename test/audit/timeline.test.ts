import { beforeAll, describe, expect, it } from 'vitest';
import {
  exportLines,
  exportPortfolio,
  journeyTimeline,
  renderHtml,
  renderMarkdown,
  type ExportFormat,
  type Timeline,
  type TimelineEntry,
} from '../../src/audit/index.js';
import { numberEventSignal } from '../../src/domain/messages.js';
import { useBench } from '../support/bench.js';
import { CONTINUE_AS_NEW_SUGGESTED_AT } from '../support/server-settings.js';
import { startLive } from '../support/steps.js';
import {
  CANCEL_REASON,
  OLD_PIN,
  removedThenOnboardedAgain,
  secretsIn,
  settledTimeline,
  type Scenario,
} from './scenario.js';

describe("an auditor's timeline (dev server + Graph sandbox)", () => {
  const t = useBench('dev');
  let scenario: Scenario;
  let timeline: Timeline;
  beforeAll(async () => {
    // A worker runs meanwhile: the journey's notes of its signals come through its query.
    await t.bench.run(async () => {
      scenario = await removedThenOnboardedAgain(t.bench);
      timeline = await settledTimeline(t.bench, scenario.e164, 2);
    });
  });

  /** The index of the one entry that matches, so the order of entries can be asserted. */
  const indexOf = (expected: Partial<TimelineEntry>, what?: RegExp): number => {
    const found = timeline.entries.flatMap((entry, index) =>
      expect.objectContaining(expected).asymmetricMatch(entry) && (!what || what.test(entry.what)) ? [index] : [],
    );
    expect(found, `one entry like ${JSON.stringify(expected)} ${what ?? ''}`).toHaveLength(1);
    return found[0] as number;
  };

  it('lists who did what and what Meta answered, in order, across the removed run and the second onboarding', () => {
    const [first, second] = timeline.runs;
    expect(timeline.runs).toHaveLength(2);
    expect(first).toMatchObject({ status: 'COMPLETED', continuedFrom: null });
    expect(second).toMatchObject({ status: 'CANCELLED', continuedFrom: null });
    const run1 = { runId: first?.runId };
    const run2 = { runId: second?.runId };

    const order = [
      indexOf({ ...run1, kind: 'started', actor: 'test-suite' }),
      indexOf({
        ...run1,
        kind: 'action',
        actor: 'operator@acme',
        outcome: 'refused: code wrong, 2 attempts left',
        attemptsLeft: 2,
      }),
      indexOf({
        ...run1,
        kind: 'graph_call',
        endpoint: 'POST /{phone-number-id}/verify_code',
        outcome: 'failed: Meta error 136025',
      }),
      indexOf({ ...run1, kind: 'action', actor: 'operator@acme', outcome: 'accepted: code accepted' }),
      indexOf({ ...run1, kind: 'step', what: 'generated a two-step PIN (never shown)' }),
      indexOf({
        ...run1,
        kind: 'graph_call',
        endpoint: 'POST /{phone-number-id}/register',
        outcome: 'failed: Meta error 133005',
      }),
      indexOf({ ...run1, kind: 'stage', stage: 'AWAITING_PIN' }),
      indexOf({
        ...run1,
        kind: 'action',
        actor: 'owner@acme',
        what: 'submitted a two-step PIN (update)',
        outcome: 'accepted: PIN accepted, number registered',
      }),
      indexOf({
        ...run1,
        kind: 'webhook',
        actor: 'meta',
        what: 'display name "Best Deals Ever" REJECTED (NAME_FORMAT_UNACCEPTABLE)',
      }),
      indexOf({
        ...run1,
        kind: 'action',
        actor: 'ops@acme',
        what: 'submitted the display name "Acme Support" (update)',
      }),
      indexOf({ ...run1, kind: 'stage', stage: 'LIVE' }),
      indexOf({
        ...run1,
        kind: 'action',
        actor: 'ops@acme',
        what: 'asked to remove the number as operator: tidying up',
      }),
      indexOf({
        ...run1,
        kind: 'action',
        actor: 'admin@acme',
        outcome: 'requested the removal (number retired); sends paused',
      }),
      indexOf({
        ...run1,
        kind: 'graph_call',
        endpoint: 'POST /{phone-number-id}/deregister',
        outcome: 'deregistered (status DISCONNECTED)',
      }),
      indexOf({ ...run1, kind: 'ended', stage: 'REMOVED', actor: 'admin@acme', outcome: 'REMOVED (REMOVED)' }),
      indexOf({ ...run2, kind: 'started', actor: 'test-suite' }),
      indexOf({
        ...run2,
        kind: 'action',
        actor: 'ops@acme',
        outcome:
          'received: cancelling: the journey tidies up at Meta and frees its portfolio slot, unless Meta still counts the number (registered before the journey, or coexistence)',
      }),
      indexOf({ ...run2, kind: 'ended', stage: 'CANCELLED', actor: 'ops@acme', outcome: 'CANCELLED' }),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));

    const entry = (index: number | undefined) => timeline.entries[index as number];
    expect(entry(order[5])?.meta).toMatchObject({
      code: 133005,
      type: 'OAuthException',
      fbtraceId: expect.any(String),
    });
    expect(entry(order[2])?.meta).toMatchObject({
      code: 136025,
      details: 'code mismatch',
      fbtraceId: expect.any(String),
    });
    expect(entry(order[11])?.outcome).toMatch(/^removal refused: role "operator" lacks admin rights on the portfolio/);
    expect(entry(order[14])).toMatchObject({
      what: 'removed at the request of admin@acme; deleted in WhatsApp Manager (confirmed by admin@acme)',
      remediation: expect.stringContaining('start a new journey'),
    });
    expect(entry(order[17])?.what).toBe(`cancelled by ops@acme: ${CANCEL_REASON}`);
    expect(timeline.gaps).toEqual([]);
  });

  it('shows every stage the journey entered, the ones worked inside one workflow task read from their call', () => {
    const run1 = timeline.runs[0]?.runId;
    const ofRun1 = timeline.entries.filter((entry) => entry.runId === run1);
    // A journey from the patch fewer-visibility-writes writes no upsert for ADDING or VERIFYING_CODE; its timeline
    // reads the same as one from before, a wrong code's way back to AWAITING_OTP included.
    expect(
      ofRun1
        .filter((entry) => entry.kind === 'stage')
        .map((entry) => entry.stage)
        .slice(0, 8),
    ).toEqual([
      'ADDING',
      'REQUESTING_CODE',
      'AWAITING_OTP',
      'VERIFYING_CODE',
      'AWAITING_OTP',
      'VERIFYING_CODE',
      'REGISTERING',
      'AWAITING_PIN',
    ]);
    const calls = (endpoint: string) => ofRun1.filter((entry) => entry.endpoint === endpoint).map((e) => e.stage);
    expect(calls('POST /{waba-id}/phone_numbers')).toEqual(['ADDING']);
    expect(calls('POST /{phone-number-id}/verify_code')).toEqual(['VERIFYING_CODE', 'VERIFYING_CODE']);
  });

  it('dates each durable wait, with why the journey waited', () => {
    const waits = timeline.entries.filter((e) => e.kind === 'wait');
    const started = Date.parse(timeline.runs[0]?.startedAt as string);
    const otp = waits.find((w) => w.stage === 'AWAITING_OTP');
    expect(otp?.what).toBe("an operator's code; a new code is requested when none comes in time");
    expect(Date.parse(otp?.until as string) - started).toBeGreaterThan(14 * 60_000);
    expect(otp?.outcome).toBe('ended before the deadline');
    const windows = waits.filter((w) => w.what.startsWith('the 14-day Embedded Signup window'));
    expect(windows.map((w) => w.runId)).toEqual([timeline.runs[0]?.runId]); // the second run has none
    expect(Date.parse(windows[0]?.until as string) - started).toBeGreaterThan(13.9 * 24 * 3_600_000);
    // Nor a wait of years in its place: the race without a window keeps a timer, which is no wait.
    expect(waits.filter((w) => Date.parse(w.until as string) - started > 365 * 24 * 3_600_000)).toEqual([]);
    expect(waits.find((w) => w.stage === 'AWAITING_PIN')?.what).toBe("an operator's two-step PIN (7 days)");
  });

  it('keeps every OTP, PIN and token out of the JSON, the Markdown, the HTML page and the exports', async () => {
    expect(scenario.secrets).toEqual(expect.arrayContaining([OLD_PIN, t.bench.graphToken]));
    expect(scenario.secrets.length).toBeGreaterThanOrEqual(6); // two codes sent, a wrong one, two PINs, the token
    // The scan finds a secret where there is one, standing alone or as a bare JSON string.
    expect(secretsIn(JSON.stringify({ code: OLD_PIN }), scenario.secrets)).toEqual([OLD_PIN]);

    const exported = async (format: ExportFormat) => {
      const window = { portfolioId: t.bench.portfolioId, since: new Date(Date.now() - 3_600_000), until: new Date() };
      let text = '';
      for await (const line of exportLines(exportPortfolio(t.bench.env.client, window), format)) text += line;
      return text;
    };
    const texts = {
      json: JSON.stringify(timeline),
      markdown: renderMarkdown(timeline),
      html: renderHtml(timeline),
      ...(await t.bench.run(async () => ({ ndjson: await exported('ndjson'), csv: await exported('csv') }))),
    };
    expect(texts.ndjson).toContain('removal refused'); // the export holds the same journey
    for (const [format, text] of Object.entries(texts)) expect(secretsIn(text, scenario.secrets), format).toEqual([]);
  });

  it('renders Markdown and a printable HTML page that show markup in values as text', () => {
    const markdown = renderMarkdown(timeline);
    expect(markdown).toContain(`# Audit of ${scenario.e164}`);
    expect(markdown).toContain('onboarded by mistake, \\<b\\>see\\</b\\> "ticket 12" \\| \\*urgent\\*');
    expect(markdown.split('\n').filter((line) => line.startsWith('| 20'))).toHaveLength(timeline.entries.length);

    const html = renderHtml(timeline);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'"); // nothing loads from outside, and no script runs
    expect(html).toContain('@media print');
    expect(html).toContain('onboarded by mistake, &lt;b&gt;see&lt;/b&gt; &quot;ticket 12&quot; | *urgent*');
    expect(html).not.toContain('<b>see');
    expect(html.match(/<tr><td>/g)).toHaveLength(timeline.entries.length);
  });

  it('reads a LIVE journey that continued as new as one timeline', async () => {
    const chained = await t.bench.run(async () => {
      const live = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(live.journey.workflowId);
      const firstRun = (await handle.describe()).runId;
      for (let i = 0; i < CONTINUE_AS_NEW_SUGGESTED_AT; i++) {
        await handle.signal(numberEventSignal, {
          kind: 'status',
          status: `CONNECTED_${i}`,
          at: new Date().toISOString(),
        });
      }
      await live.journey.until((v) => v.status === `CONNECTED_${CONTINUE_AS_NEW_SUGGESTED_AT - 1}`, 'every event seen');
      expect((await handle.describe()).runId).not.toBe(firstRun);
      await handle.terminate('audit test done');
      return settledTimeline(t.bench, live.journey.workflowId.slice('number:'.length), 2);
    });
    // Two runs or more: how many events a signal costs depends on how the worker batches them into tasks.
    const [first, second] = chained.runs;
    expect(chained.runs.length).toBeGreaterThanOrEqual(2);
    expect(chained.gaps).toEqual([]);
    chained.runs.slice(1).forEach((run, i) => expect(run.continuedFrom).toBe(chained.runs[i]?.runId));
    expect(chained.entries).toContainEqual(
      expect.objectContaining({ runId: first?.runId, kind: 'ended', outcome: 'CONTINUED_AS_NEW', stage: 'LIVE' }),
    );
    expect(chained.entries).toContainEqual(
      expect.objectContaining({
        runId: second?.runId,
        kind: 'started',
        what: expect.stringContaining(first?.runId as string),
      }),
    );
    // Every event Meta sent is in the timeline once, whichever run took it.
    const statuses = chained.entries.filter((e) => e.kind === 'webhook' && e.what.startsWith('status CONNECTED_'));
    expect(new Set(statuses.map((e) => e.what)).size).toBe(CONTINUE_AS_NEW_SUGGESTED_AT);
    expect(statuses).toHaveLength(CONTINUE_AS_NEW_SUGGESTED_AT);
    const runsThatTookEvents = new Set(statuses.map((e) => e.runId));
    expect(runsThatTookEvents).toContain(first?.runId);
    expect(runsThatTookEvents).toContain(second?.runId);
    expect([...runsThatTookEvents].every((runId) => chained.runs.some((run) => run.runId === runId))).toBe(true);
  });

  it("says a webhook event delivered again (Meta's retry, another replica's inbox) is a copy of the earlier one", async () => {
    const timeline = await t.bench.run(async () => {
      const live = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(live.journey.workflowId);
      const flagged = {
        kind: 'quality',
        event: 'FLAGGED',
        currentLimit: 'TIER_250',
        at: new Date(Date.now() - 2000).toISOString(),
      } as const;
      const later = { ...flagged, at: new Date(Date.now() - 1000).toISOString() };
      for (const event of [flagged, flagged, later]) {
        await handle.signal(numberEventSignal, { ...event, wabaId: t.bench.wabaId });
      }
      await live.journey.until((v) => v.recentEvents.some((e) => e.at === later.at), 'the three taken');
      await handle.terminate('audit test done');
      return settledTimeline(t.bench, live.journey.workflowId.slice('number:'.length), 1);
    });
    const flaggedEntries = timeline.entries.filter((e) => e.what === 'quality update FLAGGED (limit TIER_250)');
    expect(flaggedEntries.map((e) => e.outcome ?? null)).toEqual([
      null,
      'delivered again: the same event as an earlier delivery (Meta retries, and each service replica keeps its own inbox; or a replica that stopped abruptly routed it again at its next start)',
      null, // another date: another event
    ]);
  });

  it("shows a call Temporal retried, the wait after Meta's transient error, and a refused cancel through Temporal", async () => {
    const audited = await t.bench.run(async () => {
      // The verify call inside the task meets a transient error, then the activity that takes over, which Temporal retries.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'error', code: 131000, times: 2 });
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 131000, times: 1 });
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.cancel(); // Temporal's own cancel, as the Web UI's button sends it
      await journey.until((v) => v.notes.some((n) => n.what.startsWith('cancel refused')), 'the refusal noted');
      await handle.terminate('audit test done');
      return settledTimeline(t.bench, journey.workflowId.slice('number:'.length), 1);
    });
    const calls = (endpoint: string) => audited.entries.filter((e) => e.endpoint === endpoint);
    expect(calls('POST /{phone-number-id}/verify_code')).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'failed: Meta error 131000',
        meta: expect.objectContaining({ code: 131000 }),
      }),
      // Temporal keeps the attempt before the last one's failure: Meta's code and fbtrace_id are said.
      expect.objectContaining({
        attempt: 2,
        outcome: expect.stringMatching(/^code verified; attempt 1 failed: Meta error 131000 \(fbtrace_id \S+\)$/),
      }),
    ]);
    const [failed, registered] = calls('POST /{phone-number-id}/register');
    expect(failed).toMatchObject({ attempt: 1, outcome: 'failed: Meta error 131000', meta: { code: 131000 } });
    expect(registered).toMatchObject({ outcome: 'registered (status CONNECTED)' });
    const wait = audited.entries[audited.entries.indexOf(failed as TimelineEntry) + 1];
    expect(wait).toMatchObject({
      kind: 'wait',
      stage: 'REGISTERING',
      what: 'Meta error 131000: numberflow waits 5 s, then calls again',
      outcome: 'waited until the deadline',
    });
    expect(audited.entries).toContainEqual(
      expect.objectContaining({
        kind: 'action',
        actor: expect.stringMatching(/@/), // the Temporal client's identity
        what: 'cancelled the run through Temporal',
        outcome:
          "cancel refused: a live number's journey cannot be cancelled (stage LIVE); request its removal instead",
      }),
    );
    expect(audited.entries.at(-1)).toMatchObject({
      kind: 'ended',
      stage: 'FAILED', // as the view reads a terminated run, and a filter on FAILED finds it
      outcome: 'FAILED (RUN_TERMINATED)',
      what: 'terminated through Temporal: audit test done',
    });
  });

  it("says in its gaps that signals' notes are missing when no worker answers the journey's query", async () => {
    const unread = await journeyTimeline(t.env.client, scenario.e164, { notesTimeoutMs: 500 });
    // Only the first run took signals from people (the second was cancelled by update): only its notes are missing.
    expect(unread.gaps).toEqual([
      `notes of run ${timeline.runs[0]?.runId} (what the journey said about its signals): no worker answered the journey query within 0.5 s`,
    ]);
    expect(unread.entries.filter((e) => e.outcome?.includes('removal refused'))).toEqual([]);
    expect(unread.entries.length).toBe(timeline.entries.length);
  });

  it('says there is no journey for a number never onboarded', async () => {
    await expect(journeyTimeline(t.env.client, '+14155550000')).rejects.toThrow('no journey for +14155550000');
  });
});
