// A small typed client of numberflow's /v1 API for the command line: bearer token, JSON, every answer parsed with the
// API's own zod schemas (one definition of each shape), and every failure an error that says what to do. The
// token goes only into the Authorization header: no message, no log line holds it.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Pool } from 'undici';
import { z } from 'zod';
import type { ExportFormat, PortfolioWindow, TimelineFormat } from '../audit/index.js';
import type { JourneyActionName, JourneyEvent } from '../journeys/index.js';
import { errorReadSchema, type Problem } from '../http/error-body.js';
import { deadLetterActionAnswer, deadLettersAnswer } from '../http/api/dead-letter-schemas.js';
import { confirmedAnswer, sentAnswer, untrustedAnswer } from '../http/api/number-schemas.js';
import type { IdentityConfirmationBody, SentMessage, UntrustedCustomers, UntrustedPage } from './operations.js';
import {
  batchAnswer,
  journeyViewSchema,
  listAnswer,
  portfolioSchema,
  summaryAnswer,
  noteSchema,
  outcomeSchema,
  revealedPinAnswer,
  startedSchema,
  type startJourneyBody,
} from '../http/api/schemas.js';

export type StartBody = z.input<typeof startJourneyBody>;
export type Started = z.output<typeof startedSchema>;
export type ListAnswer = z.output<typeof listAnswer>;
export type OutcomeAnswer = z.output<typeof outcomeSchema>;
export type BatchAnswer = z.output<typeof batchAnswer>;

export interface ListQuery {
  stage?: string;
  portfolioId?: string;
  wabaId?: string;
  awaitingInput?: boolean;
  pageSize?: number;
  pageToken?: string;
}

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The API answered with its error shape: the status, its code and message, and the problems field by field. */
/** A service of the version before sends no waitingByInput: read as none counted. */
const summaryOfAnyVersion = summaryAnswer.extend({ waitingByInput: summaryAnswer.shape.waitingByInput.default({}) });

export class ApiAnswerError extends Error {
  override readonly name = 'ApiAnswerError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

/** The service could not be reached, or answered something that is not numberflow's API. */
export class ApiTransportError extends Error {
  override readonly name = 'ApiTransportError';
  constructor(
    message: string,
    /** No connection was made: the request never reached the service. */
    readonly neverSent = false,
    /** Nothing answered, or the service was unavailable: run again later, it may go through (not a wrong URL's 404). */
    readonly tryAgain = false,
  ) {
    super(message);
  }
}

/** The events of GET /v1/journeys/{e164}/events, with the data each carries. */
const eventData = {
  view: journeyViewSchema,
  stage: journeyViewSchema
    .pick({ stage: true, waiting: true })
    .extend({ at: z.iso.datetime().optional().describe('when the journey entered it') }),
  call: journeyViewSchema.pick({ callUnderWay: true }),
  note: noteSchema,
  end: z.object({
    result: journeyViewSchema.shape.result.unwrap(),
    at: z.iso.datetime().optional().describe('when the journey ended (absent from a service before it was sent)'),
  }),
} as const;

/** Connection errors that mean nothing answers at the URL (the service is down, or the URL is wrong). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** Of UNREACHABLE, those met before a connection was made: nothing was sent. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** How long a read (GET) waits for the service's answer, by default. */
const READ_TIMEOUT_MS = 30_000;

export class NumberflowApi {
  readonly #pool: Pool;
  readonly #base: string;
  readonly #where: string;
  readonly #token: string; // a private field: not shown when the client is inspected

  readonly #readTimeoutMs: number;

  constructor(url: URL, token: string, options: { connectTimeoutMs?: number; readTimeoutMs?: number } = {}) {
    this.#token = token;
    this.#readTimeoutMs = options.readTimeoutMs ?? READ_TIMEOUT_MS;
    this.#where = url.origin + url.pathname.replace(/\/+$/, '');
    this.#base = url.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(url.origin, {
      connect: { timeout: options.connectTimeoutMs ?? 10_000 },
      // An action waits up to 60 s for the journey; the event stream sends a keep-alive every 15 s.
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
  }

  /** POST /v1/journeys under `idempotencyKey`; `created` is false when the key found an earlier request's journey. */
  async start(body: StartBody, idempotencyKey: string): Promise<{ started: Started; created: boolean }> {
    const { status, json } = await this.#send('POST', '/v1/journeys', {
      body,
      headers: { 'idempotency-key': idempotencyKey },
    });
    return { started: this.#parse(startedSchema, json, 'POST /v1/journeys'), created: status === 201 };
  }

  async journey(e164: string) {
    const { json } = await this.#send('GET', `/v1/journeys/${encodeURIComponent(e164)}`);
    return this.#parse(journeyViewSchema, json, 'GET /v1/journeys/{e164}');
  }

  async list(query: ListQuery): Promise<ListAnswer> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const { json } = await this.#send('GET', `/v1/journeys?${params.toString()}`);
    return this.#parse(listAnswer, json, 'GET /v1/journeys');
  }

  /** POST /v1/journeys:batch: each row answered by its index. */
  async batch(rows: object[], how: { skipInvalid?: boolean; checkOnly?: boolean }): Promise<BatchAnswer> {
    const { json } = await this.#send('POST', '/v1/journeys:batch', { body: { rows, ...how } });
    return this.#parse(batchAnswer, json, 'POST /v1/journeys:batch');
  }

  async summary(query: { portfolioId?: string; wabaId?: string }) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, value);
    // The service walks every running journey to answer: given the action's time, not a read's.
    const { json } = await this.#send('GET', `/v1/journeys/summary?${params.toString()}`, { walksAll: true });
    return this.#parse(summaryOfAnyVersion, json, 'GET /v1/journeys/summary');
  }

  async portfolio(portfolioId: string) {
    const { json } = await this.#send('GET', `/v1/portfolios/${encodeURIComponent(portfolioId)}`);
    return this.#parse(portfolioSchema, json, 'GET /v1/portfolios/{id}');
  }

  /** PUT /v1/portfolios/{id}/cap; `taken` false when the portfolio had not shown the cap yet (202). */
  async setCap(portfolioId: string, body: { cap: number; reason: string }) {
    const path = `/v1/portfolios/${encodeURIComponent(portfolioId)}/cap`;
    const { status, json } = await this.#send('PUT', path, { body });
    return { view: this.#parse(portfolioSchema, json, 'PUT /v1/portfolios/{id}/cap'), taken: status === 200 };
  }

  /** POST /v1/portfolios/{id}/reconcile; `reconciled` false when it had not ended yet (202). */
  async reconcile(portfolioId: string, body: { reason: string }) {
    const path = `/v1/portfolios/${encodeURIComponent(portfolioId)}/reconcile`;
    const { status, json } = await this.#send('POST', path, { body });
    return {
      view: this.#parse(portfolioSchema, json, 'POST /v1/portfolios/{id}/reconcile'),
      reconciled: status === 200,
    };
  }

  async act(e164: string, action: JourneyActionName, body: object, waitSeconds: number): Promise<OutcomeAnswer> {
    const path = `/v1/journeys/${encodeURIComponent(e164)}/${action}?waitSeconds=${waitSeconds}`;
    const { json } = await this.#send('POST', path, { body });
    return this.#parse(outcomeSchema, json, `POST /v1/journeys/{e164}/${action}`);
  }

  async send(e164: string, message: { to: string; text: string }): Promise<SentMessage> {
    const { json } = await this.#send('POST', `/v1/numbers/${encodeURIComponent(e164)}/messages`, { body: message });
    return this.#parse(sentAnswer, json, 'POST /v1/numbers/{e164}/messages');
  }

  async untrusted(e164: string, page: UntrustedPage): Promise<UntrustedCustomers> {
    const query = new URLSearchParams({ pageSize: String(page.limit), offset: String(page.offset) });
    const path = `/v1/numbers/${encodeURIComponent(e164)}/identities?${query.toString()}`;
    const { json } = await this.#send('GET', path);
    return this.#parse(untrustedAnswer, json, 'GET /v1/numbers/{e164}/identities');
  }

  async confirmIdentity(e164: string, waId: string, body: IdentityConfirmationBody): Promise<{ message: string }> {
    const path = `/v1/numbers/${encodeURIComponent(e164)}/identities/${encodeURIComponent(waId)}/confirmation`;
    const { json } = await this.#send('POST', path, { body });
    return this.#parse(confirmedAnswer, json, 'POST /v1/numbers/{e164}/identities/{waId}/confirmation');
  }

  /** POST /v1/journeys/{e164}/pin-reveal: the two-step PIN, for an admin's token (the journey notes who and why). */
  async revealPin(e164: string, reason: string): Promise<string> {
    const path = `/v1/journeys/${encodeURIComponent(e164)}/pin-reveal`;
    const { json } = await this.#send('POST', path, { body: { reason } });
    return this.#parse(revealedPinAnswer, json, 'POST /v1/journeys/{e164}/pin-reveal').pin;
  }

  /** GET /v1/webhooks/dead-letters: a page of the webhook deliveries the inbox gave up on (admins). */
  async deadLetters(page: { after: number; pageSize: number }) {
    const query = new URLSearchParams({ after: String(page.after), pageSize: String(page.pageSize) });
    const { json } = await this.#send('GET', `/v1/webhooks/dead-letters?${query.toString()}`);
    return this.#parse(deadLettersAnswer, json, 'GET /v1/webhooks/dead-letters');
  }

  /** POST /v1/webhooks/dead-letters/{id}/replay: back in the inbox and routed; what became of it. */
  async replayDeadLetter(id: number) {
    const { json } = await this.#send('POST', `/v1/webhooks/dead-letters/${id}/replay`, { body: {} });
    return this.#parse(deadLetterActionAnswer, json, 'POST /v1/webhooks/dead-letters/{id}/replay');
  }

  /** DELETE /v1/webhooks/dead-letters/{id}: discarded for good. */
  async discardDeadLetter(id: number) {
    const { json } = await this.#send('DELETE', `/v1/webhooks/dead-letters/${id}`);
    return this.#parse(deadLetterActionAnswer, json, 'DELETE /v1/webhooks/dead-letters/{id}');
  }

  /** The journey's Server-Sent Events until the stream ends or `signal` aborts (then it returns quietly). */
  async *events(e164: string, signal: AbortSignal): AsyncGenerator<JourneyEvent> {
    const path = `/v1/journeys/${encodeURIComponent(e164)}/events`;
    let answer;
    try {
      answer = await this.#request('GET', path, { accept: 'text/event-stream' }, undefined, { signal });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    if (answer.statusCode !== 200) {
      await this.#raise(answer.statusCode, await answer.body.text().catch(() => ''));
    }
    const received: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (message) => received.push(message) });
    const decoder = new TextDecoder();
    let ended = false;
    try {
      for await (const chunk of answer.body) {
        parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
        for (const message of received.splice(0)) {
          const event = this.#eventOf(message);
          if (!event) continue;
          yield event;
          if (event.event === 'end') ended = true;
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      throw this.#transportError(err);
    }
    if (!ended && !signal.aborted) {
      throw new ApiTransportError(
        `the event stream of ${e164} closed before the journey ended (did numberflow at ${this.#where} stop?)`,
      );
    }
  }

  /** GET /v1/journeys/{e164}/audit: the number's timeline, rendered by the service (the text direct mode prints). */
  async timeline(e164: string, format: TimelineFormat): Promise<string> {
    const path = `/v1/journeys/${encodeURIComponent(e164)}/audit?format=${format}`;
    const answer = await this.#request('GET', path, { accept: '*/*' });
    const text = await answer.body.text().catch((err: unknown) => {
      throw this.#transportError(err);
    });
    if (answer.statusCode >= 400) await this.#raise(answer.statusCode, text);
    return text;
  }

  /** GET /v1/portfolios/{id}/export: the export's text as the service streams it. */
  async *portfolioExport({ portfolioId, since, until }: PortfolioWindow, format: ExportFormat): AsyncGenerator<string> {
    const query = new URLSearchParams({ since: since.toISOString(), until: until.toISOString(), format });
    const path = `/v1/portfolios/${encodeURIComponent(portfolioId)}/export?${query.toString()}`;
    const answer = await this.#request('GET', path, { accept: '*/*' });
    if (answer.statusCode >= 400) {
      await this.#raise(answer.statusCode, await answer.body.text().catch(() => ''));
    }
    const decoder = new TextDecoder();
    try {
      for await (const chunk of answer.body) yield decoder.decode(chunk as Buffer, { stream: true });
    } catch (err) {
      // The service cuts the stream short when it fails mid-way: the output must not pass for a whole export.
      throw new ApiTransportError(
        `the export from ${this.#where} stopped before its end (${errorCode(err) ?? String(err)}); what was written is incomplete: export again`,
      );
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  #eventOf(message: EventSourceMessage): JourneyEvent | null {
    if (message.event === undefined || !Object.hasOwn(eventData, message.event)) return null; // a newer service's
    const name = message.event as keyof typeof eventData;
    const data = this.#parse(eventData[name], parseJson(message.data), `event ${name}`);
    return { event: name, data } as JourneyEvent;
  }

  async #send(
    method: HttpMethod,
    path: string,
    options: { body?: object; headers?: Record<string, string>; walksAll?: boolean } = {},
  ): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body) headers['content-type'] = 'application/json';
    // A read answers at once: a service that took the connection and never answers is given up on sooner than an
    // action, which waits up to 60 s for the journey.
    const timeoutMs = method === 'GET' && !options.walksAll ? this.#readTimeoutMs : undefined;
    const answer = await this.#request(method, path, headers, options.body && JSON.stringify(options.body), {
      timeoutMs,
    });
    const text = await answer.body.text().catch((err: unknown) => {
      throw this.#transportError(err);
    });
    if (answer.statusCode >= 400) await this.#raise(answer.statusCode, text);
    return { status: answer.statusCode, json: parseJson(text) };
  }

  async #request(
    method: HttpMethod,
    path: string,
    headers: Record<string, string>,
    body?: string,
    { signal, timeoutMs }: { signal?: AbortSignal; timeoutMs?: number } = {},
  ) {
    try {
      return await this.#pool.request({
        method,
        path: this.#base + path,
        headers: { ...headers, authorization: `Bearer ${this.#token}`, 'user-agent': 'numberflow-cli' },
        body,
        signal,
        ...(timeoutMs === undefined ? {} : { headersTimeout: timeoutMs, bodyTimeout: timeoutMs }),
      });
    } catch (err) {
      throw this.#transportError(err);
    }
  }

  async #raise(status: number, text: string): Promise<never> {
    const parsed = errorReadSchema.safeParse(parseJson(text));
    if (!parsed.success) {
      // A service stopping answers 503 before any route (no body of ours); a proxy in front of it 502–504, which
      // may come after the request reached the service (a proxy's read timeout under an action's 60 s wait).
      const unavailable = status === 502 || status === 503 || status === 504;
      throw new ApiTransportError(
        status === 503
          ? `${this.#where} answered HTTP 503: numberflow is unavailable (stopping, or a proxy in front of it cannot reach it)`
          : unavailable
            ? `${this.#where} answered HTTP ${status}: a proxy in front of numberflow gave up on it; what was sent may have been taken — \`show\` says before it is sent again`
            : `${this.#where} answered HTTP ${status} without numberflow's error body; is NUMBERFLOW_URL numberflow's HTTP service?`,
        false,
        unavailable,
      );
    }
    const { code, message, problems } = parsed.data.error;
    const said = status === 401 ? `NUMBERFLOW_TOKEN was refused by ${this.#where}: ${message}` : message;
    throw new ApiAnswerError(said, status, code, problems);
  }

  #parse<T extends z.ZodType>(schema: T, json: unknown, what: string): z.output<T> {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new ApiTransportError(
      `${this.#where} answered ${what} with an unexpected body (${issues}); the CLI and the service may be different versions`,
    );
  }

  #transportError(err: unknown): Error {
    const code = errorCode(err);
    if (code && UNREACHABLE.has(code)) {
      return new ApiTransportError(
        `cannot reach numberflow at ${this.#where} (${code}); is it running, and is NUMBERFLOW_URL right?`,
        NOT_CONNECTED.has(code),
        code !== 'ENOTFOUND', // a host no name server knows: NUMBERFLOW_URL is wrong, not the service away
      );
    }
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new ApiTransportError(
        `numberflow at ${this.#where} did not answer in time (${code}); try again`,
        false,
        true,
      );
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The code of a Node or undici error, or of its cause (one attempt per address, when a name has several). */
function errorCode(err: unknown): string | undefined {
  const found = err as { code?: unknown; cause?: unknown; errors?: unknown[] } | null;
  if (typeof found?.code === 'string') return found.code;
  if (found?.cause) return errorCode(found.cause);
  if (Array.isArray(found?.errors)) return errorCode(found.errors[0]);
  return undefined;
}
