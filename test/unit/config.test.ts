import { describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  codecCorsOrigins,
  ConfigError,
  loadConfig,
  trustedProxies,
  usesSandbox,
  withoutCredentials,
} from '../../src/config.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { secretsKeysFor } from '../../src/codec/secrets-keys.js';
import { embeddedCodecEndpoint, trustsLoopback } from '../../src/http/codec-setup.js';
import { STORE_KEY_FILE, storeSealerFor } from '../../src/stores/sealed.js';
import { tempDir } from '../support/processes.js';

describe('configuration', () => {
  it('defaults to the embedded dev server', () => {
    const config = loadConfig({});
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config).toMatchObject({
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'numberflow',
      TEMPORAL_DEV_PORT: 7233,
      TEMPORAL_UI_PORT: 8233,
      NUMBERFLOW_DATA_DIR: '.data',
    });
  });

  it('names the variable and what is wrong with it', () => {
    expect(() => loadConfig({ TEMPORAL_UI_PORT: 'eighty', TEMPORAL_ADDRESS: 'localhost' })).toThrow(ConfigError);
    try {
      loadConfig({ TEMPORAL_UI_PORT: 'eighty', TEMPORAL_ADDRESS: 'localhost' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('TEMPORAL_UI_PORT: must be a number (got "eighty")');
      expect(message).toContain(
        'TEMPORAL_ADDRESS: must be host:port, e.g. 127.0.0.1:7233 ([::1]:7233 for IPv6) (got "localhost")',
      );
    }
  });

  it("shows a refused URL without its user, password or query: a key given there is no error's to print", () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('taken');
    };
    const tracing = refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:S3cretPw@collector.example/v1?api_key=K3yK3y' });
    expect(tracing).toContain('OTEL_EXPORTER_OTLP_ENDPOINT: ');
    expect(tracing).toContain('(got "ftp://…@collector.example/v1?…")');
    const graph = refused({ GRAPH_BASE_URL: 'graph.example/v21.0?access_token=EAAsecret#x' });
    expect(graph).toContain('GRAPH_BASE_URL: ');
    for (const secret of ['S3cretPw', 'K3yK3y', 'EAAsecret']) expect(tracing + graph).not.toContain(secret);
    expect(withoutCredentials('localhost')).toBe('localhost'); // what is no URL is shown as given
    expect(withoutCredentials('http://a:b@h:1/p?q=1#f')).toBe('http://…@h:1/p?…');
    // Malformed, as refused values are: a password with an @ or a / in it, or no scheme at all.
    expect(withoutCredentials('http://u:p@ss@h')).toBe('http://…@h');
    expect(withoutCredentials('http://u:pa/ss@h')).toBe('http://…@h');
    expect(withoutCredentials('u:secret@host:7233')).toBe('…@host:7233');
    expect(withoutCredentials('http://u:p#ss@h:1')).toBe('http://…@h:1');
  });

  it('refuses a non-loopback HTTP_HOST without META_APP_SECRET, and names both', () => {
    for (const host of ['0.0.0.0', '10.1.2.3', '::', 'webhooks.example.com']) {
      expect(() => loadConfig({ HTTP_HOST: host })).toThrow(
        /HTTP_HOST: a non-loopback HTTP_HOST needs META_APP_SECRET/,
      );
    }
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost']) {
      expect(loadConfig({ HTTP_HOST: host }).HTTP_HOST).toBe(host);
    }
    expect(loadConfig({ HTTP_HOST: '0.0.0.0', META_APP_SECRET: 'real-secret' }).HTTP_HOST).toBe('0.0.0.0');
  });

  it('believes the proxies it is given, by address, range or name, and refuses anything else by item', () => {
    expect(trustedProxies(loadConfig({}))).toEqual([]);
    const given = loadConfig({ HTTP_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8,fd00::/8, ::1,loopback' });
    expect(trustedProxies(given)).toEqual(['127.0.0.1', '10.0.0.0/8', 'fd00::/8', '::1', 'loopback']);
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '::/129', '10.0.0.1/8/8', '10.0.0.0/', '10.0.0.1,']) {
      expect(() => loadConfig({ HTTP_TRUSTED_PROXIES: bad })).toThrow(
        /HTTP_TRUSTED_PROXIES: ".*" is not an IP address/,
      );
    }
    for (const everyone of ['0.0.0.0/0', '::/0', '10.0.0.0/00', '::ffff:0.0.0.0/96', '::ffff:0:0/80']) {
      expect(() => loadConfig({ HTTP_TRUSTED_PROXIES: everyone })).toThrow(
        /" would trust every address, which is no proxy/,
      );
    }
    expect(trustedProxies(loadConfig({ HTTP_TRUSTED_PROXIES: '::ffff:10.0.0.0/104' }))).toEqual([
      '::ffff:10.0.0.0/104',
    ]);
  });

  it('trusts callers on this machine with the codec only in the embedded default with no proxy in front', () => {
    expect(trustsLoopback(loadConfig({}))).toBe(true);
    // A proxy on this machine that adds no forwarding header would pass anyone's request on as its own.
    expect(trustsLoopback(loadConfig({ HTTP_TRUSTED_PROXIES: '127.0.0.1' }))).toBe(false);
    expect(trustsLoopback(loadConfig({ HTTP_HOST: '0.0.0.0', META_APP_SECRET: 'real-secret' }))).toBe(false);
  });

  it('lets the embedded Web UI call the codec server, or the origins it is given, and refuses a path or a typo', () => {
    expect(codecCorsOrigins(loadConfig({ TEMPORAL_UI_PORT: '9233' }))).toEqual([
      'http://127.0.0.1:9233',
      'http://localhost:9233',
    ]);
    const given = loadConfig({ NUMBERFLOW_CODEC_CORS_ORIGINS: 'https://ui.example.com, http://10.0.0.5:8080' });
    expect(codecCorsOrigins(given)).toEqual(['https://ui.example.com', 'http://10.0.0.5:8080']);
    for (const bad of ['https://ui.example.com/', 'ui.example.com', 'https://a.example,']) {
      expect(() => loadConfig({ NUMBERFLOW_CODEC_CORS_ORIGINS: bad })).toThrow(
        /NUMBERFLOW_CODEC_CORS_ORIGINS: must be origins/,
      );
    }
    expect(embeddedCodecEndpoint(loadConfig({ HTTP_PORT: '18080' }))).toBe('http://127.0.0.1:18080/codec');
    expect(embeddedCodecEndpoint(loadConfig({ HTTP_PORT: '0' }))).toBeUndefined(); // known only once listening
  });

  it('asks a worker joining a cluster for the private secrets key, and lets a client without one only read', () => {
    const cluster = { TEMPORAL_ADDRESS: 'temporal.example:7233', NUMBERFLOW_DATA_DIR: '/nonexistent' };
    expect(() => secretsKeysFor(cluster, { unseal: true })).toThrow(
      "NUMBERFLOW_SECRETS_KEY is required with TEMPORAL_ADDRESS: the worker unseals PINs and codes to call Meta (for `npm start`'s dev server on another port, set TEMPORAL_DEV_PORT instead: its data folder holds the keys)",
    );
    // A client without a key only reads (an auditor's audit); it refuses to send a secret, naming the variable.
    const reader = secretsKeysFor(cluster, { unseal: false });
    expect(reader.seal).toBeNull();
    expect(reader.unseal.size).toBe(0);
  });

  it('takes a console secret of 32 characters or more, and never shows a shorter one', () => {
    const secret = 'a console secret long enough, 32+';
    expect(loadConfig({ NUMBERFLOW_CONSOLE_SECRET: secret }).NUMBERFLOW_CONSOLE_SECRET).toBe(secret);
    expect(loadConfig({}).NUMBERFLOW_CONSOLE_SECRET).toBeUndefined();
    expect(() => loadConfig({ NUMBERFLOW_CONSOLE_SECRET: 'short-secret' })).toThrow(
      /NUMBERFLOW_CONSOLE_SECRET: must be at least 32 characters, e.g. from: openssl rand -base64 32$/m,
    );
    expect(() => loadConfig({ NUMBERFLOW_CONSOLE_SECRET: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('asks for both halves of an mTLS pair', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: '/etc/tls/client.pem' })).toThrow(
      'TEMPORAL_TLS_KEY: mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY',
    );
  });

  it('never repeats a secret value in an error', () => {
    try {
      loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS_KEY: 'secret-key-path' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-key-path');
    }
  });

  it('takes a PostgreSQL URL for the stores, never repeating it, and asks an app for its secret and verify token', () => {
    expect(loadConfig({ NUMBERFLOW_DATABASE_URL: 'postgres://nf@db:5432/numberflow' }).NUMBERFLOW_DATABASE_URL).toBe(
      'postgres://nf@db:5432/numberflow',
    );
    expect(() => loadConfig({ NUMBERFLOW_DATABASE_URL: 'mysql://nf:hunter2@db/numberflow' })).toThrow(
      /^invalid configuration:\n {2}NUMBERFLOW_DATABASE_URL: must be a postgres:\/\/ URL$/,
    );
    // An unencoded password (a base64 one's / or #) is named as the problem, the URL not repeated.
    expect(() => loadConfig({ NUMBERFLOW_DATABASE_URL: 'postgres://nf:ab/c#d=@db:5432/numberflow' })).toThrow(
      /^invalid configuration:\n {2}NUMBERFLOW_DATABASE_URL: is not a URL: a user or password holding \/ # \? or @ must be percent-encoded in it \(encodeURIComponent\)$/,
    );
    expect(
      loadConfig({ NUMBERFLOW_DATABASE_URL: `postgres://nf:${encodeURIComponent('ab/c#d=')}@db:5432/numberflow` })
        .NUMBERFLOW_DATABASE_URL,
    ).toBe('postgres://nf:ab%2Fc%23d%3D@db:5432/numberflow');
    expect(() => loadConfig({ META_APP_ID: '1234' })).toThrow(
      /META_APP_SECRET: is required with META_APP_ID[^]*META_WEBHOOK_VERIFY_TOKEN: is required with META_APP_ID/,
    );
  });

  it("takes a variable set blank (an env file's `HTTP_PORT=`) as unset: its default, never port 0 or an error", () => {
    const blank = loadConfig({ HTTP_PORT: '', SANDBOX_PORT: ' ', LOG_LEVEL: '', WORKER_MAX_CACHED_WORKFLOWS: '' });
    const defaults = loadConfig({});
    expect(blank.HTTP_PORT).toBe(8080);
    expect(blank.SANDBOX_PORT).toBe(8788);
    expect(blank.LOG_LEVEL).toBe(defaults.LOG_LEVEL);
    expect(blank.WORKER_MAX_CACHED_WORKFLOWS).toBe(defaults.WORKER_MAX_CACHED_WORKFLOWS);
    // Where the default sends the work elsewhere (real Meta, another namespace), blank is refused instead.
    expect(() => loadConfig({ GRAPH_BASE_URL: '' })).toThrow('GRAPH_BASE_URL: must be a URL');
    expect(() => loadConfig({ TEMPORAL_NAMESPACE: ' ' })).toThrow('TEMPORAL_NAMESPACE: must not be empty');
    expect(loadConfig({ HTTP_PORT: '0' }).HTTP_PORT).toBe(0); // said so: any free port, as the tests take
  });

  it('takes a Temporal address with an IPv6 host in brackets, and refuses a port past 65535 at once', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '[::1]:7233' }).TEMPORAL_ADDRESS).toBe('[::1]:7233');
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal.example.com:7233' }).TEMPORAL_ADDRESS).toBe(
      'temporal.example.com:7233',
    );
    for (const address of ['localhost:99999', 'localhost:0']) {
      expect(() => loadConfig({ TEMPORAL_ADDRESS: address })).toThrow(
        `TEMPORAL_ADDRESS: its port must be 1 to 65535 (got "${address}")`,
      );
    }
    expect(() => loadConfig({ TEMPORAL_ADDRESS: '::1:7233' })).toThrow(/TEMPORAL_ADDRESS: must be host:port/);
  });

  it('runs against the sandbox only without a system-user token and without an app', () => {
    expect(usesSandbox(loadConfig({}))).toBe(true);
    expect(usesSandbox(loadConfig({ META_APP_ID: '1', META_APP_SECRET: 's', META_WEBHOOK_VERIFY_TOKEN: 'v' }))).toBe(
      false,
    );
    expect(
      usesSandbox(loadConfig({ META_ACCESS_TOKEN: 't', META_APP_SECRET: 's', META_WEBHOOK_VERIFY_TOKEN: 'v' })),
    ).toBe(false);
  });

  it('requires the store key with a database of the fleet, and makes one in the data folder otherwise', () => {
    expect(() => storeSealerFor({ NUMBERFLOW_DATABASE_URL: 'postgres://db/nf', NUMBERFLOW_DATA_DIR: '.data' })).toThrow(
      /NUMBERFLOW_STORE_KEY is required with NUMBERFLOW_DATABASE_URL/,
    );
    const dataDir = tempDir('store-key');
    const made = storeSealerFor({ NUMBERFLOW_DATA_DIR: dataDir });
    expect(made.activeKeyId).toMatch(/^store-[0-9a-f]{8}$/);
    expect(statSync(join(dataDir, STORE_KEY_FILE)).mode & 0o777).toBe(0o600);
    const sealed = made.seal('EAAtoken', 'waba-token:1');
    expect(storeSealerFor({ NUMBERFLOW_DATA_DIR: dataDir }).open(sealed, 'waba-token:1', 'the token')).toBe('EAAtoken');
    expect(() => storeSealerFor({ NUMBERFLOW_STORE_KEY: 'k1:c2hvcnQ=', NUMBERFLOW_DATA_DIR: dataDir })).toThrow(
      'NUMBERFLOW_STORE_KEY: key "k1" must decode to 32 bytes',
    );
    const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
    expect(() => parseCodecKeys(`k2:${key(1)},k2:${key(2)}`)).toThrow(
      'NUMBERFLOW_CODEC_KEYS: key id "k2" is given twice; each key needs an id of its own',
    );
  });
});
