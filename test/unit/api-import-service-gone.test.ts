// API-mode import when the service goes away between its requests: the rows it answered stand and are reported,
// the rest fail saying they were not answered (the request that failed) or not sent, so the count and the results
// file still say what started.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOperations } from '../../src/cli/api-operations.js';
import { checkRows } from '../../src/journeys/index.js';

describe('API-mode import whose service goes away after its first request', () => {
  let server: Server;
  let url: URL;
  let requests = 0;
  let second: 'gone' | 'revoked' = 'gone';
  beforeAll(async () => {
    server = createServer((request, response) => {
      requests += 1;
      if (requests > 1 && second === 'gone') return request.socket.destroy(); // died while the request was under way
      if (requests > 1) {
        // The token was removed from the token file meanwhile: the service answers, and starts nothing.
        response.statusCode = 401;
        response.setHeader('content-type', 'application/json; charset=utf-8');
        return void response.end(
          JSON.stringify({ error: { code: 'unauthorized', message: 'the token is not valid', problems: [] } }),
        );
      }
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const body = JSON.parse(text) as { rows: { phoneNumber: string }[] };
        const results = body.rows.map((row, index) => ({
          index,
          e164: row.phoneNumber,
          outcome: 'started',
          workflowId: `number:${row.phoneNumber}`,
          runId: 'run',
          stage: 'WAITING_FOR_CAPACITY',
          error: null,
          problems: [],
        }));
        const counts = { started: results.length, alreadyRunning: 0, failed: 0, invalid: 0 };
        response.setHeader('content-type', 'application/json; charset=utf-8');
        response.end(JSON.stringify({ results, counts }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps the rows answered, and fails the rest as not answered or not sent', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({
      line: i + 2,
      fields: { wabaId: '1', portfolioId: '2', phoneNumber: `+1415555${3300 + i}`, displayName: 'Acme' },
    }));
    const { good, bad } = checkRows(rows, 'cli');
    expect(bad).toEqual([]);
    const ops = apiOperations(url, 'token', () => undefined);
    const seen: number[] = [];
    const actor = { by: 'cli', role: undefined, given: [] };
    const results = await ops.startRows(good, actor, { ratePerSecond: 500, concurrency: 1 }, (r) => seen.push(r.line));
    expect(requests).toBe(2); // the third chunk is not sent
    expect(results.map((r) => r.line)).toEqual(rows.map((r) => r.line));
    expect(seen).toEqual(rows.map((r) => r.line));
    expect(results.slice(0, 100).every((r) => r.outcome === 'started')).toBe(true);
    const failed = results.slice(100);
    expect(failed.every((r) => r.outcome === 'failed' && r.workflowId === null)).toBe(true);
    const again = /; the same file again starts this row once at most$/;
    expect(failed.slice(0, 100).every((r) => /^not answered: /.test(r.error ?? '') && again.test(r.error ?? ''))).toBe(
      true,
    );
    expect(failed.slice(100).every((r) => /^not sent: /.test(r.error ?? '') && again.test(r.error ?? ''))).toBe(true);
    expect(failed[0]?.e164).toBe('+14155553400');
    await ops.close();
  });

  it('says the rows of a request the service refused (a token revoked meanwhile) started none', async () => {
    requests = 0;
    second = 'revoked';
    const rows = Array.from({ length: 150 }, (_, i) => ({
      line: i + 2,
      fields: { wabaId: '1', portfolioId: '2', phoneNumber: `+1415555${3300 + i}`, displayName: 'Acme' },
    }));
    const { good } = checkRows(rows, 'cli');
    const ops = apiOperations(url, 'token', () => undefined);
    const actor = { by: 'cli', role: undefined, given: [] };
    const results = await ops.startRows(good, actor, { ratePerSecond: 500, concurrency: 1 }, () => undefined);
    expect(results.filter((r) => r.outcome === 'started')).toHaveLength(100);
    const refused = results.slice(100);
    expect(refused).toHaveLength(50);
    expect(
      refused.every((r) =>
        /^refused \(HTTP 401, none of its rows started\): .*the token is not valid/.test(r.error ?? ''),
      ),
    ).toBe(true);
    await ops.close();
  });
});
