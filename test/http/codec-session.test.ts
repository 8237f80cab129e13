// The Web UI of a deployment (Docker Compose) sends no token to the codec server, but, told to include credentials,
// it sends the console's session cookie of the same host: the codec server judges that session's principal as it
// would a token's. Without either, a codec server joined to a cluster answers 401.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { useBench } from '../support/bench.js';
import { payloadToJson, testTokenCheck } from '../support/codec.js';
import { consoleApp, signedInClient, type ConsoleApp } from '../support/console.js';
import { loggerInto } from '../support/http-app.js';
import { TEST_CODEC_KEYS, testSecretsKeys } from '../support/temporal.js';

const UI_ORIGIN = 'http://localhost:8233';

describe("the codec server and the console's session (dev server)", () => {
  const t = useBench('dev');
  let under: ConsoleApp;
  let app: FastifyInstance;
  const logLines: string[] = [];
  beforeAll(async () => {
    under = await consoleApp(
      t.bench,
      [
        { name: 'auditor@acme', roles: ['auditor'] },
        { name: 'onboarding@acme', roles: ['onboarding'] },
      ],
      {
        codec: {
          codecKeys: parseCodecKeys(TEST_CODEC_KEYS),
          secrets: testSecretsKeys,
          namespace: 'default',
          corsOrigins: [UI_ORIGIN],
          authorize: testTokenCheck, // as joined to a cluster: a bearer token, or nothing
        },
        logger: loggerInto(logLines),
      },
    );
    app = under.app;
  });
  afterAll(async () => app?.close());

  async function stored(value: unknown) {
    const [sealing, encryption] =
      createDataConverter(parseCodecKeys(TEST_CODEC_KEYS), testSecretsKeys).payloadCodecs ?? [];
    const plain = defaultPayloadConverter.toPayload(value);
    return payloadToJson((await encryption!.encode(await sealing!.encode([plain])))[0] as Payload);
  }
  const decode = async (cookie: string | undefined) =>
    app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { 'content-type': 'application/json', origin: UI_ORIGIN, ...(cookie ? { cookie } : {}) },
      payload: { payloads: [await stored({ code: '123830', actor: 'operator@acme' })] },
    });

  it("decodes for a signed-in auditor's browser, refuses an onboarding session (403) and no session (401)", async () => {
    const auditor = await signedInClient(app, under.tokens['auditor@acme'] as string);
    const before = logLines.length;
    const decoded = await decode(auditor.cookieHeader);
    expect(decoded.statusCode).toBe(200);
    // Its request line names who decoded, as the API's name their callers.
    const lines = logLines.slice(before).map((line) => JSON.parse(line) as { msg: string; path?: string });
    expect(lines.find((line) => line.msg === 'request' && line.path === '/codec/decode')).toMatchObject({
      principal: 'auditor@acme',
    });
    expect(decoded.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(decoded.headers['access-control-allow-credentials']).toBe('true');
    const [payload] = (decoded.json() as { payloads: { data: string }[] }).payloads;
    expect(JSON.parse(Buffer.from(payload?.data ?? '', 'base64').toString())).toEqual({
      code: '[sealed]',
      actor: 'operator@acme',
    });
    const onboarding = await signedInClient(app, under.tokens['onboarding@acme'] as string);
    expect((await decode(onboarding.cookieHeader)).statusCode).toBe(403);
    expect((await decode(undefined)).statusCode).toBe(401);
    // A UI passing a token of its own sign-in (unknown here), or "Bearer undefined" without one: the cookie decides.
    const withUnknownToken = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { 'content-type': 'application/json', authorization: 'Bearer undefined', cookie: auditor.cookieHeader },
      payload: { payloads: [await stored({ pin: '246810' })] },
    });
    expect(withUnknownToken.statusCode).toBe(200);
    // A cookie this service did not sign is no session.
    expect(
      (await decode(auditor.cookieHeader.replace(/numberflow_session=[^;]+/, 'numberflow_session=forged'))).statusCode,
    ).toBe(401);
  });
});
