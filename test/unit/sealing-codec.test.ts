import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { SealingCodec } from '../../src/codec/sealing-codec.js';
import { generateSecretsKeyPair, UnsealableSecretError } from '../../src/codec/sealing.js';
import { localSecretsKeys, parseSecretsKeys } from '../../src/codec/secrets-keys.js';
import { findUndecryptable, describeUndecryptable } from '../../src/codec/undecryptable.js';
import { ConfigError } from '../../src/config.js';

const pair = generateSecretsKeyPair();
const worker = new SealingCodec(parseSecretsKeys({ NUMBERFLOW_SECRETS_KEY: pair.privateKey }));
const client = new SealingCodec(parseSecretsKeys({ NUMBERFLOW_SECRETS_PUBLIC_KEY: pair.publicKey }));

const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload | undefined): unknown => defaultPayloadConverter.fromPayload(payload as Payload);
const text = (payload: Payload | undefined) => Buffer.from(payload?.data ?? []).toString('utf8');

describe('the sealing codec', () => {
  const submission = { code: '123830', actor: 'operator@acme' };

  it('seals the code of an OTP submission and opens it again with the private key', async () => {
    const [sealed] = await client.encode([toPayload(submission)]);
    expect(text(sealed)).not.toContain('123830');
    expect(text(sealed)).toContain('operator@acme'); // everything else stays readable
    expect(fromPayload((await worker.decode([sealed as Payload]))[0])).toEqual(submission);
  });

  it('marks a sealed secret that is no envelope for a worker, refuses it to a client by its words, shows it so', async () => {
    const forged = toPayload({ code: { $sealed: 'v1', kid: 'x' }, actor: 'mallory' });
    const [marked] = await worker.marking().decode([forged]);
    expect(findUndecryptable([fromPayload(marked)])).toEqual({
      keyId: 'x',
      reason: 'malformed',
      layer: 'secret',
      detail: 'a sealed secret in a payload is malformed (not a v1 envelope)',
    });
    await expect(client.decode([forged])).rejects.toThrow('a sealed secret in a payload is malformed');
    expect(fromPayload((await worker.redacting().decode([forged]))[0])).toEqual({
      code: '[sealed, malformed]',
      actor: 'mallory',
    });
  });

  it('seals secrets at any depth: the PIN of a result, of a carried state, of an activity argument list', async () => {
    const value = [{ pin: '246810', repeat: false }, { result: { outcome: 'REMOVED', pin: '135790' } }];
    const [sealed] = await client.encode([toPayload(value)]);
    expect(text(sealed)).not.toMatch(/246810|135790/);
    expect(fromPayload((await worker.decode([sealed as Payload]))[0])).toEqual(value);
  });

  it('lets a client without any secrets key read, and refuses to send a secret unsealed', async () => {
    const reader = new SealingCodec({ seal: null, unseal: new Map() });
    const [plain] = await reader.encode([toPayload({ actor: 'auditor@acme', reason: 'read' })]);
    expect(fromPayload(plain)).toEqual({ actor: 'auditor@acme', reason: 'read' });
    await expect(reader.encode([toPayload(submission)])).rejects.toThrow(
      /^NUMBERFLOW_SECRETS_PUBLIC_KEY \(or NUMBERFLOW_SECRETS_KEY\) is required to send a code, a PIN or a token/,
    );
    const [sealed] = await client.encode([toPayload(submission)]);
    expect(fromPayload((await reader.decode([sealed as Payload]))[0])).toMatchObject({ actor: 'operator@acme' });
  });

  it('leaves the envelope to a client that holds only the public key', async () => {
    const [sealed] = await client.encode([toPayload({ pin: '246810' })]);
    const seen = fromPayload((await client.decode([sealed as Payload]))[0]) as { pin: Record<string, string> };
    expect(seen.pin).toMatchObject({ $sealed: 'v1', kid: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(JSON.stringify(seen)).not.toContain('246810');
  });

  it("leaves Meta's numeric error code readable, and a payload without secrets byte for byte", async () => {
    const failure = { code: 136025, message: 'Verification code mismatch', fbtraceId: 'AbC123' };
    const original = toPayload(failure);
    const [encoded] = await client.encode([original]);
    expect(encoded).toBe(original);
    expect(fromPayload(encoded)).toEqual(failure);
  });

  it('shows "[sealed]" in place of a secret when decoding for display, even with the private key', async () => {
    const [sealed] = await client.encode([toPayload(submission)]);
    const [shown] = await worker.redacting().decode([sealed as Payload]);
    expect(fromPayload(shown)).toEqual({ code: '[sealed]', actor: 'operator@acme' });
  });

  it('fails clearly on a tampered envelope, naming the key and never the secret', async () => {
    const [sealed] = await client.encode([toPayload({ pin: '246810' })]);
    const envelope = JSON.parse(text(sealed)) as { pin: { ct: string } };
    envelope.pin.ct = `${envelope.pin.ct.startsWith('A') ? 'B' : 'A'}${envelope.pin.ct.slice(1)}`;
    const tampered = toPayload(envelope);
    const kid = parseSecretsKeys({ NUMBERFLOW_SECRETS_PUBLIC_KEY: pair.publicKey }).seal.kid;
    await expect(worker.decode([tampered])).rejects.toThrow(new UnsealableSecretError(kid, 'wrong-key').message);
    // A worker turns it into the marker that fails the workflow, naming the secrets key.
    const [marked] = await worker.marking().decode([tampered]);
    const undecryptable = findUndecryptable([fromPayload(marked)]);
    expect(undecryptable).toEqual({ keyId: kid, reason: 'wrong-key', layer: 'secret' });
    expect(describeUndecryptable(undecryptable!)).toContain('NUMBERFLOW_SECRETS_KEY');
  });

  it('marks a secret sealed with a key the worker does not hold, while a client keeps it sealed', async () => {
    const other = new SealingCodec(parseSecretsKeys({ NUMBERFLOW_SECRETS_KEY: generateSecretsKeyPair().privateKey }));
    const [foreign] = await other.encode([toPayload({ pin: '246810' })]);
    const [marked] = await worker.marking().decode([foreign as Payload]);
    expect(findUndecryptable([fromPayload(marked)])).toMatchObject({ reason: 'unknown-key', layer: 'secret' });
    const [kept] = await worker.decode([foreign as Payload]);
    expect(fromPayload(kept)).toMatchObject({ pin: { $sealed: 'v1' } });
  });

  it('opens secrets sealed with an older pair after the pair rotates (the old private key kept)', async () => {
    const newer = generateSecretsKeyPair();
    const [old] = await worker.encode([toPayload({ pin: '246810' })]);
    const rotated = new SealingCodec(
      parseSecretsKeys({ NUMBERFLOW_SECRETS_KEY: `${newer.privateKey},${pair.privateKey}` }),
    );
    const [fresh] = await rotated.encode([toPayload({ pin: '135790' })]);
    expect((await rotated.decode([old as Payload, fresh as Payload])).map(fromPayload)).toEqual([
      { pin: '246810' },
      { pin: '135790' },
    ]);
    // A worker given only the old pair names the new key rather than read garbage.
    const [marked] = await worker.marking().decode([fresh as Payload]);
    expect(findUndecryptable([fromPayload(marked)])).toMatchObject({ reason: 'unknown-key', layer: 'secret' });
  });

  it('refuses a worker without the private key, and a public key that is not the pair of its private one', () => {
    expect(() => client.marking()).toThrow(/NUMBERFLOW_SECRETS_KEY/);
    expect(() =>
      parseSecretsKeys({
        NUMBERFLOW_SECRETS_KEY: pair.privateKey,
        NUMBERFLOW_SECRETS_PUBLIC_KEY: generateSecretsKeyPair().publicKey,
      }),
    ).toThrow(ConfigError);
    const refusal = (() => {
      try {
        parseSecretsKeys({ NUMBERFLOW_SECRETS_KEY: 'bm90IGEga2V5' });
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(refusal).toBe(
      'NUMBERFLOW_SECRETS_KEY: key 1 is not base64 DER (make a pair with: npm run numberflow -- secrets-keygen)',
    );
  });

  it('makes one pair for the embedded default, the private key owner-only, and keeps it across starts', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-secrets-'));
    const first = localSecretsKeys(dataDir);
    const again = localSecretsKeys(dataDir);
    expect(again.seal.kid).toBe(first.seal.kid);
    expect(statSync(join(dataDir, 'secrets-key')).mode & 0o777).toBe(0o600);
    const publicKey = readFileSync(join(dataDir, 'secrets-key.pub'), 'utf8').trim();
    expect(parseSecretsKeys({ NUMBERFLOW_SECRETS_PUBLIC_KEY: publicKey }).seal.kid).toBe(first.seal.kid);
  });
});
