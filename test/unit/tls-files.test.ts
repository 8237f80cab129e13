import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { connectionOptions } from '../../src/temporal/connection.js';

describe("the connection's TLS files", () => {
  const dir = mkdtempSync(join(tmpdir(), 'numberflow-tls-'));
  const cert = join(dir, 'client.pem');
  writeFileSync(cert, 'not really a certificate');
  const missing = join(dir, 'missing.pem');

  it.each([
    [{ TEMPORAL_TLS_CERT: missing, TEMPORAL_TLS_KEY: cert }, 'TEMPORAL_TLS_CERT'],
    [{ TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: missing }, 'TEMPORAL_TLS_KEY'],
    [{ TEMPORAL_TLS_CA: missing }, 'TEMPORAL_TLS_CA'],
  ])('names the variable and the path of a missing file (%o)', (env, variable) => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233', ...env });
    expect(() => connectionOptions(config)).toThrow(ConfigError);
    expect(() => connectionOptions(config)).toThrow(`${variable}: cannot read "${missing}": no such file`);
    expect(() => connectionOptions(config)).not.toThrow(/ENOENT/);
  });

  it('says so when the path is a directory', () => {
    const config = loadConfig({ TEMPORAL_TLS_CA: dir });
    expect(() => connectionOptions(config)).toThrow(`TEMPORAL_TLS_CA: cannot read "${dir}": it is a directory`);
  });

  it('reads the files that are there', () => {
    const options = connectionOptions(
      loadConfig({ TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: cert, TEMPORAL_TLS_CA: cert }),
    );
    expect(options.tls).toMatchObject({ serverRootCACertificate: Buffer.from('not really a certificate') });
  });
});
