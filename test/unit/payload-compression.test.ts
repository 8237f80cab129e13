import { randomBytes, randomUUID } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { AesGcmCodec, decrypt, encrypt, UndecryptablePayloadError } from '../../src/codec/aes-gcm-codec.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { findUndecryptable } from '../../src/codec/undecryptable.js';

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
const key = Buffer.alloc(32, 7);
const codec = new AesGcmCodec(parseCodecKeys(`k1:${key.toString('base64')}`));
const encodingOf = (payload: Payload) => Buffer.from(payload.metadata?.encoding ?? []).toString();
/** What the encryption holds: the payload as serialized inside it. */
const inner = (payload: Payload) => PayloadMessage.decode(decrypt(Buffer.from(payload.data ?? []), key));
/** An encrypted payload holding `held`, as a codec of the key would have made it. */
const sealedAround = (held: Payload): Payload => ({
  metadata: { encoding: Buffer.from('binary/encrypted'), 'encryption-key-id': Buffer.from('k1') },
  data: encrypt(Buffer.from(PayloadMessage.encode(held).finish()), key),
});

/** A portfolio's carried state with `queued` journeys waiting, as big as the real one. */
function portfolioState(queued: number) {
  const since = Date.parse('2026-12-06T01:00:00Z');
  const queue = Array.from({ length: queued }, (_, i) => {
    const e164 = `+1555${String(1_000_000 + i * 7)}`;
    const runId = randomUUID();
    const at = new Date(since + i * 137).toISOString();
    return { e164, workflowId: `number:${e164}`, runId, firstRunId: runId, wabaId: '102290129340398', since: at };
  });
  return { cap: 20, holders: [], queue, admissions: 0, outbox: [], released: [], notes: [] };
}

describe('large payloads compressed inside the encryption', () => {
  it('carries a portfolio with 10,000 journeys queued in under 512 KB, where its JSON is over 2 MB', async () => {
    const state = portfolioState(10_000);
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(state)]);
    expect(JSON.stringify(state).length).toBeGreaterThan(2 * 1024 * 1024); // Temporal refuses a payload above 2 MB
    expect(encoded!.data!.length).toBeLessThan(512 * 1024); // and warns above 512 KB
    expect(encodingOf(encoded!)).toBe('binary/encrypted');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(state);
  });

  it("holds Temporal's zlib codec format: a binary/zlib payload of the deflated serialized payload", async () => {
    const payload = defaultPayloadConverter.toPayload(portfolioState(200));
    const [encoded] = await codec.encode([payload]);
    const held = inner(encoded!);
    expect(encodingOf(held)).toBe('binary/zlib');
    expect(PayloadMessage.decode(inflateSync(held.data!))).toEqual(
      PayloadMessage.decode(PayloadMessage.encode(payload).finish()),
    );
  });

  it('leaves small payloads, and those compression would not shrink, as they are', async () => {
    const small = defaultPayloadConverter.toPayload({ e164: '+15550001234', stage: 'AWAITING_OTP' });
    const noise: Payload = { metadata: { encoding: Buffer.from('binary/plain') }, data: randomBytes(64 * 1024) };
    const encoded = await codec.encode([small, noise]);
    expect(encoded.map((p) => encodingOf(inner(p)))).toEqual(['json/plain', 'binary/plain']);
    expect(await codec.decode(encoded)).toEqual(
      [small, noise].map((p) => PayloadMessage.decode(PayloadMessage.encode(p).finish())),
    );
  });

  it('marks in a worker, and refuses in a client, a compressed payload that does not inflate or inflates past 64 MB', async () => {
    const zlib = (data: Buffer): Payload => ({ metadata: { encoding: Buffer.from('binary/zlib') }, data });
    const forged = [
      sealedAround(zlib(Buffer.from('not zlib'))),
      sealedAround(zlib(deflateSync(Buffer.alloc(65 * 1024 * 1024)))),
    ];
    const marked = await codec.marking().decode(forged);
    const detail = 'an encrypted payload holds no payload, or one that does not inflate';
    expect(marked.map((p) => findUndecryptable([defaultPayloadConverter.fromPayload(p)]))).toEqual([
      { keyId: 'k1', reason: 'malformed', detail },
      { keyId: 'k1', reason: 'malformed', detail },
    ]);
    for (const payload of forged) {
      const failure = await codec.decode([payload]).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(UndecryptablePayloadError); // the codec server's 400, not a 500
    }
  });

  it('gives back a binary/zlib payload sent to be encoded as it came: never inflates what it did not deflate', async () => {
    // The codec server encodes what a caller sends: a deflate bomb sent as binary/zlib must come back as sent.
    const bomb: Payload = {
      metadata: { encoding: Buffer.from('binary/zlib') },
      data: deflateSync(Buffer.alloc(65 * 1024 * 1024)),
    };
    const [encoded] = await codec.encode([bomb]);
    const [decoded] = await codec.marking().decode([encoded!]);
    expect(decoded).toEqual(PayloadMessage.decode(PayloadMessage.encode(bomb).finish()));
  });

  it('encrypts large payloads uncompressed when told (a rolling upgrade), and reads compressed ones still', async () => {
    const keys = parseCodecKeys(`k1:${key.toString('base64')}`);
    const plain = new AesGcmCodec({ ...keys, compress: false });
    const payload = defaultPayloadConverter.toPayload(portfolioState(200));
    const [uncompressed] = await plain.encode([payload]);
    expect(encodingOf(inner(uncompressed!))).toBe('json/plain');
    const [fromNewer] = await codec.encode([payload]);
    const [decoded] = await plain.decode([fromNewer!]);
    expect(decoded).toEqual(PayloadMessage.decode(PayloadMessage.encode(payload).finish()));
  });

  it('inflates nothing that came unencrypted: a compressed payload sent by hand stays as it came', async () => {
    const byHand: Payload = {
      metadata: { encoding: Buffer.from('binary/zlib') },
      data: deflateSync('{"code":"123456"}'),
    };
    expect(await codec.decode([byHand])).toEqual([byHand]);
  });
});
