import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { connectionOptions } from '../../src/temporal/connection.js';

/** openssl makes the test's certificate (Node has no API for one); a machine without it skips these tests. */
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe.skipIf(!hasOpenssl)("the connection's TLS files", () => {
  const dir = mkdtempSync(join(tmpdir(), 'numberflow-tls-'));
  const cert = join(dir, 'client.pem');
  writeFileSync(cert, 'not really a certificate');
  const missing = join(dir, 'missing.pem');
  // A throwaway self-signed pair, made for the test (openssl, as README's key steps use).
  const [pemCert, pemKey] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  // describe.skipIf still runs this body: made only where openssl is.
  if (hasOpenssl)
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
        '-keyout',
        pemKey,
        '-out',
        pemCert,
        '-days',
        '1',
        '-subj',
        '/CN=numberflow-test',
      ]),
      { stdio: 'ignore' },
    );

  it.each([
    [{ TEMPORAL_TLS_CERT: missing, TEMPORAL_TLS_KEY: pemKey }, 'TEMPORAL_TLS_CERT'],
    [{ TEMPORAL_TLS_CERT: pemCert, TEMPORAL_TLS_KEY: missing }, 'TEMPORAL_TLS_KEY'],
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

  it('names a certificate in DER and an encrypted key, which gRPC cannot read', () => {
    const der = join(dir, 'cert.der');
    writeFileSync(der, new X509Certificate(readFileSync(pemCert)).raw);
    const encrypted = join(dir, 'encrypted.pem');
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'test' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(encrypted, privateKey);
    expect(() => connectionOptions(loadConfig({ TEMPORAL_TLS_CA: der }))).toThrow(
      `TEMPORAL_TLS_CA: "${der}" holds no PEM certificate`,
    );
    expect(() => connectionOptions(loadConfig({ TEMPORAL_TLS_CERT: pemCert, TEMPORAL_TLS_KEY: encrypted }))).toThrow(
      `TEMPORAL_TLS_KEY: "${encrypted}" holds an encrypted private key: give it without a passphrase`,
    );
  });

  it('reads the files that are there', () => {
    const options = connectionOptions(
      loadConfig({ TEMPORAL_TLS_CERT: pemCert, TEMPORAL_TLS_KEY: pemKey, TEMPORAL_TLS_CA: pemCert }),
    );
    expect(options.tls).toMatchObject({ serverRootCACertificate: readFileSync(pemCert) });
  });

  it.each([
    [{ TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: pemKey }, 'TEMPORAL_TLS_CERT', cert, 'certificate'],
    [{ TEMPORAL_TLS_CERT: pemCert, TEMPORAL_TLS_KEY: pemCert }, 'TEMPORAL_TLS_KEY', pemCert, 'private key'],
    [{ TEMPORAL_TLS_CA: pemKey }, 'TEMPORAL_TLS_CA', pemKey, 'certificate'],
  ])('names the variable and the file that holds no PEM of its kind (%o)', (env, variable, path, kind) => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233', ...env });
    expect(() => connectionOptions(config)).toThrow(`${variable}: "${path}" holds no PEM ${kind}`);
    // The file's content (a private key, perhaps) is never in the message.
    expect(() => connectionOptions(config)).not.toThrow(/BEGIN|not really/);
  });
});
