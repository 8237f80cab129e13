import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

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
      expect(message).toContain('TEMPORAL_UI_PORT: Invalid input: expected number, received NaN (got "eighty")');
      expect(message).toContain('TEMPORAL_ADDRESS: must be host:port, e.g. 127.0.0.1:7233 (got "localhost")');
    }
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
});
