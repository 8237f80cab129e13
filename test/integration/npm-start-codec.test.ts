// `npm start` on a fresh data folder: it makes its own secrets key pair, serves the codec server on the HTTP service
// to callers on this machine, and starts the Web UI pointed at it, so decoded histories read at once.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { journeyQuery, journeyWorkflowId } from '../../src/domain/journey.js';
import { readPidFile, stopProcess } from '../../src/temporal/dev-server-pid.js';
import { decodedByCodecServer } from '../support/codec.js';
import { historyPayloads } from '../support/history.js';
import { journeyInput } from '../support/journeys.js';
import { clientOf, mainEnv, runCli, startMain, tempDir, type Spawned } from '../support/processes.js';

let main: Spawned | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  main?.child.kill('SIGKILL');
  const record = dataDir ? readPidFile(join(dataDir, 'temporal-server.pid')) : undefined;
  if (record) await stopProcess(record.pid);
});

describe('npm start and the codec server', () => {
  it('decodes histories for the embedded Web UI at once: actors in clear, the code [sealed]', async () => {
    const env = await mainEnv(join(tempDir('start'), 'data')); // a folder npm start makes
    delete env.env.NUMBERFLOW_SECRETS_KEY; // the embedded default makes its own pair
    dataDir = env.dataDir;
    const started = await startMain(env);
    main = started.main;
    const http = `http://127.0.0.1:${env.env.HTTP_PORT}`;
    const announced = await main.waitForLog(/HTTP service on/);
    expect(announced.msg).toContain(`codec server at ${http}/codec (trusts callers on this machine without a token)`);
    expect(statSync(join(env.dataDir, 'secrets-key')).mode & 0o777).toBe(0o600);
    expect(statSync(env.dataDir).mode & 0o777).toBe(0o700);

    const input = journeyInput({ wabaId: started.wabaId, portfolioId: started.portfolioId });
    const e164 = input.phoneNumber.e164;
    const start = ['start', '--waba', started.wabaId, '--portfolio', started.portfolioId, '--phone', e164];
    expect((await runCli(env, [...start, '--display-name', 'Acme Support'])).code).toBe(0);
    const client = await clientOf(env);
    const journey = client.workflow.getHandle(journeyWorkflowId(e164));
    for (let i = 0; i < 300 && (await journey.query(journeyQuery)).stage !== 'AWAITING_OTP'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const outbox = (await (await fetch(`http://127.0.0.1:${env.sandboxPort}/_sandbox/outbox`)).json()) as {
      code: string;
    }[];
    const code = outbox.at(-1)?.code as string;
    const otp = await runCli(env, ['otp', e164, code, '--by', 'ops@acme']);
    expect(otp.stdout, otp.stderr).toContain('accepted: code accepted');

    // What the Web UI does: its settings name the codec server, its browser asks it to decode.
    const ui = `http://127.0.0.1:${env.uiPort}`;
    const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
    expect(settings.Codec.Endpoint).toBe(`${http}/codec`);
    const preflight = await fetch(`${http}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: ui,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);

    const history = await journey.fetchHistory();
    await client.connection.close();
    const { texts } = await decodedByCodecServer(`${http}/codec`, null, historyPayloads(history)); // no token: loopback
    // The command line stamps when the code was submitted (submittedAt), which is no secret.
    expect(texts).toContainEqual(
      expect.stringMatching(/^\{"code":"\[sealed\]","actor":"ops@acme","submittedAt":"[\d-]+T[\d:.]+Z"\}$/),
    );
    expect(texts.join('\n')).not.toContain(code);
    // Credentials sent are judged even on this machine: an unknown or malformed token is refused.
    for (const token of ['nf_unknown', 'two words']) {
      await expect(decodedByCodecServer(`${http}/codec`, token, historyPayloads(history))).rejects.toThrow(
        'the codec server answered 401',
      );
    }

    main.child.kill('SIGINT');
    expect(await main.exit()).toBe(0);
  }, 180_000);
});
