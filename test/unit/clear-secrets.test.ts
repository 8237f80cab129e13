// The worker's first decoding step: a plain JSON payload with a secret field's string in clear becomes a marker that
// keeps the value beside it; every other payload passes as it is.
import type { Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ClearSecretsGuard } from '../../src/codec/clear-secrets.js';
import { asTheyCame, findInClear } from '../../src/codec/undecryptable.js';

const json = (value: unknown): Payload => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(value)),
});
const decoded = async (payload: Payload): Promise<unknown> => {
  const [out] = await new ClearSecretsGuard().decode([payload]);
  return JSON.parse(Buffer.from(out?.data ?? []).toString());
};

describe('ClearSecretsGuard', () => {
  it('marks a plain payload holding a code, a PIN or a token in clear, nested or not, keeping the value', async () => {
    for (const [value, field] of [
      [{ code: '123456', actor: 'cli' }, 'code'],
      [{ pin: '135790', actor: 'cli' }, 'pin'],
      [{ rows: [{ request: { token: 'EAAB…' } }] }, 'token'],
    ] as const) {
      const marked = await decoded(json(value));
      expect(findInClear([marked])).toEqual({ field });
      expect(asTheyCame([marked])).toEqual([value]);
    }
  });

  it('finds a field name spelt with JSON escapes', async () => {
    const escaped: Payload = {
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from('{"\\u0063ode":"123456","actor":"cli"}'),
    };
    expect(findInClear([await decoded(escaped)])).toEqual({ field: 'code' });
  });

  it('passes encrypted payloads, sealed secrets, empty or non-string secret fields and other payloads as they are', async () => {
    const sealed = { code: { $sealed: 'v1', kid: 'k', epk: 'e', iv: 'i', ct: 'c' }, actor: 'operator' };
    const encrypted: Payload = {
      metadata: { encoding: Buffer.from('binary/encrypted') },
      data: Buffer.from('{"code":"1"}'),
    };
    for (const payload of [
      json(sealed),
      json({ code: '', actor: 'x' }),
      json({ metaError: { code: 136025 } }),
      json({ stage: 'LIVE' }),
      json(null),
      encrypted,
    ]) {
      const [out] = await new ClearSecretsGuard().decode([payload]);
      expect(out).toBe(payload);
    }
  });
});
