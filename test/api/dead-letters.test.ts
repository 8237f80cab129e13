// The webhook inbox's dead letters for admins, over HTTP and the command line: listed (paged) without their bodies,
// one replayed and routed, one replayed that fails again (back in the dead letters), one discarded; the roles, a
// principal limited to portfolios, bad and unknown ids; the log records who replayed and who discarded, never a body.
import { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from '../../src/cli/failure.js';
import { WebhookInbox } from '../../src/http/webhook-inbox.js';
import { buildCli } from '../../src/starter.js';
import { capturedLogger, envelope, qualityUpdate, type Change } from '../http/support.js';
import { useBench } from '../support/bench.js';
import { freshId, freshNumber } from '../support/journeys.js';
import { tempDir } from '../support/processes.js';
import { leaked } from '../support/secrets-scan.js';
import { join } from 'node:path';
import { TEST_REPLICA, useApi, type Who } from './support.js';

interface Listed {
  replica?: string;
  deadLetters: {
    id: number;
    deadAt: string;
    keptUntil: string;
    reason: string;
    attempts: number;
    wabas: { wabaId: string; fields: string[] }[];
  }[];
  total: number;
  nextAfter: number | null;
}
interface Done {
  id: number;
  outcome: string;
  reason?: string;
  message: string;
}
interface Refusal {
  error: { code: string; message: string; problems: { in: string; field: string }[] };
}

/** A customer's message: what a dead letter's body holds and no answer or log line may show. */
const CUSTOMER_TEXT = `my order ${freshId()} never came`;
const inboundText = (displayPhoneNumber: string): Change => ({
  field: 'messages',
  value: {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: displayPhoneNumber, phone_number_id: freshId() },
    messages: [
      { from: '15551234567', id: 'wamid.1', timestamp: '1767225600', type: 'text', text: { body: CUSTOMER_TEXT } },
    ],
  },
});

describe("the webhook inbox's dead letters for admins (dev server, Graph sandbox)", () => {
  const t = useBench('dev');
  const [wabaA, wabaB, wabaC] = [freshId(), freshId(), freshId()];
  const [routable, stuck, third] = [freshNumber(), freshNumber(), freshNumber()];
  const ids: Record<'routable' | 'stuck' | 'discarded', number> = { routable: 0, stuck: 0, discarded: 0 };
  const file = join(tempDir('dead-letters'), 'webhook-inbox.sqlite');
  let client: Client;
  beforeAll(async () => {
    // What an earlier process of the service left: three deliveries given up on.
    const inbox = WebhookInbox.open(file);
    const bodies = {
      routable: envelope([{ id: wabaA, changes: [qualityUpdate(routable.slice(1)), inboundText(routable.slice(1))] }]),
      stuck: envelope([{ id: wabaB, changes: [qualityUpdate(stuck.slice(1))] }]),
      discarded: envelope([
        { id: wabaA, changes: [qualityUpdate(third.slice(1))] },
        { id: wabaC, changes: [inboundText(third.slice(1))] },
      ]),
    };
    for (const [name, body] of Object.entries(bodies)) {
      await inbox.put(Buffer.from(body), Date.now() - 60_000);
      const [row] = inbox.oldest(1);
      ids[name as keyof typeof ids] = row!.id;
      inbox.deadLetter(row!.id, 'routing failed 20 times');
    }
    inbox.close();
    // Graph still will not give what the stuck delivery needs: its signal is refused.
    const { client: bench } = t.bench.env;
    client = new Client({
      connection: bench.connection,
      namespace: bench.options.namespace,
      dataConverter: bench.options.dataConverter,
      interceptors: {
        workflow: [
          {
            signal: (input, next) =>
              input.workflowExecution.workflowId === `number:${stuck}`
                ? Promise.reject(new Error('the owner of the WABA cannot be read (injected)'))
                : next(input),
          },
        ],
      },
    });
  });
  const log = capturedLogger();
  const api = useApi(t, { client: () => client, logger: log.logger, webhookInbox: () => file });
  const noInboxLog = capturedLogger();
  const withoutInbox = useApi(t, { logger: noInboxLog.logger }); // a service routing each delivery before answering keeps none

  const list = (query = '', as: Who = 'admin') => api.call<Listed>('GET', `/v1/webhooks/dead-letters${query}`, { as });
  const replay = (id: number | string, as: Who = 'admin') =>
    api.call<Done & Refusal>('POST', `/v1/webhooks/dead-letters/${id}/replay`, { as, body: {} });
  const discard = (id: number | string, as: Who = 'admin') =>
    api.call<Done & Refusal>('DELETE', `/v1/webhooks/dead-letters/${id}`, { as });

  /** A command as an admin runs it (through the API with its token; `null`: neither variable set). */
  async function cli(args: string[], token: string | null = api.tokens.admin) {
    const out: string[] = [];
    const env = token === null ? {} : { NUMBERFLOW_URL: api.url, NUMBERFLOW_TOKEN: token };
    let failure: ReturnType<typeof failureOf> | null = null;
    try {
      await buildCli((line) => out.push(line), { env, throwOnExit: true, err: () => undefined }).parseAsync(args, {
        from: 'user',
      });
    } catch (err) {
      failure = failureOf(err);
    }
    return { out, failure };
  }

  it('lists them oldest first, paged, with their WABAs and fields and never their bodies', async () => {
    const all = await list();
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.replica).toBe(TEST_REPLICA); // each replica keeps its own: the answer says whose
    expect(all.body.nextAfter).toBeNull();
    expect(all.body.deadLetters.map((d) => d.id)).toEqual([ids.routable, ids.stuck, ids.discarded]);
    expect(all.body.deadLetters[0]).toMatchObject({
      reason: 'routing failed 20 times',
      attempts: 0,
      wabas: [{ wabaId: wabaA, fields: ['phone_number_quality_update', 'messages'], changes: 2 }],
    });
    // Kept 30 days (WEBHOOK_DEAD_LETTER_DAYS) once given up on, then discarded by the service.
    const [letter] = all.body.deadLetters;
    expect(Date.parse(letter!.keptUntil) - Date.parse(letter!.deadAt)).toBe(30 * 24 * 60 * 60 * 1000);
    expect(all.body.deadLetters[2]?.wabas).toEqual([
      { wabaId: wabaA, fields: ['phone_number_quality_update'], changes: 1 },
      { wabaId: wabaC, fields: ['messages'], changes: 1 },
    ]);
    expect(leaked(JSON.stringify(all.body), [CUSTOMER_TEXT, routable.slice(1), third.slice(1)])).toEqual([]);

    const first = await list('?pageSize=2');
    expect(first.body.deadLetters.map((d) => d.id)).toEqual([ids.routable, ids.stuck]);
    expect(first.body.nextAfter).toBe(ids.stuck);
    const second = await list(`?pageSize=2&after=${first.body.nextAfter}`);
    expect(second.body.deadLetters.map((d) => d.id)).toEqual([ids.discarded]);
    expect(second.body.nextAfter).toBeNull();

    const printed = await cli(['webhooks', 'dead-letters', '--page-size', '2']);
    expect(printed.failure).toBeNull();
    expect(printed.out[0]).toMatch(
      new RegExp(`^${ids.routable}\\treceived .*\\tkept until [^\\t]+\\t0 attempts\\trouting failed 20 times$`),
    );
    expect(printed.out).toContain(`  WABA ${wabaA}: phone_number_quality_update, messages (2 changes)`);
    expect(printed.out.at(-1)).toBe(`2 shown of 3 (on ${TEST_REPLICA}); more: --after ${ids.stuck}`);
    const json = await cli(['webhooks', 'dead-letters', '--json']);
    expect((JSON.parse(json.out.join('\n')) as Listed).deadLetters).toHaveLength(3);
    expect(leaked([...printed.out, ...json.out].join('\n'), [CUSTOMER_TEXT])).toEqual([]);
  });

  it('refuses callers who are not admins of every portfolio, bad ids and unknown ones', async () => {
    expect((await list('', 'operator')).status).toBe(403);
    expect((await list('', 'auditor')).status).toBe(403);
    const limited = await list('', 'elsewhere'); // an admin limited to one portfolio
    expect(limited.status).toBe(403);
    expect((limited.body as unknown as Refusal).error.message).toMatch(/an admin not limited to portfolios/);
    expect((await api.call('GET', '/v1/webhooks/dead-letters', { as: null })).status).toBe(401);
    expect((await replay(ids.stuck, 'operator')).status).toBe(403);
    expect((await discard(ids.stuck, 'auditor')).status).toBe(403);

    for (const answer of [
      await replay('abc'),
      await discard('0'),
      await replay('-3'),
      await replay('0x10'),
      await discard('1e3'),
    ]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.problems).toEqual([expect.objectContaining({ in: 'path', field: 'id' })]);
    }
    expect((await list('?pageSize=0')).status).toBe(400);
    for (const answer of [await replay(987654321), await discard(987654321)]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error).toMatchObject({ code: 'not_found', message: 'no webhook dead letter 987654321' });
    }

    const badId = await cli(['webhooks', 'replay', 'abc']); // refused before anything is sent
    expect(badId.failure?.lines.join('\n')).toMatch(/must be a dead letter's id/);
  });

  it('replays one that routes now, one that fails again, and discards one, logging who', async () => {
    const routed = await cli(['webhooks', 'replay', String(ids.routable)]);
    expect(routed.out).toEqual([`routed: delivery ${ids.routable} was routed (on ${TEST_REPLICA})`]);
    expect(routed.failure).toBeNull();

    const again = await replay(ids.stuck);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      id: ids.stuck,
      outcome: 'dead_lettered',
      reason: 'replayed; routing failed again',
      replica: TEST_REPLICA,
    });

    const failedCli = await cli(['webhooks', 'replay', String(ids.stuck)]);
    expect(failedCli.out).toEqual([
      `dead lettered: delivery ${ids.stuck} failed again and is back in the dead letters: replayed; routing failed again (on ${TEST_REPLICA})`,
    ]);
    expect(failedCli.failure).toEqual({ lines: [], exitCode: 1 });

    const discarded = await cli(['webhooks', 'discard', String(ids.discarded), '--json']);
    expect(JSON.parse(discarded.out.join('\n'))).toMatchObject({
      id: ids.discarded,
      outcome: 'discarded',
      replica: TEST_REPLICA,
    });
    expect((await discard(ids.discarded)).status).toBe(404);

    const left = await list();
    expect(left.body.deadLetters.map((d) => [d.id, d.reason])).toEqual([[ids.stuck, 'replayed; routing failed again']]);

    const lines = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'webhook dead letter replayed', deadLetter: ids.routable, actor: 'admin@test' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'webhook dead letter discarded', deadLetter: ids.discarded, actor: 'admin@test' }),
    );
    expect(leaked(log.lines.join('\n'), [CUSTOMER_TEXT])).toEqual([]);
  });

  it('answers 501 from a service that keeps no inbox', async () => {
    const answer = await withoutInbox.call<Refusal>('GET', '/v1/webhooks/dead-letters', { as: 'admin' });
    expect(answer.status).toBe(501);
    expect(answer.body.error).toMatchObject({
      code: 'not_configured',
      message: expect.stringMatching(/no webhook inbox/),
    });
    // The setup's answer, logged at info: not a failure to page anyone for (it was logged as an error).
    const logged = noInboxLog.lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 30, msg: expect.stringMatching(/no webhook inbox/) }),
    );
    expect(logged.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('says the inbox is reached through the HTTP API only', async () => {
    const direct = await cli(['webhooks', 'dead-letters'], null);
    expect(direct.failure?.lines).toEqual([
      "numberflow: the webhook inbox is the running service's: set NUMBERFLOW_URL and NUMBERFLOW_TOKEN (an admin's token) to reach it through the HTTP API",
    ]);
    const operator = await cli(['webhooks', 'discard', String(ids.stuck)], api.tokens.operator);
    expect(operator.failure?.lines).toEqual(['numberflow: this needs the admin role; operator@test has operator']);
    expect((await list()).body.total).toBe(1); // still there
  });
});
