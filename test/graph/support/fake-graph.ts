// A real HTTP server on 127.0.0.1, port 0, that answers Graph calls with canned answers and records every request,
// so client tests see exactly what goes over the wire.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { GraphClient, type GraphClientOptions } from '../../../src/graph/client.js';

export interface RecordedRequest {
  method: string;
  /** The path without the query, e.g. /v23.0/1234/register. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface CannedAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as is. */
  body?: unknown;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

export interface FakeGraph {
  url: string;
  requests: RecordedRequest[];
  /** Queues answers, used in order; when the queue is empty the server answers {"success":true}. */
  reply(...answers: CannedAnswer[]): void;
  /** The last request, failing when there is none. */
  last(): RecordedRequest;
  close(): Promise<void>;
}

export async function startFakeGraph(): Promise<FakeGraph> {
  const requests: RecordedRequest[] = [];
  const queue: CannedAnswer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      send(res, queue.shift() ?? { body: { success: true } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (...answers) => queue.push(...answers),
    last: () => {
      const request = requests.at(-1);
      if (!request) throw new Error('no request reached the fake Graph server');
      return request;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, answer: CannedAnswer): void {
  if (answer.hang) return;
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? { success: true });
  const contentType = typeof answer.body === 'string' ? 'text/html' : 'application/json';
  res.writeHead(answer.status ?? 200, { 'content-type': contentType, ...answer.headers });
  res.end(text);
}

/** Meta's error body (docs/meta-graph-api.md#error-body). */
export function metaError(
  code: number,
  message: string,
  extra: { subcode?: number; details?: string; fbtraceId?: string; type?: string } = {},
): { error: Record<string, unknown> } {
  return {
    error: {
      message,
      type: extra.type ?? 'OAuthException',
      code,
      ...(extra.subcode !== undefined && { error_subcode: extra.subcode }),
      ...(extra.details !== undefined && { error_data: { messaging_product: 'whatsapp', details: extra.details } }),
      fbtrace_id: extra.fbtraceId ?? 'AbCdEfGh123',
    },
  };
}

/**
 * A fake Graph and a client pointed at it for a test file: started before its tests, its recorded requests cleared
 * after each, both closed at the end. `bind` hands them to the file's variables.
 */
export function useFakeGraph(
  clientOptions: () => Promise<Omit<GraphClientOptions, 'baseUrl'>>,
  bind: (graph: FakeGraph, client: GraphClient) => void,
): void {
  let started: { graph: FakeGraph; client: GraphClient } | undefined;
  beforeAll(async () => {
    const graph = await startFakeGraph();
    const client = new GraphClient({ baseUrl: graph.url, ...(await clientOptions()) });
    started = { graph, client };
    bind(graph, client);
  });
  afterAll(async () => {
    await started?.client.close();
    await started?.graph.close();
  });
  afterEach(() => {
    if (started) started.graph.requests.length = 0;
  });
}
