// The auditor's routes (a number's timeline, a portfolio's export) and the admin's PIN reveal, over HTTP: a number
// taken to LIVE with a wrong code on the way, its PIN read back by an admin, removed at an admin's request; two more
// journeys of the portfolio cancelled while they wait for their code. No answer holds a code, a PIN or a token,
// except the reveal's own.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { csvColumns, exportRowSchema, timelineSchema, type ExportRow, type Timeline } from '../../src/audit/index.js';
import { RUNS_READ_AHEAD } from '../../src/audit/export.js';
import type { JourneyView } from '../../src/domain/journey.js';
import { PrincipalDirectory } from '../../src/http/auth/directory.js';
import { buildCli } from '../../src/starter.js';
import { capturedLogger } from '../http/support.js';
import { useBench } from '../support/bench.js';
import { gatedHistoryClient, type HistoryGate } from '../support/history-gate.js';
import { freshNumber } from '../support/journeys.js';
import { tempDir } from '../support/processes.js';
import { leaked } from '../support/secrets-scan.js';
import { sealingOnlyClient } from '../support/temporal.js';
import { useApi, type Answer, type Who } from './support.js';
import { harnessHttpApp } from '../support/http-app.js';

interface ErrorAnswer {
  error: { code: string; message: string; problems: { in: string; field: string; message: string }[] };
}

const REASON = 'moving the number to another BSP';

describe("the auditor's timeline and export, and the admin's PIN reveal, over HTTP (dev server, worker, sandbox)", () => {
  const t = useBench('dev');
  let gate: HistoryGate;
  beforeAll(async () => {
    gate = await gatedHistoryClient(inject('devServerAddress'));
  });
  afterAll(async () => gate?.close());
  const log = capturedLogger();
  const api = useApi(t, { client: () => gate.client, logger: log.logger });

  const since = new Date(Date.now() - 1_000);
  let e164: string;
  let others: string[];
  let pin: string;
  let secrets: string[];
  const answers: Record<string, Answer<unknown>> = {};
  let notesAfterReveal: JourneyView['notes'];

  const act = (number: string, action: string, body: unknown, as: Who = 'operator') =>
    api.call<{ outcome: string }>('POST', `/v1/journeys/${number}/${action}`, { as, body });
  const reveal = (as: Who, body: unknown = { reason: REASON }) =>
    api.call('POST', `/v1/journeys/${e164}/pin-reveal`, { as, body });
  const auditOf = (number: string, as: Who = 'auditor', query = '', headers: Record<string, string> = {}) =>
    api.call<string | Timeline>('GET', `/v1/journeys/${number}/audit${query}`, { as, headers });
  /** Every answer body, for the secrets scan. */
  const bodyText = (answer: Answer<unknown>) =>
    typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const expectNoSecret = (answer: Answer<unknown>) => expect(leaked(bodyText(answer), secrets)).toEqual([]);

  beforeAll(async () => {
    await t.bench.run(async () => {
      e164 = await api.start();
      const { phoneNumberId } = await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const wrong = code === '000000' ? '111111' : '000000';
      expect((await act(e164, 'otp', { code: wrong })).body.outcome).toBe('refused');
      await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP after the wrong code');
      expect((await act(e164, 'otp', { code })).body.outcome).toBe('accepted');
      await api.until(e164, (v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      t.bench.sandbox.admin.decideDisplayName(phoneNumberId as string, 'APPROVED');
      await t.bench.sandbox.admin.flushWebhooks();
      await api.until(e164, (v) => v.stage === 'LIVE', 'LIVE');
      pin = t.bench.sandbox.admin.twoStepPin(e164) as string;

      answers.byOperator = await reveal('operator');
      answers.elsewhere = await reveal('elsewhere');
      answers.withoutReason = await reveal('admin', { reason: ' ' });
      answers.revealed = await reveal('admin');
      notesAfterReveal = (await api.until(e164, (v) => v.notes.length > 0, 'the reveal noted')).notes;

      expect((await act(e164, 'removal', { reason: 'number retired' }, 'admin')).body.outcome).toBe('pending');
      await api.until(e164, (v) => v.waiting?.for === 'admin', 'waiting for the deletion');
      t.bench.sandbox.admin.deleteNumber(phoneNumberId as string);
      expect((await act(e164, 'deletion-confirmation', {})).body.outcome).toBe('accepted');
      await api.until(e164, (v) => v.result?.outcome === 'REMOVED', 'REMOVED');
      answers.afterEnd = await reveal('admin');

      others = [await api.start(), await api.start()];
      const otherIds: string[] = [];
      for (const number of others) {
        const view = await api.until(number, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
        otherIds.push(view.phoneNumberId as string);
        await act(number, 'cancel', { reason: 'a test of the export' });
        await api.until(number, (v) => v.result !== null, 'cancelled');
      }
      const codes = [phoneNumberId as string, ...otherIds].flatMap((id) =>
        t.bench.sandbox.admin.outbox({ phoneNumberId: id }).map((entry) => entry.code),
      );
      secrets = [...new Set([...codes, wrong, pin, t.bench.graphToken])];
    });
  });

  it('reveals the two-step PIN to an admin, noted in the journey with who and why, never cached or logged', () => {
    expect(pin).toMatch(/^\d{6}$/);
    expect(answers.revealed).toMatchObject({ status: 200, body: { pin } });
    expect(answers.revealed?.headers.get('cache-control')).toBe('no-store');
    expect(notesAfterReveal).toContainEqual(
      expect.objectContaining({ actor: 'admin@test', what: `PIN revealed to admin@test: ${REASON}` }),
    );
    const lines = log.lines.filter((line) => line.includes('two-step PIN revealed'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ e164, actor: 'admin@test', role: 'admin', reason: REASON });
    expect(leaked(log.lines.join('\n'), secrets)).toEqual([]); // the PIN, the codes, the token
  });

  it('refuses the reveal to an operator, to an admin of another portfolio, without a reason, and once the journey has ended', () => {
    expect(answers.byOperator).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: 'this needs the admin role; operator@test has operator' } },
    });
    expect(answers.elsewhere).toMatchObject({ status: 404, body: { error: { message: `no journey for ${e164}` } } });
    expect(answers.withoutReason).toMatchObject({
      status: 400,
      body: { error: { problems: [{ in: 'body', field: 'reason', message: 'is required: say why' }] } },
    });
    const ended = answers.afterEnd as Answer<ErrorAnswer>;
    expect(ended.status).toBe(409);
    expect(ended.body.error).toMatchObject({ code: 'conflict' });
    expect(ended.body.error.message).toBe(
      `the journey of ${e164} has ended (REMOVED) and reveals no PIN; if it set one, the number's next journey in the same portfolio tries that PIN by itself when Meta asks for the old one (133005)`,
    );
    for (const answer of [answers.byOperator, answers.elsewhere, answers.withoutReason, ended]) {
      expectNoSecret(answer as Answer);
    }
  });

  it('answers 501 naming NUMBERFLOW_SECRETS_KEY where the service holds only the public secrets key', async () => {
    const sealingOnly = sealingOnlyClient(t.env.client);
    const service = await harnessHttpApp(t.bench, {
      client: sealingOnly,
      principals: PrincipalDirectory.fromFile(api.tokenFile),
    });
    try {
      const answer = await service.inject({
        method: 'POST',
        url: `/v1/journeys/${others[0]}/pin-reveal`,
        headers: { authorization: `Bearer ${api.tokens.admin}` },
        payload: { reason: REASON },
      });
      expect(answer.statusCode).toBe(501);
      expect(leaked(answer.body, secrets)).toEqual([]);
      expect(answer.json<ErrorAnswer>().error).toMatchObject({
        code: 'not_configured',
        message: expect.stringContaining('reveal it where NUMBERFLOW_SECRETS_KEY is set'),
      });
    } finally {
      await service.close();
    }
  });

  it("answers the number's timeline as JSON: who did what, with Meta's answers, across the journey", async () => {
    // The timeline reads what the journey noted about its signals through its query, which a worker answers.
    await t.bench.run(async () => {
      const answer = await auditOf(e164);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const timeline = timelineSchema.parse(answer.body);
      expect(timeline).toMatchObject({ e164, workflowId: `number:${e164}`, gaps: [] });
      expect(timeline.runs).toHaveLength(1);
      const entry = (expected: Record<string, unknown>) =>
        expect(timeline.entries).toContainEqual(expect.objectContaining(expected));
      entry({ kind: 'started', actor: 'onboarding@test' });
      entry({
        kind: 'action',
        actor: 'operator@test',
        what: 'submitted a code (update)',
        outcome: 'refused: code wrong, 2 attempts left',
        attemptsLeft: 2,
      });
      entry({
        kind: 'graph_call',
        endpoint: 'POST /{phone-number-id}/verify_code',
        meta: expect.objectContaining({ code: 136025 }),
      });
      entry({
        kind: 'action',
        actor: 'admin@test',
        what: `read back the two-step PIN as admin: ${REASON}`,
        outcome: 'answered with the PIN (never shown)',
      });
      entry({ kind: 'action', actor: 'admin@test', what: 'asked to remove the number as admin: number retired' });
      entry({
        kind: 'action',
        actor: 'operator@test',
        what: 'confirmed that the number was deleted in WhatsApp Manager',
      });
      entry({ kind: 'ended', stage: 'REMOVED', actor: 'admin@test' });
      expectNoSecret(answer);
    });
  });

  it('answers Markdown and the printable HTML page, by ?format= or by the Accept header', async () => {
    await t.bench.run(async () => {
      const markdown = await auditOf(e164, 'auditor', '?format=markdown');
      const byAccept = await auditOf(e164, 'admin', '', { accept: 'text/markdown' });
      for (const answer of [markdown, byAccept]) {
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
        expect(answer.body).toMatch(new RegExp(`^# Audit of \\+${e164.slice(1)}\\n`));
        expect(answer.body).toContain(
          '| operator@test | submitted a code (update) | refused: code wrong, 2 attempts left |',
        );
        expectNoSecret(answer);
      }
      const page = await auditOf(e164, 'auditor', '', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'unsafe-inline'/);
      expect(page.body).toMatch(/^<!doctype html>/);
      expect(page.body).toContain('<td>admin@test</td>');
      expectNoSecret(page);
      const json = await auditOf(e164, 'auditor', '?format=json', { accept: 'text/html' });
      expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8'); // ?format= wins
      const unknown = await auditOf(e164, 'auditor', '', { accept: 'image/png' });
      expect(unknown.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const refused = await auditOf(e164, 'auditor', '?format=pdf');
      expect(refused.status).toBe(400);
      expect((refused.body as unknown as ErrorAnswer).error.problems[0]).toMatchObject({
        in: 'query',
        field: 'format',
      });
    });
  });

  it('keeps the timeline from roles that do not audit and from principals of other portfolios', async () => {
    for (const who of ['operator', 'onboarding'] as const) {
      const answer = await auditOf(e164, who);
      expectNoSecret(answer);
      expect(answer.status).toBe(403);
      expect((answer.body as unknown as ErrorAnswer).error.message).toMatch(/^this needs the auditor or admin role/);
    }
    const elsewhere = await auditOf(e164, 'elsewhere');
    expectNoSecret(elsewhere);
    expect(elsewhere).toMatchObject({ status: 404, body: { error: { message: `no journey for ${e164}` } } });
    expect((await auditOf(freshNumber())).status).toBe(404);
  });

  it('streams the portfolio export as NDJSON, sending the first rows before the last history is read', async () => {
    const portfolio = t.bench.portfolioId;
    const exportPath = (query: string) => `/v1/portfolios/${portfolio}/export?since=${since.toISOString()}${query}`;
    await t.bench.run(async () => {
      // Visibility lists a run a moment after its start: wait until it shows all three.
      for (let i = 0; i < 100 && (await exportedNumbers(exportPath(''))).size < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      gate.hold(1);
      const response = await fetch(`${api.url}${exportPath('&format=ndjson')}`, {
        headers: { authorization: `Bearer ${api.tokens.auditor}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(response.headers.get('content-disposition')).toMatch(
        new RegExp(`^attachment; filename="portfolio-${portfolio}-\\d{8}T\\d{6}Z-\\d{8}T\\d{6}Z\\.ndjson"$`),
      );
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('\n')) text += decoder.decode((await reader.read()).value, { stream: true });
      // A whole row has come while the other histories are still unread: the export is sent as it is read, the
      // runs after it read meanwhile (a few at once).
      expect(exportRowSchema.parse(JSON.parse(text.slice(0, text.indexOf('\n'))))).toMatchObject({ kind: 'started' });
      const readAtOnce = Math.min(3, RUNS_READ_AHEAD);
      for (let i = 0; i < 100 && gate.counts().asked < readAtOnce; i++) await new Promise((r) => setTimeout(r, 20));
      expect(gate.counts()).toEqual({ asked: readAtOnce, answered: 1 });
      gate.open();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        text += decoder.decode(chunk.value, { stream: true });
      }
      const rows = text
        .trimEnd()
        .split('\n')
        .map((line) => exportRowSchema.parse(JSON.parse(line)));
      expect(new Set(rows.map((row) => row.e164))).toEqual(new Set([e164, ...others]));
      expect(rows).toContainEqual(
        expect.objectContaining({ e164, kind: 'action', actor: 'operator@test', attemptsLeft: 2 }),
      );
      for (const number of others) {
        expect(rows).toContainEqual(
          expect.objectContaining({
            e164: number,
            kind: 'action',
            actor: 'operator@test',
            what: expect.stringMatching(/^asked to cancel/),
          }),
        );
      }
      expect(leaked(text, secrets)).toEqual([]);

      const csv = await api.call<string>('GET', exportPath('&format=csv'), { as: 'admin' });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toMatch(/\.csv"$/);
      const records = parse(csv.body, { columns: true }) as Record<string, string>[];
      expect(Object.keys(records[0] ?? {})).toEqual([...csvColumns]);
      expect(records).toHaveLength(rows.length);
      expect(records).toContainEqual(
        expect.objectContaining({ e164, endpoint: 'POST /{phone-number-id}/verify_code', metaCode: '136025' }),
      );
      expectNoSecret(csv);
      // The mark, as bytes (a text decoder drops it, as fetch's does).
      const marked = await fetch(`${api.url}${exportPath('&format=csv&bom=true')}`, {
        headers: { authorization: `Bearer ${api.tokens.admin}` },
      });
      expect(marked.status).toBe(200);
      const bytes = Buffer.from(await marked.arrayBuffer());
      expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(bytes.subarray(3).toString('utf8')).toBe(csv.body);
      const refused = await api.call<{ error: { message: string } }>('GET', exportPath('&bom=true'), { as: 'admin' });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain('bom: is for format=csv only');
    });
  });

  it('refuses an export window that is not one, a role that does not audit, and a portfolio not its own', async () => {
    const portfolio = t.bench.portfolioId;
    const refusal = async (query: string, as: Who = 'auditor') => {
      const answer = await api.call<ErrorAnswer>('GET', `/v1/portfolios/${portfolio}/export${query}`, { as });
      expectNoSecret(answer);
      return { status: answer.status, problems: answer.body.error.problems, message: answer.body.error.message };
    };
    expect(await refusal('')).toMatchObject({
      status: 400,
      problems: [{ in: 'query', field: 'since', message: expect.stringMatching(/^is required: an ISO 8601 date/) }],
    });
    expect(await refusal('?since=yesterday')).toMatchObject({
      status: 400,
      problems: [{ in: 'query', field: 'since', message: expect.stringMatching(/ISO 8601/) }],
    });
    expect(await refusal('?since=2026-02-01&until=2026-01-01')).toMatchObject({
      status: 400,
      problems: [{ in: 'query', field: 'since', message: 'must be before until (2026-01-01T00:00:00.000Z)' }],
    });
    expect(await refusal('?since=2026-01-01&until=a&until=b')).toMatchObject({
      status: 400,
      problems: [{ in: 'query', field: 'until', message: 'is given more than once' }],
    });
    expect(await refusal('?since=2026-01-01&format=xlsx')).toMatchObject({
      status: 400,
      problems: [{ in: 'query', field: 'format', message: 'must be one of ndjson, csv' }],
    });
    expect(await refusal('?since=2026-01-01', 'operator')).toMatchObject({ status: 403 });
    expect(await refusal('?since=2026-01-01', 'elsewhere')).toMatchObject({
      status: 404,
      message: `no portfolio ${portfolio}`,
    });
    // A portfolio never seen is not found; one seen, over a window with nothing in it, is an empty export.
    const unknown = await api.call<ErrorAnswer>('GET', '/v1/portfolios/999000111/export?since=2026-01-01', {
      as: 'auditor',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('no portfolio 999000111: no journey was ever started in it');
    const quiet = await api.call('GET', `/v1/portfolios/${portfolio}/export?since=2020-01-01&until=2020-01-02`, {
      as: 'auditor',
    });
    expect(quiet.status).toBe(200);
    expect(quiet.body).toBe('');
  });

  it('serves the command line’s audit when NUMBERFLOW_URL and NUMBERFLOW_TOKEN are set', async () => {
    const cli = async (who: Who, ...args: string[]) => {
      const lines: string[] = [];
      const env = { NUMBERFLOW_URL: api.url, NUMBERFLOW_TOKEN: api.tokens[who] };
      await buildCli((line) => lines.push(line), { throwOnExit: true, env }).parseAsync(args, { from: 'user' });
      return lines.join('\n');
    };
    await t.bench.run(async () => {
      const markdown = await cli('auditor', 'audit', e164, '--format', 'markdown');
      expect(markdown).toMatch(new RegExp(`^# Audit of \\${e164}\\n`));
      expect(markdown).toContain(
        '| operator@test | submitted a code (update) | refused: code wrong, 2 attempts left |',
      );
      const file = join(tempDir('audit-cli-api'), 'export.csv');
      const window = ['--portfolio', t.bench.portfolioId, '--since', since.toISOString()];
      await cli('auditor', 'audit', ...window, '--format', 'csv', '--bom', '--output', file);
      expect(readFileSync(file, 'utf8').startsWith('\uFEFF')).toBe(true); // the mark through the API too
      const records = parse(readFileSync(file, 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
      expect(new Set(records.map((record) => record.e164))).toEqual(new Set([e164, ...others]));
      // A portfolio never seen: refused, and a file already there is left as it was.
      writeFileSync(file, 'kept\n');
      await expect(
        cli('auditor', 'audit', '--portfolio', '999000111', '--since', since.toISOString(), '--output', file),
      ).rejects.toThrow('no portfolio 999000111: no journey was ever started in it');
      expect(readFileSync(file, 'utf8')).toBe('kept\n');
      await expect(cli('operator', 'audit', e164)).rejects.toThrow(
        'this needs the auditor or admin role; operator@test has operator',
      );
    });
  });

  /** The numbers an NDJSON export of `path` holds now. */
  async function exportedNumbers(path: string): Promise<Set<string>> {
    const answer = await api.call<string>('GET', path, { as: 'auditor' });
    expect(answer.status).toBe(200);
    const rows: ExportRow[] = answer.body
      .split('\n')
      .filter(Boolean)
      .map((line) => exportRowSchema.parse(JSON.parse(line)));
    return new Set(rows.map((row) => row.e164));
  }
});
