import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { exportRowSchema, timelineSchema } from '../../src/audit/index.js';
import { cancelUpdate, submitOtpUpdate } from '../../src/domain/messages.js';
import { buildCli } from '../../src/starter.js';
import { useBench } from '../support/bench.js';
import { root, runCliWith, tempDir } from '../support/processes.js';
import { TEST_CODEC_KEYS } from '../support/temporal.js';

describe("the auditor's command line (dev server + Graph sandbox)", () => {
  const t = useBench('dev');
  const dir = tempDir('audit-cli');
  let e164: string;
  let since: string;
  beforeAll(async () => {
    // The CLI reads its connection from the environment, as it would on an auditor's machine.
    Object.assign(process.env, {
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      TEMPORAL_TASK_QUEUE: t.bench.taskQueue,
      NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
    });
    since = new Date(Date.now() - 1_000).toISOString();
    await t.bench.run(async () => {
      const input = t.bench.input();
      e164 = input.phoneNumber.e164;
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitOtpUpdate, { args: [{ code: '000001', actor: 'operator@acme' }] });
      await handle.executeUpdate(cancelUpdate, { args: [{ actor: 'ops@acme', reason: 'audit test' }] });
      await handle.result().catch(() => undefined);
    });
  });

  async function cli(...args: string[]): Promise<string> {
    const lines: string[] = [];
    await buildCli((line) => lines.push(line), { throwOnExit: true }).parseAsync(args, { from: 'user' });
    return lines.join('\n');
  }

  /** The command once visibility lists the closed run (it lags behind history). */
  async function settled(run: () => Promise<string>, done: (text: string) => boolean): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const text = await run().catch((err: unknown) => String(err));
      if (done(text) || attempt > 100) return text;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("prints a number's timeline as JSON, as Markdown, and writes it as a printable HTML page", async () => {
    const json = await settled(
      () => cli('audit', e164),
      (text) => text.includes('"outcome": "CANCELLED"'),
    );
    const timeline = timelineSchema.parse(JSON.parse(json));
    expect(timeline.entries).toContainEqual(
      expect.objectContaining({ actor: 'operator@acme', outcome: 'refused: code wrong, 2 attempts left' }),
    );
    expect(await cli('audit', e164, '--format', 'markdown')).toMatch(new RegExp(`^# Audit of \\${e164}\\n`));
    const file = join(dir, 'audit.html');
    expect(await cli('audit', e164, '--format', 'html', '--output', file)).toBe(
      `wrote the audit of ${e164} to ${file}`,
    );
    expect(readFileSync(file, 'utf8')).toMatch(/^<!doctype html>[\s\S]*cancelled by ops@acme: audit test/);
  });

  it("exports the portfolio's journeys as NDJSON and as CSV", async () => {
    const ndjsonFile = join(dir, 'export.ndjson');
    const csvFile = join(dir, 'export.csv');
    const window = ['--portfolio', t.bench.portfolioId, '--since', since];
    expect(await cli('audit', ...window, '--output', ndjsonFile)).toBe(
      `wrote the export of portfolio ${t.bench.portfolioId} to ${ndjsonFile}`,
    );
    const rows = readFileSync(ndjsonFile, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => exportRowSchema.parse(JSON.parse(line)));
    expect(rows.map((r) => r.e164)).toEqual(rows.map(() => e164));
    expect(rows.at(-1)).toMatchObject({ kind: 'ended', outcome: 'CANCELLED', actor: 'ops@acme' });
    await cli('audit', ...window, '--until', new Date().toISOString(), '--format', 'csv', '--output', csvFile);
    const records = parse(readFileSync(csvFile, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(records.map((r) => r.what)).toEqual(rows.map((r) => r.what));
    // For a spreadsheet: the same file after a byte-order mark (none unless asked; refused for anything but csv).
    expect(readFileSync(csvFile, 'utf8').startsWith('\uFEFF')).toBe(false);
    const marked = join(dir, 'export-bom.csv');
    await cli('audit', ...window, '--until', new Date().toISOString(), '--format', 'csv', '--bom', '--output', marked);
    expect(readFileSync(marked, 'utf8')).toBe(`\uFEFF${readFileSync(csvFile, 'utf8')}`);
    await expect(cli('audit', ...window, '--bom')).rejects.toThrow('--bom is for a portfolio exported as csv');
    await expect(cli('audit', e164, '--bom')).rejects.toThrow('--bom is for a portfolio exported as csv');
    // A file that cannot be written is refused before anything is read, in words.
    const missing = join(dir, 'no-such-folder', 'export.csv');
    await expect(cli('audit', ...window, '--output', missing)).rejects.toThrow(
      `cannot write to ${missing}: its folder does not exist`,
    );
    await expect(cli('audit', e164, '--output', dir)).rejects.toThrow(`cannot write to ${dir}: it is a folder`);
    const underFile = join(ndjsonFile, 'x.csv');
    await expect(cli('audit', e164, '--output', underFile)).rejects.toThrow(
      `cannot write to ${underFile}: ${ndjsonFile} is a file, not a folder`,
    );
    // A portfolio never seen is refused, as the API refuses it, rather than written as an empty export.
    await expect(
      cli('audit', '--portfolio', '999000111', '--since', since, '--output', join(dir, 'none.ndjson')),
    ).rejects.toThrow('no portfolio 999000111: no journey was ever started in it');
  });

  it('refuses bad options before connecting, saying what is allowed', async () => {
    const refusal = (...args: string[]) =>
      cli('audit', ...args).then(
        () => 'accepted',
        (err: unknown) => {
          expect(err).toBeInstanceOf(CommanderError);
          expect((err as CommanderError).exitCode).not.toBe(0);
          return (err as CommanderError).message;
        },
      );
    // Nothing answers here: a refusal that came after connecting would be a connection error instead.
    const saved = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
    try {
      expect(await refusal(e164, '--format', 'pdf')).toMatch(
        /argument 'pdf' is invalid\. Allowed choices are json, markdown, html, ndjson, csv/,
      );
      expect(await refusal(e164, '--format', 'csv')).toBe(
        "error: a number's timeline is printed as json, markdown, html, not csv",
      );
      expect(await refusal('--portfolio', '12ab', '--since', '2026-01-01')).toMatch(/must be a numeric Graph id/);
      expect(await refusal('--portfolio', '123', '--since', 'yesterday')).toMatch(/an ISO 8601 date or time/);
      expect(await refusal('--portfolio', '123')).toBe(
        'error: --portfolio needs --since (and takes --until, now by default)',
      );
      expect(await refusal('--portfolio', '123', '--since', '2026-02-01', '--until', '2026-01-01')).toMatch(
        /^error: --since 2026-02-01T00:00:00.000Z is not before --until 2026-01-01T00:00:00.000Z$/,
      );
      expect(await refusal('--portfolio', '123', '--since', '2026-12-06', '--until', '2026-12-06')).toBe(
        'error: --since 2026-12-06T00:00:00.000Z is not before --until 2026-12-06T00:00:00.000Z (a date alone is midnight UTC)',
      );
      expect(await refusal('--portfolio', '123', '--since', '2999-01-01')).toMatch(
        /^error: --since 2999-01-01T00:00:00.000Z is not before now \(\S+Z; --until not given\)$/,
      );
      expect(await refusal('--portfolio', '123', '--since', '2026-01-01', '--format', 'html')).toBe(
        'error: a portfolio is exported as ndjson, csv, not html',
      );
      expect(await refusal(e164, '--portfolio', '123')).toBe('error: give either a number or --portfolio, not both');
      expect(await refusal(e164, '--since', '2026-01-01')).toBe(
        'error: --since and --until go with --portfolio, not with a number',
      );
      expect(await refusal()).toBe('error: give a number (+14155552671) or --portfolio <id>');
      expect(await refusal('not-a-number')).toMatch(/not-a-number/);
    } finally {
      process.env.TEMPORAL_ADDRESS = saved;
    }
  });

  it('exits non-zero as a process on a bad option, and shows no progress bar off a terminal', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
    };
    const refused = await runCliWith(env, ['audit', e164, '--format', 'pdf']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("argument 'pdf' is invalid");
    const file = join(dir, 'piped.csv');
    const exported = await runCliWith(env, [
      'audit',
      '--portfolio',
      t.bench.portfolioId,
      '--since',
      since,
      '--format',
      'csv',
      '--output',
      file,
    ]);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(file, 'utf8').split('\n')[0]).toMatch(
      /^e164,workflowId,runId,at,kind,stage,actor,what,outcome/,
    );
  });

  // util-linux's `script` gives the command a terminal, as a person running it has.
  it.skipIf(!existsSync('/usr/bin/script'))(
    'shows a progress bar on standard error when it is a terminal',
    async () => {
      const file = join(dir, 'on-a-terminal.ndjson');
      const command = [
        process.execPath,
        '--import',
        'tsx',
        'src/starter.ts',
        'audit',
        '--portfolio',
        t.bench.portfolioId,
        '--since',
        since,
        '--output',
        file,
      ];
      const { stdout } = await promisify(execFile)('/usr/bin/script', ['-qec', command.join(' '), '/dev/null'], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          TEMPORAL_ADDRESS: inject('devServerAddress'),
          NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
        },
        timeout: 60_000,
      });
      expect(stdout).toMatch(/exporting .* 1\/1 journey runs/);
      expect(readFileSync(file, 'utf8')).toContain('"outcome":"CANCELLED"');
    },
  );
});
