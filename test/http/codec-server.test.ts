import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec.js';
import { createDataConverter, workerDataConverter } from '../../src/codec/data-converter.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { codecRoutes, trustLoopbackCallers, type CodecRoutesOptions } from '../../src/http/codec-routes.js';
import { CODEC_TOKENS, payloadToJson, testTokenCheck, type JsonPayload } from '../support/codec.js';
import { TEST_CODEC_KEYS, testDataConverter, testSecretsKeys } from '../support/temporal.js';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const keyA = `a-1:${Buffer.alloc(32, 1).toString('base64')}`;
const keyB = `b-2:${Buffer.alloc(32, 2).toString('base64')}`;

const apps: FastifyInstance[] = [];
async function codecServer(overrides: Partial<CodecRoutesOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(codecRoutes, {
    codecKeys: parseCodecKeys(TEST_CODEC_KEYS),
    secrets: testSecretsKeys,
    namespace: 'default',
    corsOrigins: [UI_ORIGIN],
    authorize: testTokenCheck,
    ...overrides,
    prefix: '/codec',
  });
  apps.push(app);
  return app;
}
afterAll(async () => Promise.all(apps.map((app) => app.close())));

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});
const valueOf = (p: JsonPayload): unknown => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8'));

/** A payload as a numberflow client stores it: secrets sealed, then encrypted with the active payload key. */
async function stored(value: unknown, codecKeys = TEST_CODEC_KEYS): Promise<JsonPayload> {
  const [sealing, encryption] = createDataConverter(parseCodecKeys(codecKeys), testSecretsKeys).payloadCodecs ?? [];
  const plain = defaultPayloadConverter.toPayload(value);
  return payloadToJson((await encryption!.encode(await sealing!.encode([plain])))[0] as Payload);
}

function call(
  app: FastifyInstance,
  path: 'decode' | 'encode',
  payloads: JsonPayload[],
  token?: string,
  namespace = 'default',
) {
  return app.inject({
    method: 'POST',
    url: `/codec/${path}`,
    headers: {
      'content-type': 'application/json',
      'x-namespace': namespace,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    payload: { payloads },
  });
}

describe("the codec server (Temporal's remote codec for the Web UI and CLI)", () => {
  const submission = { code: '123830', actor: 'operator@acme' };

  it('refuses a caller without a token, or with a token it does not know (401)', async () => {
    const app = await codecServer();
    const payloads = [await stored(submission)];
    for (const answer of [await call(app, 'decode', payloads), await call(app, 'decode', payloads, 'guessed')]) {
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expect(answer.body).not.toContain('operator@acme');
    }
  });

  it('refuses a role that does not read histories, such as an onboarding service (403)', async () => {
    const app = await codecServer();
    const answer = await call(app, 'decode', [await stored(submission)], CODEC_TOKENS.onboarding);
    expect(answer.statusCode).toBe(403);
    expect(answer.json()).toEqual({
      message: 'reading histories needs one of the roles auditor, operator, admin; this token has none',
    });
  });

  it('shows an auditor every field in clear but the code, which reads [sealed]', async () => {
    const app = await codecServer();
    const answer = await call(app, 'decode', [await stored(submission)], CODEC_TOKENS.auditor);
    expect(answer.statusCode).toBe(200);
    const [decoded] = (answer.json() as { payloads: JsonPayload[] }).payloads;
    expect(Buffer.from(decoded!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(valueOf(decoded!)).toEqual({ code: '[sealed]', actor: 'operator@acme' });
    expect(answer.body).not.toContain(Buffer.from('123830').toString('base64'));
  });

  it('encodes what the Web UI sends (its "send signal") so that the worker reads it, the code sealed', async () => {
    const app = await codecServer();
    const plain = payloadToJson(defaultPayloadConverter.toPayload(submission));
    const answer = await call(app, 'encode', [plain], CODEC_TOKENS.operator);
    expect(answer.statusCode).toBe(200);
    const [encoded] = (answer.json() as { payloads: JsonPayload[] }).payloads;
    expect(Buffer.from(encoded!.metadata['encryption-key-id']!, 'base64').toString()).toBe('test-1');
    // What the worker's codecs make of it: the submission as typed.
    const codecs = workerDataConverter(testDataConverter).payloadCodecs ?? [];
    let decoded = [fromJson(encoded!)];
    for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual(submission);
    // What the payload layer alone shows: the code sealed, the actor readable.
    const [opened] = await new AesGcmCodec(parseCodecKeys(TEST_CODEC_KEYS)).decode([fromJson(encoded!)]);
    expect(Buffer.from(opened!.data ?? []).toString()).not.toContain('123830');
  });

  it('takes {} as no payloads, as proto3 JSON writes them (the CLI encodes a query without arguments so)', async () => {
    const app = await codecServer();
    for (const path of ['encode', 'decode'] as const) {
      const answer = await app.inject({
        method: 'POST',
        url: `/codec/${path}`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CODEC_TOKENS.operator}` },
        payload: {},
      });
      expect(answer.statusCode, path).toBe(200);
      expect(answer.json()).toEqual({ payloads: [] });
    }
  });

  it("answers the Web UI's CORS preflight from its origin, and no other origin's", async () => {
    const app = await codecServer();
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/codec/decode',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace,authorization',
        },
      });
    const fromUi = await preflight(UI_ORIGIN);
    expect(fromUi.statusCode).toBe(204);
    expect(fromUi.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(String(fromUi.headers['access-control-allow-headers']).toLowerCase()).toContain('x-namespace');
    expect(fromUi.headers['access-control-allow-methods']).toContain('POST');
    const fromElsewhere = await preflight('https://evil.example');
    expect(fromElsewhere.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a namespace whose payload keys it does not hold', async () => {
    const app = await codecServer();
    const answer = await call(app, 'decode', [await stored(submission)], CODEC_TOKENS.auditor, 'other-ns');
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      message: 'this codec server holds the keys of namespace "default", not "other-ns"',
    });
  });

  it('keeps old histories readable after the active key rotates, and names a key it no longer holds (400)', async () => {
    const underA = await stored(submission, keyA);
    const underB = await stored({ code: '654321', actor: 'auditor-visible@acme' }, `${keyB},${keyA}`);
    const rotated = await codecServer({ codecKeys: parseCodecKeys(`${keyB},${keyA}`) }); // B active, A kept
    const both = await call(rotated, 'decode', [underA, underB], CODEC_TOKENS.auditor);
    expect(both.statusCode).toBe(200);
    expect((both.json() as { payloads: JsonPayload[] }).payloads.map(valueOf)).toEqual([
      { code: '[sealed]', actor: 'operator@acme' },
      { code: '[sealed]', actor: 'auditor-visible@acme' },
    ]);
    const withoutA = await codecServer({ codecKeys: parseCodecKeys(keyB) });
    const missing = await call(withoutA, 'decode', [underA], CODEC_TOKENS.auditor);
    expect(missing.statusCode).toBe(400);
    expect((missing.json() as { message: string }).message).toMatch(/^no codec key "a-1" to decrypt a payload/);
  });

  it('trusts callers on this machine in the embedded default, and no one else', async () => {
    const app = await codecServer({ authorize: trustLoopbackCallers });
    const payloads = [await stored(submission)];
    const from = (remoteAddress: string) =>
      app.inject({ method: 'POST', url: '/codec/decode', payload: { payloads }, remoteAddress });
    expect((await from('127.0.0.1')).statusCode).toBe(200);
    expect((await from('::ffff:127.0.0.1')).statusCode).toBe(200);
    const remote = await from('203.0.113.9');
    expect(remote.statusCode).toBe(401);
    // Named as this machine, with or without a port; another site's name rebound to 127.0.0.1 is not trusted.
    const named = (host: string) =>
      app.inject({
        method: 'POST',
        url: '/codec/decode',
        payload: { payloads },
        remoteAddress: '127.0.0.1',
        headers: { host },
      });
    for (const host of ['localhost:8080', '127.0.0.1', '[::1]:8080', 'LOCALHOST']) {
      expect((await named(host)).statusCode, host).toBe(200);
    }
    for (const host of [
      'attacker.example:8080',
      'localhost.attacker.example',
      '127.0.0.1.nip.io:8080',
      'x@127.0.0.1',
      '127.0.0.1/x',
    ]) {
      expect((await named(host)).statusCode, host).toBe(401);
    }
    // Forwarded by a proxy on this machine: the caller is elsewhere, and needs a token.
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const proxied = await app.inject({
        method: 'POST',
        url: '/codec/decode',
        payload: { payloads },
        remoteAddress: '127.0.0.1',
        headers: { [header]: '203.0.113.9' },
      });
      expect(proxied.statusCode, header).toBe(401);
    }
  });
});
