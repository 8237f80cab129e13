import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  countPortfolioRuns,
  csvColumns,
  exportLines,
  exportPortfolio,
  exportRowSchema,
  type ExportRow,
  type PortfolioWindow,
} from '../../src/audit/index.js';
import { cancelSignal, numberEventSignal, submitOtpUpdate } from '../../src/domain/messages.js';
import { NOTES_DOWN_FOR_MS, RunAuditor } from '../../src/audit/journey-timeline.js';
import { portfolioRuns, type JourneyRun } from '../../src/audit/runs.js';
import { useBench } from '../support/bench.js';
import type { Harness, JourneyHandle } from '../support/harness.js';

const REASON = 'duplicate, see "ticket 7", second part; =1+1';
/** A reason recorded before a reason had to be one line (a cancel by signal took it then). */
const TWO_LINES = 'duplicate, see "ticket 7"\nsecond line; =1+1';
/** An actor a spreadsheet would read as a formula. */
const SPREADSHEET_ACTOR = '@SUM(1+1)';

/** Starts `count` journeys and waits until each asks for its code. */
async function awaitingCode(bench: Harness, count: number): Promise<JourneyHandle[]> {
  const journeys = [];
  for (let i = 0; i < count; i += 25) {
    const batch = Array.from({ length: Math.min(25, count - i) }, () => bench.start(bench.input()));
    journeys.push(...(await Promise.all(batch)));
  }
  for (const journey of journeys) await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP', 1200);
  return journeys;
}

/** Waits until visibility lists `count` runs in the window (it lags behind the starts). */
async function listed(bench: Harness, window: PortfolioWindow, count: number): Promise<void> {
  for (let attempt = 0; (await countPortfolioRuns(bench.env.client, window)) < count; attempt++) {
    if (attempt > 200) throw new Error(`visibility never listed ${count} runs`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a portfolio's export (dev server + Graph sandbox)", () => {
  const t = useBench('dev');
  let window: PortfolioWindow;
  beforeAll(async () => {
    const since = new Date(Date.now() - 1_000);
    await t.bench.run(async () => {
      const [wrong, cancelled] = (await awaitingCode(t.bench, 3)) as [JourneyHandle, JourneyHandle];
      const client = t.bench.env.client;
      await client.workflow
        .getHandle(wrong.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code: '000001', actor: SPREADSHEET_ACTOR }] });
      const handle = client.workflow.getHandle(cancelled.workflowId);
      // By signal, with quotes, commas and a formula: its export must still be safe.
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: REASON });
      await handle.result().catch(() => undefined); // closed Canceled
    });
    window = { portfolioId: t.bench.portfolioId, since, until: new Date(Date.now() + 60_000) };
    await listed(t.bench, window, 3);
  });

  it('streams: a run is told, and its rows come, before the next run is told, in visibility order', async () => {
    const read: string[] = [];
    const rows = exportPortfolio(t.env.client, { ...window, pageSize: 2, onRun: (run) => read.push(run.runId) });
    const first = await rows.next();
    expect(first.done).toBe(false);
    expect(read).toHaveLength(1);
    expect((first.value as ExportRow).runId).toBe(read[0]);
    let count = 1;
    for await (const row of rows) {
      count++;
      expect(read).toContain(row.runId); // a run's rows come only after its history, never ahead of it
    }
    expect(read).toHaveLength(3);
    expect(count).toBeGreaterThan(3 * 8);
  });

  it('writes NDJSON and CSV of the same rows, quoted so that a CSV reader gets every value back', async () => {
    const text = async (format: 'ndjson' | 'csv') => {
      let out = '';
      for await (const line of exportLines(exportPortfolio(t.env.client, window), format)) out += line;
      return out;
    };
    const ndjson = (await text('ndjson'))
      .trimEnd()
      .split('\n')
      .map((line) => exportRowSchema.parse(JSON.parse(line)));
    expect(new Set(ndjson.map((row) => row.workflowId)).size).toBe(3);
    expect(ndjson).toContainEqual(
      expect.objectContaining({
        kind: 'action',
        actor: SPREADSHEET_ACTOR,
        outcome: 'refused: code wrong, 2 attempts left',
      }),
    );
    expect(ndjson).toContainEqual(expect.objectContaining({ kind: 'ended', what: `cancelled by ops@acme: ${REASON}` }));

    const records = parse(await text('csv'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0] ?? {})).toEqual([...csvColumns]);
    expect(records).toHaveLength(ndjson.length);
    // The same row order (visibility's), the same values; free text that starts like a formula stays text.
    const asText = (value: string | undefined) => (value?.startsWith('@') ? `'${value}` : (value ?? ''));
    expect(records.map((r) => [r.e164, r.runId, r.kind, r.what, r.actor])).toEqual(
      ndjson.map((r) => [r.e164, r.runId, r.kind, r.what, asText(r.actor)]),
    );
    expect(records[0]?.e164).toMatch(/^\+1\d{10}$/);
    const wrongCode = records.find((r) => r.outcome === 'refused: code wrong, 2 attempts left');
    expect(wrongCode).toMatchObject({ actor: `'${SPREADSHEET_ACTOR}`, attemptsLeft: '2' });
    expect(records.map((r) => r.what)).toContain(`cancelled by ops@acme: ${REASON}`);
    // A value of two lines, as runs from before recorded reasons, comes back whole from the CSV too.
    const ended = ndjson.find((row) => row.kind === 'ended' && row.what.includes(REASON)) as ExportRow;
    const older = { ...ended, what: `cancelled by ops@acme: ${TWO_LINES}` };
    let csv = '';
    for await (const line of exportLines(
      (async function* () {
        yield older;
      })(),
      'csv',
    ))
      csv += line;
    expect((parse(csv, { columns: true }) as Record<string, string>[]).map((r) => r.what)).toEqual([older.what]);
  });

  it('says in its rows what it could not read of a run, and asks again a while after a query no worker answered', async () => {
    const since = new Date(Date.now() - 1_000);
    const flagged = await t.bench.run(async () => {
      const journeys = await awaitingCode(t.bench, 3);
      for (const journey of journeys) {
        // A webhook event: its note is read through the journey query.
        const event = { kind: 'quality', event: 'FLAGGED', currentLimit: null, at: new Date().toISOString() } as const;
        await t.env.client.workflow.getHandle(journey.workflowId).signal(numberEventSignal, event);
        await journey.until((v) => v.recentEvents.some((e) => e.kind === 'quality'), 'the event taken');
      }
      return journeys;
    });
    const within = { portfolioId: t.bench.portfolioId, since, until: new Date(Date.now() + 60_000) };
    await listed(t.bench, within, flagged.length);
    // (The window may hold a run of the file's first journeys, whose cancel is a signal too.)
    const ours = new Set(flagged.map((journey) => journey.workflowId));
    const unnamed = (gap: string) => gap.replace(/run \S+ /, 'run … ');
    const asked =
      'notes of run … (what the journey said about its signals): no worker answered the journey query within 0.3 s';
    const notAsked = `notes of run … (what the journey said about its signals): not asked: no worker answered the journey query within 0.3 s for a run read just before`;
    // The export's gap rows, no worker running: each run's, in the file, after the run's other rows. (Read four at a
    // time, these three are all asked at once.)
    const rows: ExportRow[] = [];
    const options = { ...within, notesTimeoutMs: 300 };
    for await (const line of exportLines(exportPortfolio(t.env.client, options), 'ndjson')) {
      rows.push(exportRowSchema.parse(JSON.parse(line)));
    }
    for (const [i, row] of rows.entries()) if (row.kind === 'gap') expect(rows[i - 1]?.runId).toBe(row.runId);
    const gapRows = rows.filter((row) => row.kind === 'gap' && ours.has(row.workflowId));
    expect(gapRows.every((row) => row.what.startsWith('could not read '))).toBe(true);
    expect(gapRows.map((row) => unnamed(row.what.slice('could not read '.length)))).toEqual([asked, asked, asked]);
    // Read one after another: after a query no worker answered, the next runs are not asked for a while; once it is
    // over, the next is asked again.
    const runs: JourneyRun[] = [];
    for await (const run of portfolioRuns(t.env.client, within)) if (ours.has(run.workflowId)) runs.push(run);
    const gapsOneByOne = async (notesDownForMs?: number) => {
      const auditor = new RunAuditor(t.env.client, {
        notesTimeoutMs: 300,
        ...(notesDownForMs === undefined ? {} : { notesDownForMs }),
      });
      const gaps: string[] = [];
      for (const run of runs) gaps.push(...(await auditor.audit(run)).gaps.map(unnamed));
      return gaps;
    };
    expect(NOTES_DOWN_FOR_MS).toBe(30_000); // the while by default, as docs/audit.md says
    expect(await gapsOneByOne()).toEqual([asked, notAsked, notAsked]);
    expect(await gapsOneByOne(0)).toEqual([asked, asked, asked]);
  });

  it('refuses a window that ends before it starts, and a portfolio id that is not one', async () => {
    const until = new Date(window.since.getTime() - 1);
    await expect(exportPortfolio(t.env.client, { ...window, until }).next()).rejects.toThrow(/is after until/);
    await expect(exportPortfolio(t.env.client, { ...window, portfolioId: "1' OR '1'='1" }).next()).rejects.toThrow(
      'the portfolio id must be a numeric Graph id',
    );
  });
});

describe("a large portfolio's export (dev server + Graph sandbox)", () => {
  const t = useBench('dev', { record: false });
  const JOURNEYS = 150;

  it(`exports ${JOURNEYS} journeys a few runs at a time, each with its notes read`, async () => {
    const since = new Date(Date.now() - 1_000);
    await t.bench.run(async () => {
      // A webhook event on each journey: the export then reads each run's notes through the journey query too.
      for (const journey of await awaitingCode(t.bench, JOURNEYS)) {
        await t.env.client.workflow.getHandle(journey.workflowId).signal(numberEventSignal, {
          kind: 'quality',
          event: 'FLAGGED',
          currentLimit: null,
          at: new Date().toISOString(),
        });
      }
      const window = { portfolioId: t.bench.portfolioId, since, until: new Date(Date.now() + 60_000) };
      await listed(t.bench, window, JOURNEYS);

      let runs = 0;
      let bytes = 0;
      const gaps: string[] = [];
      let peakRss = process.memoryUsage().rss;
      const rssBefore = peakRss;
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
          done();
        },
      });
      const started = performance.now();
      const rows = exportPortfolio(t.env.client, { ...window, onRun: () => runs++, onGap: (gap) => gaps.push(gap) });
      await pipeline(Readable.from(exportLines(rows, 'csv')), sink);
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `[figure] export of ${runs} journeys (CSV, ${Math.round(bytes / 1024)} KiB, notes read): ` +
          `${Math.round(runs / seconds)} journeys/s; peak RSS ${Math.round(peakRss / 2 ** 20)} MiB ` +
          `(+${Math.round((peakRss - rssBefore) / 2 ** 20)} MiB during the export)`,
      );
      expect(runs).toBe(JOURNEYS);
      expect(gaps).toEqual([]);
    });
  }, 300_000);
});
