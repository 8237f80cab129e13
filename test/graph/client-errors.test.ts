import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  classifyGraphFailure,
  GraphClient,
  GraphError,
  GraphResponseError,
  GraphTransportError,
  MissingTokenError,
  PerWabaTokenProvider,
  staticTokenProvider,
  type NumberRef,
} from '../../src/graph/index.js';
import { InMemoryTokenStore } from '../../src/stores/memory-token-store.js';
import { metaError, useFakeGraph, type FakeGraph } from './support/fake-graph.js';

const WABA = '102290129340398';
const NUMBER: NumberRef = { wabaId: WABA, phoneNumberId: '106540352242922' };
const TOKEN = 'EAAG-system-user-token-9f8e7d';
const APP_SECRET = 'app-secret-0f9e8d7c';
const PIN = '482913';
const OTP = '123830';
const SECRETS = [TOKEN, APP_SECRET, PIN, OTP];
const HOUR = 3_600_000;

let graph: FakeGraph;
let client: GraphClient;

useFakeGraph(
  async () => ({ tokens: staticTokenProvider(TOKEN), appId: '1234567890', appSecret: APP_SECRET }),
  (fake, graphClient) => {
    graph = fake;
    client = graphClient;
  },
);

/** Runs the call, expects it to fail, and checks that no secret is anywhere in the error. */
async function failure(call: Promise<unknown>): Promise<unknown> {
  const err = await call.then(
    () => expect.unreachable('the call should have failed'),
    (e: unknown) => e,
  );
  const seen = [
    String(err),
    (err as Error).stack ?? '',
    JSON.stringify(err),
    JSON.stringify(classifyGraphFailure(err)),
  ];
  if (err instanceof GraphError) seen.push(JSON.stringify(err.toSummary()));
  for (const secret of SECRETS) expect(seen.join('\n')).not.toContain(secret);
  return err;
}

describe('Graph errors', () => {
  it('asks for the old PIN when two-step verification already holds another one (133005)', async () => {
    graph.reply({
      status: 400,
      body: metaError(133005, '(#133005) Two step verification PIN Mismatch', {
        details: 'Two step verification PIN Mismatch',
        fbtraceId: 'A1b2C3',
      }),
    });
    const err = await failure(client.register(NUMBER, { pin: PIN }));
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({
      code: 133005,
      type: 'OAuthException',
      details: 'Two step verification PIN Mismatch',
      fbtraceId: 'A1b2C3',
      httpStatus: 400,
      errorClass: 'permanent',
      endpoint: 'POST /{phone-number-id}/register',
    });
    expect((err as GraphError).remediation).toContain('old PIN');
    expect((err as Error).message).toBe(
      'POST /{phone-number-id}/register: Meta error 133005: (#133005) Two step verification PIN Mismatch (Two step verification PIN Mismatch)',
    );
    expect(classifyGraphFailure(err)).toMatchObject({ errorClass: 'permanent', code: 133005 });
  });

  it('waits 72 hours after the register/deregister limit (133016), whatever the usage header says', async () => {
    graph.reply({
      status: 400,
      headers: {
        'x-business-use-case-usage': JSON.stringify({ [WABA]: [{ estimated_time_to_regain_access: 7 }] }),
      },
      body: metaError(133016, '(#133016) Account register deregister rate limit exceeded'),
    });
    const err = await failure(client.deregister(NUMBER));
    expect(classifyGraphFailure(err)).toEqual({
      errorClass: 'rate_limited',
      retryAfterMs: 72 * HOUR,
      code: 133016,
      remediation: expect.stringContaining('72 hours') as string,
    });
    // A deregistration's words, not a registration's.
    expect((err as GraphError).remediation).toMatch(/then deregisters once\.$/);
    graph.reply({ status: 400, body: metaError(133016, '(#133016) Account register deregister rate limit exceeded') });
    expect(((await failure(client.register(NUMBER, { pin: PIN }))) as GraphError).remediation).toMatch(
      /then registers once\.$/,
    );
    graph.reply({ status: 400, body: metaError(133010, '(#133010) Account not registered') });
    expect(((await failure(client.deregister(NUMBER))) as GraphError).remediation).toMatch(
      /^The number is not registered on the Cloud API \(deregistered already.*request the removal again/,
    );
  });

  it("waits as long as Meta's details say after too many PIN guesses (133008), else the table's 12 hours", async () => {
    const lockedOut = (details?: string) => {
      graph.reply({
        status: 400,
        body: metaError(133008, '(#133008) Too many two step verification PIN guesses for this phone number', {
          ...(details === undefined ? {} : { details }),
        }),
      });
      return failure(client.register(NUMBER, { pin: PIN })).then((err) => (err as GraphError).retryAfterMs);
    };
    expect(await lockedOut('Too many PIN guesses. Try again in 3 hours.')).toBe(3 * HOUR);
    expect(await lockedOut('wait 90 minutes before the next attempt')).toBe(90 * 60_000);
    expect(await lockedOut('blocked for 1 day')).toBe(24 * HOUR);
    expect(await lockedOut('Try again in 1.5 hours.')).toBe(1.5 * HOUR);
    // The wait after its cue, not another number before it; its parts added up.
    expect(await lockedOut('Too many PIN guesses (5 attempts in 24 h). Try again in 30 minutes.')).toBe(30 * 60_000);
    expect(await lockedOut('Wait 12 hours 30 minutes')).toBe(12.5 * HOUR);
    expect(await lockedOut('locked for 2 days and 3 hours')).toBe(51 * HOUR);
    expect(await lockedOut('try again in 1h30m')).toBe(1.5 * HOUR);
    expect(await lockedOut('Wait 1,800 seconds.')).toBe(30 * 60_000);
    // Up to the end of the cue's sentence: a later number is not its wait.
    expect(await lockedOut('Please wait. Guesses reset after 24 hours.')).toBe(12 * HOUR);
    // Past a week, a week (then the register again), never the shorter table wait.
    expect(await lockedOut('try again in 30 days')).toBe(7 * 24 * HOUR);
    expect(await lockedOut('locked for 2 weeks')).toBe(7 * 24 * HOUR);
    // No wait named: the table's.
    expect(await lockedOut('Too many PIN guesses for this phone number')).toBe(12 * HOUR);
    expect(await lockedOut('try again in 2 months')).toBe(12 * HOUR);
    expect(await lockedOut()).toBe(12 * HOUR);
  });

  it("waits as long as X-Business-Use-Case-Usage says for the call's WABA (code 4)", async () => {
    graph.reply({
      status: 400,
      headers: {
        'x-business-use-case-usage': JSON.stringify({
          '999999999999': [{ type: 'whatsapp_business_management', estimated_time_to_regain_access: 60 }],
          [WABA]: [{ type: 'whatsapp_business_management', call_count: 100, estimated_time_to_regain_access: 12 }],
        }),
      },
      body: metaError(4, '(#4) Application request limit reached'),
    });
    const err = await failure(client.getPhoneNumber(NUMBER, ['status']));
    expect(err).toMatchObject({ code: 4, errorClass: 'rate_limited', retryAfterMs: 12 * 60_000 });
  });

  it('takes the longest wait in the header when it does not name the WABA (80008)', async () => {
    graph.reply({
      status: 400,
      headers: {
        'x-business-use-case-usage': JSON.stringify({
          '111': [{ estimated_time_to_regain_access: 3 }],
          '222': [{ estimated_time_to_regain_access: 9 }],
        }),
      },
      body: metaError(80008, '(#80008) Rate limit hit'),
    });
    expect(await failure(client.listPhoneNumbers(WABA))).toMatchObject({ code: 80008, retryAfterMs: 9 * 60_000 });
  });

  it("falls back to the table's wait without a usage header", async () => {
    graph.reply({ status: 400, body: metaError(80007, '(#80007) Rate limit hit') });
    expect(await failure(client.listPhoneNumbers(WABA))).toMatchObject({ retryAfterMs: 5 * 60_000 });
  });

  it('takes the trace id from x-fb-trace-id when the body has none', async () => {
    const body = metaError(131000, '(#131000) Something went wrong');
    delete body.error.fbtrace_id;
    graph.reply({ status: 500, headers: { 'x-fb-trace-id': 'HdrTrace9' }, body });
    const err = await failure(client.requestCode(NUMBER, { codeMethod: 'SMS', language: 'en_US' }));
    expect(err).toMatchObject({ code: 131000, errorClass: 'transient', fbtraceId: 'HdrTrace9', httpStatus: 500 });
  });

  it('treats a 503 outage page as transient', async () => {
    graph.reply({ status: 503, body: '<html><body>Service Unavailable</body></html>' });
    const err = await failure(client.getPhoneNumber(NUMBER, ['status']));
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({
      code: 2,
      httpStatus: 503,
      errorClass: 'transient',
      endpoint: 'GET /{phone-number-id}',
    });
    expect((err as Error).message).toContain('HTTP 503 without a Graph error body');
  });

  it("does not quote a proxy's error page, which may echo the query and its secrets", async () => {
    graph.reply({ status: 404, body: `<h1>Not found: /oauth/access_token?client_secret=${APP_SECRET}</h1>` });
    const err = await failure(client.exchangeSignupCode('signup-code'));
    expect(err).toMatchObject({ code: 1, httpStatus: 404, endpoint: 'GET /oauth/access_token' });
  });

  it('redacts a secret Meta quotes back in its message', async () => {
    graph.reply({
      status: 400,
      body: metaError(136025, `(#136025) Verify code error`, { details: `The code ${OTP} is not the one we sent` }),
    });
    const err = await failure(client.verifyCode(NUMBER, OTP));
    expect((err as GraphError).details).toBe('The code [redacted] is not the one we sent');
  });

  it('keeps the app secret and the signup code out of a failed exchange', async () => {
    graph.reply({
      status: 400,
      body: metaError(100, `Invalid verification code format. client_secret=${APP_SECRET}`, { type: 'OAuthException' }),
    });
    const err = await failure(client.exchangeSignupCode('AQD-signup-code'));
    expect((err as Error).message).not.toContain('AQD-signup-code');
    expect(err).toMatchObject({ code: 100, endpoint: 'GET /oauth/access_token' });
  });

  it('names the field path when a 2xx answer has a field of the wrong shape', async () => {
    graph.reply({ body: { data: [{ id: '1', status: 'connected now' }] } });
    const err = await failure(client.listPhoneNumbers(WABA, { fields: ['status'] }));
    expect(err).toBeInstanceOf(GraphResponseError);
    expect((err as Error).message).toContain(
      'GET /{waba-id}/phone_numbers: unexpected response: data.0.status: Invalid option',
    );
    expect(classifyGraphFailure(err).errorClass).toBe('permanent');
  });

  it('fails a 2xx answer that is not JSON as an unexpected response', async () => {
    graph.reply({ body: 'OK' });
    await expect(client.deregister(NUMBER)).rejects.toThrow(GraphResponseError);
  });

  it('reads a Graph error body even when it comes with a 200', async () => {
    graph.reply({ status: 200, body: metaError(131009, '(#131009) Parameter value is not valid') });
    expect(await failure(client.deregister(NUMBER))).toMatchObject({ code: 131009, httpStatus: 200 });
  });
});

describe('transport failures', () => {
  it('reports a refused connection as a transient transport error', async () => {
    const closedPort = await freePort();
    const offline = new GraphClient({ baseUrl: `http://127.0.0.1:${closedPort}`, tokens: staticTokenProvider(TOKEN) });
    try {
      const err = await failure(offline.register(NUMBER, { pin: PIN }));
      expect(err).toBeInstanceOf(GraphTransportError);
      expect((err as Error).message).toBe(
        `POST /{phone-number-id}/register: network error reaching Graph at http://127.0.0.1:${closedPort} (ECONNREFUSED)`,
      );
      expect(classifyGraphFailure(err).errorClass).toBe('transient');
    } finally {
      await offline.close();
    }
  });

  it('reports an answer that never comes as a transient transport error', async () => {
    // Its own client: a short answer timeout on the shared one could trip the other tests on a busy machine.
    const impatient = new GraphClient({
      baseUrl: graph.url,
      tokens: staticTokenProvider(TOKEN),
      requestTimeoutMs: 300,
    });
    try {
      graph.reply({ hang: true });
      const err = await failure(impatient.verifyCode(NUMBER, OTP));
      expect(err).toBeInstanceOf(GraphTransportError);
      expect((err as Error).message).toBe('POST /{phone-number-id}/verify_code: Graph did not answer within 300 ms');
    } finally {
      await impatient.close();
    }
  });

  it('fails without calling Meta when no token is known for the WABA', async () => {
    const noToken = new GraphClient({
      baseUrl: graph.url,
      tokens: new PerWabaTokenProvider(new InMemoryTokenStore()),
    });
    try {
      const err = await failure(noToken.deregister(NUMBER));
      expect(err).toBeInstanceOf(MissingTokenError);
      expect(classifyGraphFailure(err)).toMatchObject({ errorClass: 'permanent' });
      expect(graph.requests).toHaveLength(0);
    } finally {
      await noToken.close();
    }
  });
});

/** A port that was just free: listen on port 0, note it, close. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
