import { describe, expect, it } from 'vitest';
import {
  classifyGraphFailure,
  GraphInputError,
  MissingTokenError,
  parseBusinessUseCaseUsage,
  PerWabaTokenProvider,
  regainAccessMs,
  staticTokenProvider,
} from '../../src/graph/index.js';
import { InMemoryTokenStore } from '../../src/stores/memory-token-store.js';

describe('token providers', () => {
  it('gives the one system-user token for every WABA', async () => {
    const tokens = staticTokenProvider('system-user-token');
    expect(await tokens.tokenFor('1')).toBe('system-user-token');
    expect(await tokens.tokenFor('2')).toBe('system-user-token');
    expect(() => staticTokenProvider(' ')).toThrow('empty');
  });

  it("prefers the WABA's own token and falls back to the system-user token", async () => {
    const tokens = new PerWabaTokenProvider(new InMemoryTokenStore(), 'system-user-token');
    await tokens.remember('1', 'business-token-1');
    expect(await tokens.tokenFor('1')).toBe('business-token-1');
    expect(await tokens.tokenFor('2')).toBe('system-user-token');
  });

  it('fails with a permanent error naming the WABA, not a token, when none is known', async () => {
    const tokens = new PerWabaTokenProvider(new InMemoryTokenStore());
    const err = await tokens.tokenFor('42').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingTokenError);
    expect((err as Error).message).toBe('no access token for WABA 42');
    expect(classifyGraphFailure(err)).toMatchObject({
      errorClass: 'permanent',
      remediation: expect.stringContaining('Embedded Signup') as string,
    });
  });
});

describe('X-Business-Use-Case-Usage', () => {
  const header = JSON.stringify({
    '111': [
      {
        type: 'whatsapp_business_management',
        call_count: 95,
        total_cputime: 3,
        total_time: 4,
        estimated_time_to_regain_access: 0,
      },
    ],
    '222': [{ type: 'whatsapp_business_management', call_count: 100, estimated_time_to_regain_access: 25 }],
  });

  it('parses the per-WABA entries', () => {
    expect(parseBusinessUseCaseUsage(header)?.['111']?.[0]?.call_count).toBe(95);
  });

  it("reads the WABA's regain time in minutes, or the longest one when the WABA is not named", () => {
    expect(regainAccessMs(header, '222')).toBe(25 * 60_000);
    expect(regainAccessMs(header, '333')).toBe(25 * 60_000);
    expect(regainAccessMs(header)).toBe(25 * 60_000);
  });

  it('gives no wait for a zero regain time, a missing header or one that is not JSON', () => {
    expect(regainAccessMs(header, '111')).toBeUndefined();
    expect(regainAccessMs(undefined)).toBeUndefined();
    expect(regainAccessMs('{not json')).toBeUndefined();
    expect(regainAccessMs('{"111":"x"}')).toBeUndefined();
  });
});

describe('failure classification', () => {
  it('calls an input numberflow refused permanent, and an unexpected error transient', () => {
    expect(classifyGraphFailure(new GraphInputError('bad', 'POST /{phone-number-id}/register')).errorClass).toBe(
      'permanent',
    );
    expect(classifyGraphFailure(new Error('store down')).errorClass).toBe('transient');
    expect(classifyGraphFailure('a string').errorClass).toBe('transient');
  });
});
