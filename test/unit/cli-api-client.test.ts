// The command line through the HTTP API, against a stand-in for the service that records what it is sent: each
// request holds no more than a second's rows at --rate (the service starts a request's rows at its own pace), and a
// first request the service did not answer (gone mid-request) is reported row by row, not as a bare failure; a read
// of a service that never answers is given up on sooner than an action.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NumberflowApi } from '../../src/cli/api-client.js';
import { apiOperations } from '../../src/cli/api-operations.js';
import { checkRows } from '../../src/journeys/batch-rows.js';

const actor = { by: 'onboarding@test', given: [] };
const numbers = (count: number) => Array.from({ length: count }, (_, i) => `+1415555${String(2600 + i)}`);
const rowsOf = (count: number) =>
  checkRows(
    numbers(count).map((phoneNumber, i) => ({
      line: i + 2,
      fields: { wabaId: '102290129340398', portfolioId: '506914307656634', phoneNumber, displayName: 'Acme Support' },
    })),
    actor.by,
  ).good;

let server: Server | undefined;
afterEach(() => server?.close());

/** A stand-in for the service's batch route, answering each request with `answer`; its URL. */
async function standIn(
  answer: (rows: unknown[], request: IncomingMessage, respond: (status: number, body: unknown) => void) => void,
) {
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const { rows = [] } = (text === '' ? {} : JSON.parse(text)) as { rows?: unknown[] };
      answer(rows, request, (status, body) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      );
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server?.address() as AddressInfo).port}`);
}

const started = (rows: unknown[]) => ({
  results: rows.map((row, index) => ({
    index,
    e164: (row as { phoneNumber: string }).phoneNumber,
    outcome: 'started',
    workflowId: `number:${(row as { phoneNumber: string }).phoneNumber}`,
    runId: 'r',
    stage: 'WAITING_FOR_CAPACITY',
    error: null,
    problems: [],
  })),
  counts: { started: rows.length, alreadyRunning: 0, failed: 0, invalid: 0 },
});

describe('import through the HTTP API', () => {
  it('sends no more than a second of rows at --rate in a request', async () => {
    const sizes: number[] = [];
    const url = await standIn((rows, _request, respond) => {
      sizes.push(rows.length);
      respond(200, started(rows));
    });
    const ops = apiOperations(url, 'nf_test', () => undefined);
    const results = await ops.startRows(rowsOf(7), actor, { ratePerSecond: 3, concurrency: 8 }, () => undefined);
    expect(sizes).toEqual([3, 3, 1]);
    expect(results.map((r) => r.outcome)).toEqual(Array(7).fill('started'));
    sizes.length = 0;
    await ops.startRows(rowsOf(250), actor, { ratePerSecond: 500, concurrency: 8 }, () => undefined);
    expect(sizes).toEqual([100, 100, 50]); // at most 100 a request, as before
  });

  it('reports each row when the service goes away during the first request, which may have started some', async () => {
    const url = await standIn((_rows, request) => request.socket.destroy());
    const ops = apiOperations(url, 'nf_test', () => undefined);
    const results = await ops.startRows(rowsOf(5), actor, { ratePerSecond: 2, concurrency: 8 }, () => undefined);
    expect(results.map((r) => r.outcome)).toEqual(Array(5).fill('failed'));
    expect(results.map((r) => r.error?.split(':')[0])).toEqual([
      'not answered',
      'not answered',
      'not sent',
      'not sent',
      'not sent',
    ]);
    for (const result of results) expect(result.error).toMatch(/the same file again starts this row once at most$/);
  });

  it('fails the command when the first request is refused, or never reached the service: nothing was started', async () => {
    const url = await standIn((_rows, _request, respond) =>
      respond(401, { error: { code: 'unauthorized', message: 'the bearer token is not known', problems: [] } }),
    );
    const ops = apiOperations(url, 'nf_test', () => undefined);
    const pace = { ratePerSecond: 50, concurrency: 8 };
    await expect(ops.startRows(rowsOf(3), actor, pace, () => undefined)).rejects.toThrow(
      `NUMBERFLOW_TOKEN was refused by ${url.origin}: the bearer token is not known`,
    );
    server?.close();
    await new Promise((resolve) => server?.once('close', resolve));
    const nobody = apiOperations(url, 'nf_test', () => undefined); // nothing listens there now
    await expect(nobody.startRows(rowsOf(3), actor, pace, () => undefined)).rejects.toThrow(
      /^cannot reach numberflow at .* \(ECONNREFUSED\)/,
    );
  });
});

describe('the command line through the HTTP API, to a service that never answers', () => {
  it('gives a read up sooner than an action (which waits for the journey)', async () => {
    const url = await standIn(() => undefined); // takes the request, answers nothing
    const api = new NumberflowApi(url, 'nf_test', { readTimeoutMs: 300 });
    const began = Date.now();
    await expect(api.journey('+14155552671')).rejects.toThrow(/did not answer in time \(UND_ERR_HEADERS_TIMEOUT\)/);
    expect(Date.now() - began).toBeLessThan(20_000); // not the action's 120 s
    // The summary, which walks every running journey, is given the action's time.
    const summary = api.summary({});
    const outcome = await Promise.race([
      summary.then(
        () => 'answered',
        () => 'given up',
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1_000)),
    ]);
    expect(outcome).toBe('still waiting');
    summary.catch(() => undefined);
    server?.closeAllConnections();
  });
});
