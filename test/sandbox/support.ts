// Test support for the Graph API sandbox: a started sandbox with a portfolio, WABA and token; a small Graph caller;
// and a webhook receiver that checks Meta's signature over the raw bytes.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, beforeEach } from 'vitest';
import { verifyWebhookSignature } from '../../src/graph/signature.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';

export const APP_SECRET = 'test-app-secret';
export const APP_ID = '1234567890';
export const VERIFY_TOKEN = 'receiver-verify-token';

export interface GraphAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
}

export interface GraphCallOptions {
  token?: string | null;
  /** Sent as JSON. */
  json?: Record<string, unknown>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  query?: Record<string, string>;
  /** Sent as is, with this content type. */
  rawBody?: { contentType: string; body: string };
  version?: string;
}

export interface TestSandbox {
  sandbox: Sandbox;
  portfolioId: string;
  wabaId: string;
  token: string;
  graph(method: string, path: string, options?: GraphCallOptions): Promise<GraphAnswer>;
  /** POST /{waba}/phone_numbers, returning the new phone_number_id. */
  addNumber(phoneNumber: string, verifiedName?: string, wabaId?: string): Promise<string>;
  /** request_code by SMS + verify_code with the code from the outbox. */
  verifyNumber(phoneNumberId: string): Promise<void>;
  register(phoneNumberId: string, pin?: string): Promise<GraphAnswer>;
  close(): Promise<void>;
}

/** Everything a test started; closed after each test by useSandboxWithReceiver. */
const running = new Set<{ close(): Promise<void> }>();

export async function closeAll(): Promise<void> {
  for (const item of [...running].reverse()) await item.close();
}

function tracked<T extends { close(): Promise<void> }>(item: T): T {
  const close = item.close.bind(item);
  running.add(item);
  item.close = async () => {
    running.delete(item);
    await close();
  };
  return item;
}

/** Graph calls to a sandbox at `url`, with `token` unless a call says otherwise. */
export function graphCaller(url: string, token: string) {
  return async (method: string, path: string, call: GraphCallOptions = {}): Promise<GraphAnswer> => {
    const target = new URL(`${url}/${call.version ?? 'v23.0'}${path}`);
    for (const [key, value] of Object.entries(call.query ?? {})) target.searchParams.set(key, value);
    const headers: Record<string, string> = {};
    const bearer = call.token === undefined ? token : call.token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    const [contentType, body] = call.json
      ? ['application/json', JSON.stringify(call.json)]
      : call.form
        ? ['application/x-www-form-urlencoded', new URLSearchParams(call.form).toString()]
        : [call.rawBody?.contentType, call.rawBody?.body];
    if (contentType) headers['content-type'] = contentType;
    const response = await request(target, { method: method as 'GET', headers, body });
    const raw = await response.body.text();
    return {
      status: response.statusCode,
      headers: response.headers,
      body: JSON.parse(raw) as Record<string, unknown>,
      raw,
    };
  };
}

export async function startTestSandbox(options: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const sandbox = tracked(await startSandbox({ appSecret: APP_SECRET, seed: 7, ...options }));
  const { portfolioId } = sandbox.admin.createPortfolio();
  const { wabaId } = sandbox.admin.createWaba({ portfolioId });
  const token = sandbox.admin.issueToken({ wabaIds: [wabaId] });
  // The WABA's creation sends business_capability_update: let it land before the test sets up its receiver.
  await sandbox.admin.flushWebhooks();

  const graph = graphCaller(sandbox.url, token);

  const addNumber = async (phoneNumber: string, verifiedName = 'Acme Support', onWaba = wabaId): Promise<string> => {
    const answer = await graph('POST', `/${onWaba}/phone_numbers`, {
      json: { cc: '1', phone_number: phoneNumber, verified_name: verifiedName },
    });
    if (answer.status !== 200) throw new Error(`add failed: ${answer.raw}`);
    return String(answer.body.id);
  };

  const verifyNumber = async (phoneNumberId: string): Promise<void> => {
    await graph('POST', `/${phoneNumberId}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
    const code = sandbox.admin.latestCode(phoneNumberId);
    const answer = await graph('POST', `/${phoneNumberId}/verify_code`, { query: { code: code ?? '' } });
    if (answer.status !== 200) throw new Error(`verify failed: ${answer.raw}`);
  };

  const register = (phoneNumberId: string, pin = '123456'): Promise<GraphAnswer> =>
    graph('POST', `/${phoneNumberId}/register`, { json: { messaging_product: 'whatsapp', pin } });

  return {
    sandbox,
    portfolioId,
    wabaId,
    token,
    graph,
    addNumber,
    verifyNumber,
    register,
    close: () => sandbox.close(),
  };
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  signatureValid: boolean;
  payload: {
    object: string;
    entry: { id: string; time?: number; changes: { field: string; value: Record<string, unknown> }[] }[];
  };
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The values of every received change of this field. */
  values(field: string): Record<string, unknown>[];
  /** Answer the next `count` POSTs with this status instead of 200. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

/** A local endpoint like numberflow's: verifies X-Hub-Signature-256 over the raw body. */
export async function startWebhookReceiver(appSecret = APP_SECRET): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      // The handshake (docs/meta-graph-api.md#handshake): echo hub.challenge when the verify token is ours.
      const query = new URL(req.url ?? '/', 'http://receiver').searchParams;
      const ok = query.get('hub.mode') === 'subscribe' && query.get('hub.verify_token') === VERIFY_TOKEN;
      res.writeHead(ok ? 200 : 403).end(ok ? (query.get('hub.challenge') ?? '') : '');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (failures.count > 0) {
        failures = { ...failures, count: failures.count - 1 };
        res.writeHead(failures.status).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      received.push({
        headers: req.headers,
        raw,
        signatureValid: verifyWebhookSignature(raw, req.headers['x-hub-signature-256'], appSecret),
        payload: JSON.parse(raw.toString('utf8')) as ReceivedWebhook['payload'],
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return tracked<WebhookReceiver>({
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    values: (field) =>
      received.flatMap((w) =>
        w.payload.entry.flatMap((e) => e.changes.filter((c) => c.field === field).map((c) => c.value)),
      ),
    failNext: (count, status = 500) => {
      failures = { count, status };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A sandbox whose webhooks go to a fresh receiver (for beforeEach). */
export async function startWithReceiver(
  options: Partial<SandboxOptions> = {},
): Promise<{ t: TestSandbox; receiver: WebhookReceiver }> {
  const receiver = await startWebhookReceiver();
  return { t: await startTestSandbox({ webhookUrl: receiver.url, ...options }), receiver };
}

/** Starts a sandbox and its webhook receiver before each test, hands them to `bind`, and closes all after it. */
export function useSandboxWithReceiver(
  options: Partial<SandboxOptions>,
  bind: (started: { t: TestSandbox; receiver: WebhookReceiver }) => void,
): void {
  beforeEach(async () => bind(await startWithReceiver(options)));
  afterEach(closeAll);
}

/** Meta's error body, for assertions. */
export function metaError(answer: GraphAnswer): {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  error_data?: { messaging_product: string; details: string };
  fbtrace_id: string;
} {
  return answer.body.error as ReturnType<typeof metaError>;
}
