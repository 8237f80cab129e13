// `numberflow import`, `list --summary` and `portfolio show|set-cap|reconcile` as an operator runs them, in both modes:
// the 1,000-row file through the HTTP API on a task queue no worker polls (a start needs no worker; the journeys stay
// unstarted), and a small file, the summary and the portfolio directly through Temporal with the bench's worker.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CliExit } from '../../src/cli/failure.js';
import { IMPORT_FILE_MAX_BYTES, IMPORT_MAX_ROWS } from '../../src/cli/import-command.js';
import { buildCli } from '../../src/starter.js';
import { OTHER_PORTFOLIO, useApi } from '../api/support.js';
import { useBench } from '../support/bench.js';
import { freshId, freshNumber, freshNumberBlock } from '../support/journeys.js';
import { spawnCli, tempDir } from '../support/processes.js';
import { TEST_CODEC_KEYS, TEST_SECRETS_PUBLIC_KEY, uniqueTaskQueue } from '../support/temporal.js';

interface Run {
  out: string[];
  err: string[];
  failure: CliExit | null;
}

async function runCli(env: Record<string, string | undefined>, args: string[]): Promise<Run> {
  const run: Run = { out: [], err: [], failure: null };
  const cli = buildCli((line) => run.out.push(line), { env, throwOnExit: true, err: (line) => run.err.push(line) });
  try {
    await cli.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CliExit)) throw err;
    run.failure = err;
  }
  return run;
}

/** 1,000 rows, 20 of them bad in four ways, at known lines (the header is line 1). */
function thousandRows(wabaId: string, portfolioId: string) {
  const numbers = freshNumberBlock();
  const lines = ['wabaId,portfolioId,phoneNumber,displayName,codeMethod,ivr'];
  const bad = new Map<number, RegExp>();
  const twice = numbers[999] as string;
  for (let row = 0; row < 1_000; row++) {
    const line = row + 2;
    let phone = numbers[row] as string;
    let name = 'Acme Support';
    let method = row % 3 === 0 ? 'VOICE' : 'SMS';
    if (row % 125 === 7) {
      phone = '+1415555';
      bad.set(line, /^phoneNumber: /);
    } else if (row % 125 === 42) {
      name = '';
      bad.set(line, /^displayName: /);
    } else if (row === 500 || row === 600) {
      method = 'FAX';
      bad.set(line, /^codeMethod: /);
    } else if (row === 998) {
      phone = twice; // the last row's number too
      bad.set(line, new RegExp(`^phoneNumber: \\${twice} is on more than one row \\(lines 1000, 1001\\)$`));
      bad.set(1_001, new RegExp(`^phoneNumber: \\${twice} is on more than one row \\(lines 1000, 1001\\)$`));
    }
    const ivr = row % 50 === 1; // an IVR takes the code by voice: its method is left to the default
    lines.push([wabaId, portfolioId, phone, name, ivr ? '' : method, ivr ? 'true' : ''].join(','));
  }
  return { text: `${lines.join('\n')}\n`, bad, good: numbers[0] as string };
}

describe('import, list --summary, portfolio show, set-cap and reconcile (dev server, Graph sandbox)', () => {
  const t = useBench('dev');
  const unpolled = uniqueTaskQueue('import-unpolled');
  const importApi = useApi(t, { taskQueue: unpolled });
  const api = useApi(t);
  const dir = tempDir('import');
  let direct: Record<string, string | undefined>;
  beforeAll(() => {
    direct = {
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      TEMPORAL_TASK_QUEUE: t.bench.taskQueue,
      NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
      NUMBERFLOW_SECRETS_PUBLIC_KEY: TEST_SECRETS_PUBLIC_KEY,
    };
  });
  const asApi = (which: typeof api, token: string) => ({ NUMBERFLOW_URL: which.url, NUMBERFLOW_TOKEN: token });

  it('imports 1,000 rows with 20 bad: all 20 named by line, nothing started; --skip-invalid starts 980; again, none', async () => {
    const portfolioId = freshId();
    const file = join(dir, 'numbers.csv');
    const { text, bad, good } = thousandRows(t.bench.wabaId, portfolioId);
    writeFileSync(file, text);
    const env = asApi(importApi, importApi.tokens.onboarding);
    const results = join(dir, 'results.csv');

    const refused = await runCli(env, ['import', file, '--results', results]);
    expect(refused.failure?.message).toBe(
      '20 of 1000 rows are not valid; nothing was started (fix them, or give --skip-invalid to start the 980 valid rows)',
    );
    expect(refused.out).toEqual([]);
    // With --json the refusal is the same document on standard output, nothing started, each bad row in it.
    const refusedJson = await runCli(env, ['import', file, '--json']);
    expect(refusedJson.failure?.message).toMatch(/^20 of 1000 rows are not valid; nothing was started/);
    expect(JSON.parse(refusedJson.out.join('\n'))).toMatchObject({ rows: 1000, started: 0, invalid: 20 });
    expect(JSON.parse(refusedJson.out.join('\n')).invalidRows).toHaveLength(20);
    expect(refused.err.map((line) => Number(/^line (\d+): /.exec(line)?.[1]))).toEqual(
      [...bad.keys()].sort((a, b) => a - b),
    );
    for (const line of refused.err) {
      const number = Number(/^line (\d+): (.*)$/.exec(line)?.[1]);
      expect(line.replace(/^line \d+: /, '')).toMatch(bad.get(number) as RegExp);
    }
    await expect(t.env.client.workflow.getHandle(`number:${good}`).describe()).rejects.toThrow(WorkflowNotFoundError);
    expect(parse(readFileSync(results), { columns: true })).toHaveLength(20);

    const started = await runCli(env, ['import', file, '--skip-invalid', '--rate', '200', '--results', results]);
    expect(started.failure).toBeNull();
    expect(started.out).toEqual([
      `1000 rows: 980 started, 0 already running, 0 failed, 20 invalid (skipped); results in ${results}`,
    ]);
    const written = parse(readFileSync(results), { columns: true }) as Record<string, string>[];
    expect(written).toHaveLength(1_000);
    expect(written.filter((r) => r.outcome === 'started')).toHaveLength(980);
    expect(written.find((r) => r.e164 === good)).toMatchObject({
      line: '2',
      outcome: 'started',
      workflowId: `number:${good}`,
      stage: 'WAITING_FOR_CAPACITY',
      error: '',
    });
    expect(written.filter((r) => r.outcome === 'invalid').map((r) => Number(r.line))).toEqual(
      [...bad.keys()].sort((a, b) => a - b),
    );

    const again = await runCli(env, ['import', file, '--skip-invalid', '--rate', '200', '--json']);
    expect(again.failure).toBeNull();
    expect(JSON.parse(again.out.join('\n'))).toMatchObject({
      rows: 1_000,
      started: 0,
      alreadyRunning: 980,
      failed: 0,
      invalid: 20,
      resultsFile: null,
    });
  }, 240_000);

  it('says and writes what an import interrupted by Ctrl-C started; the same file again starts the rest', async () => {
    const portfolioId = freshId();
    const numbers = freshNumberBlock().slice(0, 150);
    const file = join(dir, 'interrupted.csv');
    const rows = numbers.map((n) => [t.bench.wabaId, portfolioId, n, 'Acme Support'].join(','));
    writeFileSync(file, `wabaId,portfolioId,phoneNumber,displayName\n${rows.join('\n')}\n`);
    const results = join(dir, 'interrupted-results.csv');
    const env = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...asApi(importApi, importApi.tokens.onboarding) };
    // At 5 starts a second, a request of 5 rows a second: stopped once 20 have started, mid-file.
    const cli = spawnCli(env, ['import', file, '--results', results, '--rate', '5', '--json']);
    const twentieth = t.env.client.workflow.getHandle(`number:${numbers[19] as string}`);
    for (
      let i = 0;
      i < 300 &&
      !(await twentieth.describe().then(
        () => true,
        () => false,
      ));
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    cli.child.kill('SIGINT');
    expect(await cli.exit(30_000)).toBe(130);
    const said =
      /interrupted \(SIGINT\): (\d+) rows of 150 answered, (\d+) started; (\d+) rows not answered \(those in flight may have started\); results in (.+) — the same file again starts each row once at most/.exec(
        cli.stderr(),
      );
    expect(said?.[4]).toBe(results);
    const [answered = 0, startedThen, unanswered = 0] = [1, 2, 3].map((i) => Number(said?.[i]));
    expect(answered).toBeGreaterThanOrEqual(15);
    expect(startedThen).toBe(answered);
    expect(answered + unanswered).toBe(150);
    // --json: the document still, on standard output, the rows not answered counted as failed.
    expect(JSON.parse(cli.stdout())).toEqual({
      rows: 150,
      started: answered,
      alreadyRunning: 0,
      alreadyEnded: 0,
      failed: unanswered,
      invalid: 0,
      resultsFile: results,
      invalidRows: [],
      interrupted: 'SIGINT',
    });
    const written = parse(readFileSync(results, 'utf8'), { columns: true }) as { outcome: string; error: string }[];
    expect(written).toHaveLength(150);
    expect(written.filter((r) => r.outcome === 'started')).toHaveLength(answered);
    expect(written.slice(answered).every((r) => r.outcome === 'failed' && r.error.includes('interrupted'))).toBe(true);
    // The same file again starts the rest, each once: those in flight at the stop may have started then.
    const again = await runCli(asApi(importApi, importApi.tokens.onboarding), ['import', file, '--rate', '500']);
    const counted = /^150 rows: (\d+) started, (\d+) already running, 0 failed, 0 invalid$/.exec(
      again.out.at(-1) ?? '',
    );
    const [startedNow = 0, running = 0] = [1, 2].map((i) => Number(counted?.[i]));
    expect(startedNow + running).toBe(150);
    expect(running).toBeGreaterThanOrEqual(answered);
    // The results file is never the file being imported.
    const same = await runCli(asApi(importApi, importApi.tokens.onboarding), ['import', file, '--results', file]);
    expect(same.failure?.message).toBe(
      `--results: "${file}" is the file being imported; name another file (nothing was started)`,
    );
  }, 120_000);

  it('API mode: a row the token may not start starts nothing without --skip-invalid, as a bad row does', async () => {
    const [inScope, outside, extraCells] = [freshNumber(), freshNumber(), freshNumber()];
    const file = join(dir, 'scoped.csv');
    writeFileSync(
      file,
      [
        'wabaId,portfolioId,phoneNumber,displayName,signupAt',
        `${t.bench.wabaId},${OTHER_PORTFOLIO},${inScope},Acme Support,`,
        `${t.bench.wabaId},${t.bench.portfolioId},${outside},Acme Support,`,
        `${t.bench.wabaId},${OTHER_PORTFOLIO},${freshNumber()},,`,
        ',,,,',
        `${t.bench.wabaId},${OTHER_PORTFOLIO},${extraCells},Acme Support,,extra`,
      ].join('\r\n'),
    );
    const env = asApi(importApi, importApi.tokens.elsewhere);
    const results = join(dir, 'scoped-results.csv');
    const refused = await runCli(env, ['import', file, '--results', results]);
    expect(refused.failure?.message).toBe(
      '3 of 4 rows are not valid; nothing was started (fix them, or give --skip-invalid to start the 1 valid row)',
    );
    expect(refused.err).toEqual([
      `line 3: portfolioId: ops@elsewhere may not start journeys in portfolio ${t.bench.portfolioId}`,
      'line 4: displayName: is required',
      'line 6: row: has 6 cells where the header names 5 columns',
    ]);
    for (const e164 of [inScope, outside]) {
      await expect(t.env.client.workflow.getHandle(`number:${e164}`).describe()).rejects.toThrow(WorkflowNotFoundError);
    }
    // Each refused row names its number, though another field was wrong.
    const written = parse(readFileSync(results), { columns: true }) as Record<string, string>[];
    expect(written.map((r) => [r.line, r.e164, r.outcome])).toEqual([
      ['3', outside, 'invalid'],
      ['4', expect.stringMatching(/^\+1/), 'invalid'],
      ['6', extraCells, 'invalid'],
    ]);

    const skipping = await runCli(env, ['import', file, '--skip-invalid', '--json']);
    expect(skipping.failure).toBeNull();
    expect(JSON.parse(skipping.out.join('\n'))).toMatchObject({ rows: 4, started: 1, failed: 0, invalid: 3 });
    await t.env.client.workflow.getHandle(`number:${inScope}`).terminate('test done');
  });

  it('refuses a file it cannot read as rows before anything starts', async () => {
    const env = asApi(importApi, importApi.tokens.onboarding);
    const unknownColumn = join(dir, 'columns.csv');
    writeFileSync(unknownColumn, 'wabaId,portfolioId,phone,displayName\n1,2,+14155550100,Acme\n');
    expect((await runCli(env, ['import', unknownColumn])).failure?.message).toMatch(
      /^.*columns\.csv: the header names "phone", not journey start fields; the columns are: wabaId, portfolioId, phoneNumber, /,
    );
    const allBad = join(dir, 'all-bad.csv');
    writeFileSync(allBad, 'wabaId,portfolioId,phoneNumber,displayName\n1,2,+1415555,Acme\n');
    expect((await runCli(env, ['import', allBad])).failure?.message).toBe(
      'its one row is not valid; nothing was started (fix it)',
    );
    // --skip-invalid with no valid row left starts nothing, and says so as a failure.
    const results = join(dir, 'all-bad-results.csv');
    const skipping = await runCli(env, ['import', allBad, '--skip-invalid', '--results', results]);
    expect(skipping.failure?.message).toBe('its one row is not valid; nothing was started (fix the file)');
    expect(skipping.out).toEqual([]);
    expect(parse(readFileSync(results), { columns: true })).toMatchObject([{ line: '2', outcome: 'invalid' }]);
    const noFormat = join(dir, 'numbers.txt');
    writeFileSync(noFormat, '{}\n');
    expect((await runCli(env, ['import', noFormat])).failure?.message).toBe(
      `cannot tell the format of ${noFormat}: name it .csv, .jsonl or .ndjson, or give --format`,
    );
    // A results file it could not write is said before anything starts (the good rows started, then it failed).
    const good = join(dir, 'good.csv');
    writeFileSync(good, 'wabaId,portfolioId,phoneNumber,displayName\n1,2,+14155550199,Acme\n');
    const nowhere = join(dir, 'no-such-folder', 'results.csv');
    expect((await runCli(env, ['import', good, '--results', nowhere])).failure?.message).toBe(
      `--results: cannot write "${nowhere}" (its folder does not exist): nothing was started`,
    );
    // A folder given as the results file: refused before the rows start (they started, then EISDIR).
    expect((await runCli(env, ['import', good, '--results', dir])).failure?.message).toBe(
      `--results: cannot write "${dir}" (it is a folder): nothing was started`,
    );
    // Text in another encoding is refused, not read with its accented letters lost (U+FFFD) and sent to review.
    const latin1 = join(dir, 'latin1.csv');
    const header = 'wabaId,portfolioId,phoneNumber,displayName\n';
    writeFileSync(
      latin1,
      Buffer.concat([Buffer.from(`${header}1,2,+14155550199,Acme\n1,2,+14155550198,Caf`), Buffer.from([0xe9, 0x0a])]),
    );
    expect((await runCli(env, ['import', latin1])).failure?.message).toBe(
      `${latin1}: line 3 is not UTF-8 text (a Latin-1 or Windows encoding?): save the file as UTF-8`,
    );
    const utf16 = join(dir, 'utf16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(header, 'utf16le')]));
    expect((await runCli(env, ['import', utf16])).failure?.message).toBe(
      `${utf16}: it is UTF-16 text: save it as UTF-8`,
    );
    // A file past 64 MiB is refused before it is read (it is read whole, and its rows parsed in memory).
    const huge = join(dir, 'huge.csv');
    writeFileSync(huge, header);
    truncateSync(huge, IMPORT_FILE_MAX_BYTES + 1); // sparse: no 64 MiB written
    expect((await runCli(env, ['import', huge])).failure?.message).toBe(
      `${huge}: it is over 64 MiB (65 MiB): split it; nothing was started`,
    );
    // Every row is checked and held before any starts: past 100,000 rows (about 534 MB) the file is refused.
    const many = join(dir, 'many.csv');
    const row = (i: number) => `1,2,+1415${String(5_550_000 + i).padStart(7, '0')},Acme\n`;
    writeFileSync(many, header + Array.from({ length: IMPORT_MAX_ROWS + 1 }, (_, i) => row(i)).join(''));
    expect((await runCli(env, ['import', many])).failure?.message).toBe(
      `${many}: it has 100,001 rows, over 100,000: split it; nothing was started`,
    );
    // A pipe has no size: one past 64 MiB is refused once 64 MiB were read, not read whole.
    const fifo = join(dir, 'piped.csv');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', [
      '-c',
      `{ printf '${header.trimEnd()}\\n'; head -c ${IMPORT_FILE_MAX_BYTES + 2 ** 20} /dev/zero | tr '\\0' '\\n'; } > ${fifo}`,
    ]);
    writer.on('error', () => undefined);
    expect((await runCli(env, ['import', fifo])).failure?.message).toBe(
      `${fifo}: it is over 64 MiB (read from a pipe): split it; nothing was started`,
    );
    writer.kill();
    const missing = await runCli(env, ['import', join(dir, 'nothing.csv')]);
    expect(missing.failure?.message).toMatch(/^cannot read .*nothing\.csv: ENOENT$/);
    await expect(runCli(env, ['import', noFormat, '--rate', '0'])).rejects.toThrow(
      /must be a number of starts a second/,
    );
  });

  it('imports JSON Lines directly through Temporal, sums up, shows the portfolio and sets its cap in both modes', async () => {
    await t.bench.run(async () => {
      const file = join(dir, 'numbers.jsonl');
      const row = (phoneNumber: string) =>
        JSON.stringify({
          wabaId: t.bench.wabaId,
          portfolioId: t.bench.portfolioId,
          phoneNumber,
          displayName: 'Acme Support',
        });
      const [first, second] = [freshNumber(), freshNumber()];
      // With the byte-order mark an editor may write first.
      writeFileSync(file, `\uFEFF${[row(first), '{"wabaId": ', '', row(second)].join('\n')}`);
      const imported = await runCli(direct, ['import', file, '--skip-invalid', '--json']);
      expect(imported.err).toEqual(['line 2: row: is not a JSON object on one line']);
      expect(JSON.parse(imported.out.join('\n'))).toMatchObject({ rows: 3, started: 2, invalid: 1 });

      // The summary counts from visibility; the journeys move on with the worker, so only the totals are sure.
      let summary: { portfolios: { portfolioId: string; total: number }[]; waitingTotal: number } | undefined;
      for (let attempt = 0; attempt < 100; attempt++) {
        const listed = await runCli(direct, ['list', '--summary', '--portfolio', t.bench.portfolioId, '--json']);
        summary = JSON.parse(listed.out.join('\n')) as typeof summary;
        if (summary?.portfolios[0]?.total === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(summary?.portfolios).toEqual([expect.objectContaining({ portfolioId: t.bench.portfolioId, total: 2 })]);
      const human = await runCli(direct, ['list', '--summary', '--portfolio', t.bench.portfolioId]);
      expect(human.out[0]).toMatch(new RegExp(`^portfolio ${t.bench.portfolioId}: 2 running — `));
      expect(human.out[1]).toMatch(/^waiting for a person: \d+$/);
      const mixed = runCli(direct, ['list', '--summary', '--stage', 'LIVE']);
      await expect(mixed).rejects.toThrow('--summary counts every stage: give it without --stage and --awaiting-input');

      let shown: Run = { out: [], err: [], failure: null };
      for (let attempt = 0; attempt < 200 && !shown.out.includes('holding slots (2):'); attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100)); // the journeys ask for slots
        shown = await runCli(direct, ['portfolio', 'show', t.bench.portfolioId]);
      }
      expect(shown.out[0]).toMatch(
        new RegExp(
          `^portfolio ${t.bench.portfolioId}: cap \\d+ registered numbers, from Meta's business_capability_update`,
        ),
      );
      expect(shown.out).toEqual(
        expect.arrayContaining([
          'holding slots (2):',
          expect.stringMatching(new RegExp(`^  \\${first}\\tnumber:\\${first}\\tsince `)),
          'queue (0):',
        ]),
      );

      const set = await runCli(direct, [
        ...['portfolio', 'set-cap', t.bench.portfolioId, '5', '--reason', 'verified', '--by', 'ops@acme'],
      ]);
      expect(set.out).toEqual([`accepted: the cap of portfolio ${t.bench.portfolioId} is now 5`]);
      const after = await runCli(direct, ['portfolio', 'show', t.bench.portfolioId, '--json']);
      expect(JSON.parse(after.out.join('\n'))).toMatchObject({
        cap: 5,
        capSource: { source: 'admin', actor: 'ops@acme', reason: 'verified' },
      });

      const viaApi = await runCli(asApi(api, api.tokens.admin), [
        ...['portfolio', 'set-cap', t.bench.portfolioId, '7', '--reason', 'raised by Meta'],
      ]);
      expect(viaApi.out).toEqual([`accepted: the cap of portfolio ${t.bench.portfolioId} is now 7`]);
      const shownViaApi = await runCli(asApi(api, api.tokens.auditor), ['portfolio', 'show', t.bench.portfolioId]);
      expect(shownViaApi.out[0]).toMatch(/cap 7 registered numbers, set by admin@test: raised by Meta \(/);
      const operator = runCli(asApi(api, api.tokens.operator), [
        ...['portfolio', 'set-cap', t.bench.portfolioId, '9', '--reason', 'no'],
      ]);
      await expect(operator).rejects.toThrow('this needs the admin role; operator@test has operator');
      await expect(runCli(direct, ['portfolio', 'set-cap', t.bench.portfolioId, '0', '--reason', 'x'])).rejects.toThrow(
        /must be a whole number from 1 to 100000/,
      );
      // Direct mode takes --role as remove does: an admin's is taken, an operator's refused.
      const asAdmin = ['portfolio', 'set-cap', t.bench.portfolioId, '6', '--reason', 'verified', '--role', 'admin'];
      expect((await runCli(direct, asAdmin)).out).toEqual([
        `accepted: the cap of portfolio ${t.bench.portfolioId} is now 6`,
      ]);
      // Two admins at the same moment: each hears at once that theirs was taken (not "still shows"), the one taken
      // first that the other's replaced it.
      const [ann, bob] = await Promise.all([
        runCli(direct, ['portfolio', 'set-cap', t.bench.portfolioId, '8', '--reason', 'ann', '--by', 'ann@acme']),
        runCli(direct, ['portfolio', 'set-cap', t.bench.portfolioId, '9', '--reason', 'bob', '--by', 'bob@acme']),
      ]);
      const lines = [...ann.out, ...bob.out];
      expect(lines.every((line) => line.startsWith('accepted: '))).toBe(true);
      const final = JSON.parse(
        (await runCli(direct, ['portfolio', 'show', t.bench.portfolioId, '--json'])).out.join('\n'),
      ) as {
        cap: number;
      };
      expect(lines).toContain(`accepted: the cap of portfolio ${t.bench.portfolioId} is now ${final.cap}`);
      const asOperator = runCli(direct, [...asAdmin.slice(0, -1), 'operator']);
      expect((await asOperator).failure?.message).toBe("refused: only an admin sets a portfolio's cap");
      const none = runCli(asApi(api, api.tokens.auditor), ['portfolio', 'show', freshId()]);
      await expect(none).rejects.toThrow(/^no portfolio \d+$/);

      // The same file again: one journey still runs, the other was terminated and is said to have ended.
      await t.bench.env.client.workflow.getHandle(`number:${first}`).terminate('import test');
      // An admin's reconciliation now frees the terminated journey's slot, instead of the hour's wait; in both modes.
      const reconcile = ['portfolio', 'reconcile', t.bench.portfolioId, '--reason', 'a journey was terminated'];
      const reconciled = await runCli(direct, [...reconcile, '--by', 'ops@acme']);
      expect(reconciled.out).toEqual([
        expect.stringMatching(
          new RegExp(`^accepted: portfolio ${t.bench.portfolioId} reconciled at \\S+: 2 holders checked, 1 freed, `),
        ),
      ]);
      const noted = await runCli(asApi(api, api.tokens.auditor), ['portfolio', 'show', t.bench.portfolioId]);
      expect(noted.out).toEqual(
        expect.arrayContaining([
          'holding slots (1):',
          expect.stringMatching(/ ops@acme asked for a reconciliation now: a journey was terminated$/),
        ]),
      );
      const reconciledViaApi = await runCli(asApi(api, api.tokens.admin), reconcile);
      expect(reconciledViaApi.out[0]).toMatch(/^accepted: portfolio \d+ reconciled at \S+: 1 holder checked, 0 freed/);
      await expect(runCli(asApi(api, api.tokens.operator), reconcile)).rejects.toThrow(
        'this needs the admin role; operator@test has operator',
      );
      expect((await runCli(direct, [...reconcile, '--role', 'operator'])).failure?.message).toBe(
        'refused: only an admin asks for a reconciliation',
      );
      const again = await runCli(direct, ['import', file, '--skip-invalid', '--json']);
      expect(JSON.parse(again.out.join('\n'))).toMatchObject({
        rows: 3,
        started: 0,
        alreadyRunning: 1,
        alreadyEnded: 1,
      });
      expect(again.err).toContain(
        `line 1: ${first}: the journey this row started has ended (FAILED); the same row does not start another — \`numberflow start\` onboards the number again`,
      );
    });
  }, 180_000);
});
