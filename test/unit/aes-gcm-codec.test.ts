import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { AesGcmCodec, UndecryptablePayloadError } from '../../src/codec/aes-gcm-codec.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { describeUndecryptable, findUndecryptable } from '../../src/codec/undecryptable.js';

const keys = (spec: string) => parseCodecKeys(spec);
const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');
const secret = { code: '123830', actor: 'ops@acme' };

describe('the payload codec and undecryptable payloads', () => {
  const sent = () => new AesGcmCodec(keys(`client-1:${key(1)}`)).encode([defaultPayloadConverter.toPayload(secret)]);

  it.each([
    ['no key of that id', `worker-1:${key(2)}`, 'unknown-key'],
    ['another key under that id', `client-1:${key(2)}`, 'wrong-key'],
  ] as const)('a client throws naming the key when it has %s', async (_, spec, reason) => {
    const failure = await new AesGcmCodec(keys(spec)).decode(await sent()).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UndecryptablePayloadError);
    expect((failure as UndecryptablePayloadError).undecryptable).toEqual({ keyId: 'client-1', reason });
    expect((failure as Error).message).toContain('"client-1"');
  });

  it.each([
    ['no key of that id', `worker-1:${key(2)}`, 'unknown-key'],
    ['another key under that id', `client-1:${key(2)}`, 'wrong-key'],
  ] as const)(
    'a worker decodes it to a marker naming the key, never the payload, when it has %s',
    async (_, spec, reason) => {
      const [decoded] = await new AesGcmCodec(keys(spec)).marking().decode(await sent());
      const value = defaultPayloadConverter.fromPayload(decoded!);
      const undecryptable = findUndecryptable([value]);
      expect(undecryptable).toEqual({ keyId: 'client-1', reason });
      expect(describeUndecryptable(undecryptable!)).toMatch(/^payload encrypted with key 'client-1' /);
      expect(JSON.stringify(value)).not.toContain(secret.code);
    },
  );

  it('a worker marks an encrypted payload without its key id or data (sent by hand); a client refuses it in words', async () => {
    const [encrypted] = await sent();
    const { 'encryption-key-id': _kid, ...noKeyId } = encrypted!.metadata ?? {};
    const forged = [{ ...encrypted!, metadata: noKeyId }, { metadata: encrypted!.metadata }];
    const codec = new AesGcmCodec(keys(`client-1:${key(1)}`));
    const marked = await codec.marking().decode(forged);
    expect(marked.map((p) => findUndecryptable([defaultPayloadConverter.fromPayload(p)]))).toEqual([
      { keyId: '', reason: 'malformed', detail: 'an encrypted payload has no key id' },
      { keyId: 'client-1', reason: 'malformed', detail: 'an encrypted payload has no data' },
    ]);
    const failure = await codec.decode(forged.slice(0, 1)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UndecryptablePayloadError); // the codec server's 400, not a 500
    expect((failure as Error).message).toBe('an encrypted payload has no key id');
  });

  it('a worker holding the key decodes the payload itself', async () => {
    const [decoded] = await new AesGcmCodec(keys(`worker-1:${key(2)},client-1:${key(1)}`))
      .marking()
      .decode(await sent());
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secret);
    expect(findUndecryptable([secret, null, 'x'])).toBeUndefined();
  });
});
