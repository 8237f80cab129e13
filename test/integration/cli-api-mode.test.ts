// The command line in API mode, as an operator's machine runs it: a process whose whole environment is PATH,
// NUMBERFLOW_URL and NUMBERFLOW_TOKEN — no Temporal address, no payload keys — against the HTTP service (its /v1 API
// with a token file of this test) on the run's dev server, with the bench's worker, Graph sandbox and webhooks.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Started } from '../../src/cli/operations.js';
import type { JourneyView } from '../../src/domain/journey.js';
import { NumberflowApi } from '../../src/cli/api-client.js';
import { submitOtpUpdate } from '../../src/domain/messages.js';
import { PrincipalDirectory } from '../../src/http/auth/directory.js';
import { addPrincipal } from '../../src/http/auth/token-file.js';
import { useBench } from '../support/bench.js';
import { freshNumber } from '../support/journeys.js';
import { freePorts, spawnCli, tempDir } from '../support/processes.js';
import { startLive } from '../support/steps.js';
import { harnessHttpApp } from '../support/http-app.js';

type Who = 'onboarding' | 'operator' | 'admin' | 'auditor';
const LONG = 240_000; // several CLI processes, each a Node start, on a shared 2-core box

describe('the command line through the HTTP API (NUMBERFLOW_URL, NUMBERFLOW_TOKEN)', () => {
  const t = useBench('dev');
  const tokens = {} as Record<Who, string>;
  let service: FastifyInstance;
  let url = '';

  beforeAll(async () => {
    const file = join(tempDir('cli-api'), 'api-tokens.json');
    for (const role of ['onboarding', 'operator', 'admin', 'auditor'] as const) {
      tokens[role] = addPrincipal(file, { name: `${role}@acme`, roles: [role] });
    }
    service = await harnessHttpApp(t.bench, {
      principals: PrincipalDirectory.fromFile(file),
      events: { pollMs: 200 },
    });
    url = await service.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => service?.close());

  /** The CLI's whole environment: the API and a token; nothing of Temporal, no payload keys. */
  const envOf = (who: Who) => ({ PATH: process.env.PATH ?? '', NUMBERFLOW_URL: url, NUMBERFLOW_TOKEN: tokens[who] });

  async function run(env: Record<string, string>, args: string[], stdin?: string) {
    const cli = spawnCli(env, args, stdin);
    const code = await cli.exit(90_000);
    return { code, stdout: cli.stdout(), stderr: cli.stderr() };
  }
  const cli = (who: Who, args: string[], stdin?: string) => run(envOf(who), args, stdin);
  const json = <T>(answer: { code: number | null; stdout: string; stderr: string }): T => {
    expect(answer, answer.stderr).toMatchObject({ code: 0 });
    return JSON.parse(answer.stdout) as T;
  };

  const startArgs = (e164: string) => [
    'start',
    ...['--waba', t.bench.wabaId, '--portfolio', t.bench.portfolioId],
    ...['--phone', e164, '--display-name', 'Acme Support'],
  ];

  it(
    'onboards a number: start, a wrong code then the one from the outbox, webhooks, LIVE; the token is the actor',
    async () => {
      await t.bench.run(async () => {
        const e164 = freshNumber();
        const started = await cli('onboarding', startArgs(e164));
        expect(started).toMatchObject({ code: 0, stderr: '' });
        expect(started.stdout).toMatch(new RegExp(`^number:\\${e164} started \\(run [\\w-]+\\), stage [A-Z_]+\\n$`));

        const awaiting = await cli('operator', ['watch', e164, '--until', 'AWAITING_OTP']);
        expect(awaiting).toMatchObject({ code: 0, stderr: '' });
        expect(awaiting.stdout.trimEnd().split('\n').at(-1)).toMatch(/Z {2}AWAITING_OTP — waits for operator: /);

        let listed: { e164: string | null; stage: string | null }[] = [];
        for (let attempt = 0; attempt < 10 && listed.length === 0; attempt++) {
          // Visibility lags the journey a little.
          listed = json(
            await cli('operator', ['list', '--awaiting-input', '--portfolio', t.bench.portfolioId, '--json']),
          );
        }
        expect(listed).toContainEqual(expect.objectContaining({ e164, stage: 'AWAITING_OTP' }));

        const { phoneNumberId } = json<JourneyView>(await cli('operator', ['show', e164, '--json']));
        const outbox = await fetch(`${t.bench.sandbox.url}/_sandbox/outbox?phoneNumberId=${phoneNumberId}`);
        const code = ((await outbox.json()) as { code: string }[]).at(-1)?.code as string;
        const wrong = await cli('operator', ['otp', e164, code === '000000' ? '111111' : '000000', '--by', 'mallory']);
        expect(wrong).toMatchObject({ code: 0, stdout: 'refused: code wrong, 2 attempts left\n' });
        expect(wrong.stderr).toBe("numberflow: --by not sent: the API records its token's principal as who acts\n");
        // A value the service refuses before the journey sees it reads as in direct mode.
        expect(await cli('operator', ['otp', e164, '12345'])).toEqual({
          code: 1,
          stdout: '',
          stderr: 'numberflow: refused: the code must be 6 digits, got 5\n',
        });
        // Without the code as an argument it is read from standard input, out of shell history.
        expect(await cli('operator', ['otp', e164], `${code}\n`)).toEqual({
          code: 0,
          stdout: 'accepted: code accepted\n',
          stderr: '',
        });

        const watching = spawnCli(envOf('auditor'), ['watch', e164, '--until', 'LIVE']);
        await watching.waitForLog(/DISPLAY_NAME_REVIEW — waits for meta/);
        t.bench.sandbox.admin.decideDisplayName(phoneNumberId as string, 'APPROVED'); // Meta's review, by webhook
        await t.bench.sandbox.admin.flushWebhooks();
        expect(await watching.exit(90_000)).toBe(0);
        expect(watching.stderr()).toBe('');
        expect(watching.stdout().trimEnd().split('\n').at(-1)).toMatch(/^\S+Z {2}LIVE$/);

        const live = json<JourneyView>(await cli('auditor', ['show', e164, '--json']));
        expect(live).toMatchObject({
          stage: 'LIVE',
          status: 'CONNECTED',
          displayName: { current: 'Acme Support', status: 'APPROVED' },
          attempts: { codeRequests: 1, wrongCodes: 1, registerCalls: 1 },
        });
        const codeNotes = live.notes.filter((note) => note.what.startsWith('submitted'));
        expect(codeNotes.map(({ actor, what }) => [actor, what])).toEqual([
          ['operator@acme', 'submitted a code that Meta refused'],
          ['operator@acme', 'submitted the code: verified'],
        ]);
        expect(JSON.stringify(live)).not.toContain('mallory');

        const summary = (await cli('auditor', ['show', e164])).stdout.split('\n');
        expect(summary[0]).toBe(`${e164}  LIVE`);
        expect(summary).toContainEqual(
          expect.stringMatching(/^ {4}\S+Z {2}operator@acme: submitted the code: verified$/),
        );
      });
    },
    LONG,
  );

  it(
    "refuses an operator token's PIN reveal and removal (admins only); an admin's reveal is the token's, and its removal and deletion confirmation end it REMOVED",
    async () => {
      await t.bench.run(async () => {
        const { journey, view } = await startLive(t.bench);
        const { e164, phoneNumberId } = view;
        const byOperator = await cli('operator', ['remove', e164, '--reason', 'contract over']);
        expect(byOperator).toEqual({
          code: 1,
          stdout: '',
          stderr: 'numberflow: this needs the admin role; operator@acme has operator\n',
        });
        expect((await journey.view()).stage).toBe('LIVE');

        // The PIN read back through the service: its role and actor are the token's, whatever --role and --by say.
        const reveal = ['reveal-pin', e164, '--reason', 'moving the number', '--role', 'admin', '--by', 'mallory'];
        expect(await cli('operator', reveal)).toEqual({
          code: 1,
          stdout: '',
          stderr: `numberflow: --by and --role not sent: the API records its token's principal as who acts\nnumberflow: this needs the admin role; operator@acme has operator\n`,
        });
        const pin = t.bench.sandbox.admin.twoStepPin(e164) as string;
        expect(pin).toMatch(/^\d{6}$/);
        expect(await cli('admin', reveal)).toEqual({
          code: 0,
          stdout: `${pin}\n`,
          stderr: `numberflow: --by and --role not sent: the API records its token's principal as who acts\n`,
        });
        const notes = (await journey.view()).notes.map((n) => `${n.actor}: ${n.what}`);
        expect(notes).toContain('admin@acme: PIN revealed to admin@acme: moving the number');
        expect(notes.join('\n')).not.toContain('mallory');

        const byAdmin = json<{ outcome: string }>(
          await cli('admin', ['remove', e164, '--reason', 'contract over', '--json']),
        );
        expect(['accepted', 'pending']).toContain(byAdmin.outcome);
        await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the deletion in WhatsApp Manager');
        t.bench.sandbox.admin.deleteNumber(phoneNumberId as string);
        expect(await cli('admin', ['confirm-deletion', e164])).toEqual({
          code: 0,
          stdout: 'accepted: Meta no longer shows the number: the journey ends REMOVED\n',
          stderr: '',
        });

        // A journey that has ended: watch prints where it stands and its end, and exits 0.
        const ended = await cli('auditor', ['watch', e164, '--json']);
        expect(ended).toMatchObject({ code: 0, stderr: '' });
        const events = ended.stdout
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as { event: string });
        expect(events.map((e) => e.event)).toEqual(['view', 'end']);
        expect(events[1]).toMatchObject({ data: { result: { outcome: 'REMOVED', actor: 'admin@acme' } } });
      });
    },
    LONG,
  );

  it('keeps, from the event stream, when the journey entered each stage, also those it went through between reads', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId, e164 } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const api = new NumberflowApi(new URL(url), tokens.operator);
      const stop = new AbortController();
      const stages: { stage: string; at?: string }[] = [];
      let viewed: () => void = () => undefined;
      const firstView = new Promise<void>((resolve) => (viewed = resolve));
      const following = (async () => {
        for await (const event of api.events(e164, stop.signal)) {
          if (event.event === 'view') viewed();
          if (event.event === 'stage') stages.push({ stage: event.data.stage, at: event.data.at });
          if (event.event === 'stage' && event.data.stage === 'DISPLAY_NAME_REVIEW') stop.abort();
        }
      })();
      await firstView; // the code goes in once the stream follows the journey
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      await t.env.client.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
      await following.catch(() => undefined);
      await api.close();
      // VERIFYING_CODE and REGISTERING last a moment inside one task: each comes, dated as the journey entered it.
      const { stagesEntered } = await journey.view();
      expect(stages.map((s) => s.stage)).toEqual(['VERIFYING_CODE', 'REGISTERING', 'DISPLAY_NAME_REVIEW']);
      expect(stages).toEqual(stagesEntered.slice(-3));
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it(
    'answers the same journey to a start repeated with the same --idempotency-key, and refuses the key for another',
    async () => {
      await t.bench.run(async () => {
        const e164 = freshNumber();
        const key = `cli-${randomUUID()}`;
        const first = json<Started>(await cli('onboarding', [...startArgs(e164), '--idempotency-key', key, '--json']));
        const again = await cli('onboarding', [...startArgs(e164), '--idempotency-key', key]);
        expect(again).toMatchObject({ code: 0, stderr: '' });
        expect(again.stdout).toMatch(
          `number:${e164} was started already under this idempotency key (run ${first.runId}), stage `,
        );
        expect(first).toMatchObject({ workflowId: `number:${e164}`, journey: { e164 } });

        const other = await cli('onboarding', [...startArgs(freshNumber()), '--idempotency-key', key]);
        expect(other.code).toBe(1);
        expect(other.stderr).toMatch(`numberflow: Idempotency-Key "${key}" was used for another request`);
        await t.env.client.workflow.getHandle(first.workflowId).terminate('test done');
      });
    },
    LONG,
  );

  it(
    'refuses a bad token, and a watch of a number without a journey, with exit 1; Ctrl-C ends a watch quietly',
    async () => {
      const e164 = freshNumber();
      const badToken = { ...envOf('auditor'), NUMBERFLOW_TOKEN: 'nf_not-a-token-of-this-service' };
      const refused = await run(badToken, ['show', e164]);
      expect(refused).toEqual({
        code: 1,
        stdout: '',
        stderr: `numberflow: NUMBERFLOW_TOKEN was refused by ${url}: the bearer token is not one of this service; ask for a token (numberflow api-token new)\n`,
      });

      expect(await cli('auditor', ['watch', e164])).toEqual({
        code: 1,
        stdout: '',
        stderr: `numberflow: no journey for ${e164}\n`,
      });

      await t.bench.run(async () => {
        const journey = await t.bench.start(t.bench.input());
        const { e164: watched } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
        const watching = spawnCli(envOf('auditor'), ['watch', watched]);
        await watching.waitForLog(/AWAITING_OTP/);
        watching.child.kill('SIGINT');
        expect(await watching.exit(30_000)).toBe(130);
        expect(watching.stderr()).toBe('');
        // Stopped (SIGTERM, a supervisor's), it exits 143, as import does.
        const supervised = spawnCli(envOf('auditor'), ['watch', watched]);
        await supervised.waitForLog(/AWAITING_OTP/);
        supervised.child.kill('SIGTERM');
        expect(await supervised.exit(30_000)).toBe(143);
        await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
      });
    },
    LONG,
  );

  it(
    'says what is missing or wrong in NUMBERFLOW_URL and NUMBERFLOW_TOKEN, and when numberflow does not answer there',
    async () => {
      const [closedPort] = await freePorts(1);
      // Something that is not numberflow at the URL: a web server's page; and under /down, a proxy whose service is
      // away (or a service stopping).
      const proxy = createServer((request, response) =>
        request.url?.startsWith('/down/')
          ? response.writeHead(503, { 'content-type': 'text/html' }).end('<h1>Service Unavailable</h1>')
          : response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'),
      );
      proxy.listen(0, '127.0.0.1');
      await once(proxy, 'listening');
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const path = process.env.PATH ?? '';
      const at = (apiUrl: string) => ({ PATH: path, NUMBERFLOW_URL: apiUrl, NUMBERFLOW_TOKEN: tokens.auditor });
      const [noToken, noUrl, unreachable, notNumberflow, away] = await Promise.all([
        run({ PATH: path, NUMBERFLOW_URL: url }, ['list']),
        run({ PATH: path, NUMBERFLOW_TOKEN: tokens.auditor }, ['list']),
        run(at(`http://127.0.0.1:${closedPort}`), ['list']),
        run(at(proxyUrl), ['list']),
        run(at(`${proxyUrl}/down`), ['list']),
      ]).finally(() => proxy.close());
      expect(noToken).toMatchObject({ code: 1, stdout: '' });
      expect(noToken.stderr).toMatch(/^numberflow: NUMBERFLOW_URL is set but NUMBERFLOW_TOKEN is not: set both /);
      expect(noUrl).toMatchObject({ code: 1, stdout: '' });
      expect(noUrl.stderr).toMatch(/^numberflow: NUMBERFLOW_TOKEN is set but NUMBERFLOW_URL is not/);
      expect(noUrl.stderr).not.toContain(tokens.auditor);
      // Nothing answering and a service away may go through later (75); a URL that is not numberflow's will not (1).
      expect(unreachable).toEqual({
        code: 75,
        stdout: '',
        stderr: `numberflow: cannot reach numberflow at http://127.0.0.1:${closedPort} (ECONNREFUSED); is it running, and is NUMBERFLOW_URL right?\n`,
      });
      expect(notNumberflow).toEqual({
        code: 1,
        stdout: '',
        stderr: `numberflow: ${proxyUrl} answered HTTP 404 without numberflow's error body; is NUMBERFLOW_URL numberflow's HTTP service?\n`,
      });
      expect(away).toEqual({
        code: 75,
        stdout: '',
        stderr: `numberflow: ${proxyUrl}/down answered HTTP 503: numberflow is unavailable (stopping, or a proxy in front of it cannot reach it)\n`,
      });
    },
    LONG,
  );
});
