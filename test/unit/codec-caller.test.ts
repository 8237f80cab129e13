// The codec server names who decoded on the request's line: the principal of the token it judged.
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { loadConfig } from '../../src/config.js';
import { PrincipalDirectory } from '../../src/http/auth/directory.js';
import { addPrincipal } from '../../src/http/auth/token-file.js';
import { codecServerOptions } from '../../src/http/codec-setup.js';
import { tempDir } from '../support/processes.js';
import { TEST_CODEC_KEYS, testSecretsKeys } from '../support/temporal.js';

describe("the codec server's caller", () => {
  it('is the principal of the token it judged, a refused role too, and nobody for an unknown token', async () => {
    const file = join(tempDir('codec-caller'), 'api-tokens.json');
    const auditor = addPrincipal(file, { name: 'auditor@acme', roles: ['auditor'] });
    const onboarding = addPrincipal(file, { name: 'onboarding@acme', roles: ['onboarding'] });
    const config = loadConfig({ TEMPORAL_ADDRESS: '10.0.0.5:7233', NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS });
    const { authorize } = codecServerOptions(
      config,
      parseCodecKeys(TEST_CODEC_KEYS),
      testSecretsKeys,
      PrincipalDirectory.fromFile(file),
    );
    const judged = async (token: string) => {
      const request = { headers: { authorization: `Bearer ${token}` }, principal: null } as unknown as FastifyRequest;
      return { verdict: await authorize(request), principal: request.principal?.name ?? null };
    };
    expect(await judged(auditor)).toEqual({ verdict: 'ok', principal: 'auditor@acme' });
    expect(await judged(onboarding)).toEqual({ verdict: 'forbidden', principal: 'onboarding@acme' });
    expect(await judged('nf_not-a-token')).toEqual({ verdict: 'unauthorized', principal: null });
  });
});
