// A worker or the service alone on npm start's dev server (no TEMPORAL_ADDRESS) never makes keys of its own: npm
// start's worker could not open what it encrypts or seals.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireDevServerKeys } from '../../src/codec/dev-server-keys.js';
import { loadConfig } from '../../src/config.js';
import { tempDir } from '../support/processes.js';
import { TEST_CODEC_KEYS, TEST_SECRETS_KEY, TEST_SECRETS_PUBLIC_KEY } from '../support/temporal.js';

describe('keys of a worker or service alone on the dev server', () => {
  it("are npm start's: its data folder's files, or given; never made where they are not", () => {
    const empty = tempDir('dev-server-keys');
    const check = (env: Record<string, string>, who: 'a worker' | 'the HTTP service') =>
      requireDevServerKeys(loadConfig({ NUMBERFLOW_DATA_DIR: empty, ...env }), who);
    expect(() => check({}, 'a worker')).toThrow(
      `no payload keys (codec-keys) nor secrets key (secrets-key) in ${empty}: a worker alone`,
    );
    // The payload keys given, not the secrets key: that one would be made here, and seal what no one opens.
    expect(() => check({ NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS }, 'a worker')).toThrow(
      `no secrets key (secrets-key) in ${empty}`,
    );
    expect(() =>
      check({ NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS, NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY }, 'a worker'),
    ).not.toThrow();
    // The service only seals: the public half is enough; it is told to give the keys (its folder is its own).
    expect(() => check({ NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS }, 'the HTTP service')).toThrow(
      /give NUMBERFLOW_CODEC_KEYS and NUMBERFLOW_SECRETS_PUBLIC_KEY from npm start's data folder/,
    );
    const service = { NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS, NUMBERFLOW_SECRETS_PUBLIC_KEY: TEST_SECRETS_PUBLIC_KEY };
    expect(() => check(service, 'the HTTP service')).not.toThrow();
    // npm start's folder, where its keys are.
    const npmStart = tempDir('dev-server-keys-npm-start');
    writeFileSync(join(npmStart, 'codec-keys'), 'k\n');
    writeFileSync(join(npmStart, 'secrets-key'), 'k\n');
    expect(() => requireDevServerKeys(loadConfig({ NUMBERFLOW_DATA_DIR: npmStart }), 'a worker')).not.toThrow();
    // A cluster's keys are required by name where they are read.
    expect(() => check({ TEMPORAL_ADDRESS: '10.0.0.5:7233' }, 'a worker')).not.toThrow();
  });
});
