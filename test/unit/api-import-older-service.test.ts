// API-mode import against a service from before `checkOnly`: the pre-check is skipped with a warning, and the rows
// start as they did then (a row the service refuses fails alone), rather than every import failing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOperations } from '../../src/cli/api-operations.js';
import { checkRows } from '../../src/journeys/index.js';

describe('API-mode import against a service that does not know checkOnly', () => {
  let server: Server;
  let url: URL;
  const bodies: Record<string, unknown>[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        const body = JSON.parse(text) as { rows: unknown[]; checkOnly?: boolean };
        bodies.push(body);
        response.setHeader('content-type', 'application/json; charset=utf-8');
        if ('checkOnly' in body) {
          response.statusCode = 400;
          const problems = [{ in: 'body', field: 'checkOnly', message: 'is not a field of this request' }];
          response.end(JSON.stringify({ error: { code: 'invalid_request', message: 'invalid request', problems } }));
          return;
        }
        const results = body.rows.map((_row, index) => ({
          index,
          e164: '+14155550100',
          outcome: 'started',
          workflowId: 'number:+14155550100',
          runId: 'run',
          stage: 'WAITING_FOR_CAPACITY',
          error: null,
          problems: [],
        }));
        response.end(JSON.stringify({ results, counts: { started: 1, alreadyRunning: 0, failed: 0, invalid: 0 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('skips the pre-check with a warning and starts the rows', async () => {
    const warnings: string[] = [];
    const ops = apiOperations(url, 'token', (line) => warnings.push(line));
    const { good } = checkRows(
      [{ line: 2, fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+14155550100', displayName: 'Acme' } }],
      'cli',
    );
    expect(await ops.refusedRows(good)).toEqual([]);
    expect(warnings).toEqual([
      'numberflow: the service cannot check rows before starting them: a row it refuses fails alone',
    ]);
    const actor = { by: 'cli', role: undefined, given: [] };
    const results = await ops.startRows(good, actor, { ratePerSecond: 500, concurrency: 1 }, () => undefined);
    expect(results.map((r) => [r.line, r.outcome])).toEqual([[2, 'started']]);
    expect(bodies.map((b) => Object.keys(b).sort().join(','))).toEqual(['checkOnly,rows', 'rows,skipInvalid']);
    await ops.close();
  });
});
