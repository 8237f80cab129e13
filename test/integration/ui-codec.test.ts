// `npm start`'s dev server points its Web UI at the codec server, so the UI shows decoded histories at once.
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { resolveBinary } from '../../src/temporal/binaries.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { freeStablePorts, tempDir } from '../support/processes.js';

describe("the embedded dev server's Web UI", () => {
  it('decodes through the codec server it was started with, and a reused server says which one it keeps', async () => {
    const [port = 0, uiPort = 0] = await freeStablePorts(2);
    const options = {
      cliPath: resolveBinary('cli').path as string,
      dataDir: tempDir('ui-codec'),
      namespace: 'default',
      port,
      uiPort,
      uiCodecEndpoint: 'http://127.0.0.1:28080/codec',
    };
    const server = await startDevServer(options);
    let reused: DevServer | undefined;
    try {
      // The UI tells the browser where to decode payloads (its settings, which the UI's pages load first).
      const settings = await request(`${server.uiUrl}/api/v1/settings`);
      const body = (await settings.body.json()) as { Codec?: { Endpoint?: string } };
      expect(body.Codec?.Endpoint).toBe('http://127.0.0.1:28080/codec');

      reused = await startDevServer({ ...options, uiCodecEndpoint: 'http://127.0.0.1:28081/codec' });
      expect(reused.reused).toBe(true);
      expect(reused.uiCodecEndpoint).toBe('http://127.0.0.1:28080/codec'); // main.ts warns about the difference
    } finally {
      await reused?.stop(); // the same process: stopped by its pid, and its exit hook dropped
      await server.stop();
    }
  });
});
