// Journeys run by a real worker process, then every place a secret could surface is searched for every OTP, PIN
// and token used: the histories as Temporal stores them, the codec server's answers, the logs, the query.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { journeyQuery } from '../../src/domain/journey.js';
import { submitOtpUpdate, submitPinUpdate } from '../../src/domain/messages.js';
import { portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { resolveBinary } from '../../src/temporal/binaries.js';
import { capturedLogger } from '../http/support.js';
import { useBench } from '../support/bench.js';
import { CODEC_TOKENS, decodedByCodecServer } from '../support/codec.js';
import { APP_SECRET } from '../support/harness.js';
import { historyPayloads, rawHistoryText } from '../support/history.js';
import { startWorkerChild, type Spawned } from '../support/processes.js';
import { leaked, rawClient } from '../support/secrets-scan.js';
import { decideName, submitDeliveredCode } from '../support/steps.js';

const run = promisify(execFile);

describe('secrets sealed apart from the rest (dev server + Graph sandbox + a worker process)', () => {
  const http = capturedLogger();
  const t = useBench('dev', { logger: http.logger });
  let worker: Spawned;
  beforeAll(async () => {
    worker = await startWorkerChild({
      taskQueue: t.bench.taskQueue,
      graphBaseUrl: t.bench.sandbox.url,
      token: t.bench.graphToken,
      appSecret: APP_SECRET,
      logLevel: 'debug',
    });
  });
  afterAll(async () => {
    worker?.child.kill('SIGTERM');
    await worker?.exit();
  });

  it("keeps every OTP, PIN and token out of stored histories, the codec server's answers and the logs", async () => {
    const client = t.env.client;
    // A number verified after a wrong code, registered with a generated PIN, live.
    const firstInput = t.bench.input();
    const first = await t.bench.start(firstInput);
    const { phoneNumberId: firstId } = await first.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
    const delivered = t.bench.sandbox.admin.latestCode(firstId as string) as string;
    const wrongCode = delivered === '000000' ? '111111' : '000000';
    const refused = await client.workflow
      .getHandle(first.workflowId)
      .executeUpdate(submitOtpUpdate, { args: [{ code: wrongCode, actor: 'operator@acme' }] });
    expect(refused).toMatchObject({ accepted: false, attemptsLeft: 2 });
    await submitDeliveredCode(t.bench, first);
    await decideName(t.bench, first, 'APPROVED');
    await first.until((v) => v.stage === 'LIVE', 'LIVE');

    // A number re-added with two-step verification on: the old PIN is asked for, a wrong one refused.
    const secondInput = t.bench.input();
    const oldPin = '246810';
    const wrongPin = '135790';
    t.bench.sandbox.admin.presetTwoStepPin(secondInput.phoneNumber.e164, oldPin);
    const second = await t.bench.start(secondInput);
    const secondId = await submitDeliveredCode(t.bench, second);
    const awaiting = await second.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN');
    const secondHandle = client.workflow.getHandle(second.workflowId);
    const submitPin = (pin: string) =>
      secondHandle.executeUpdate(submitPinUpdate, { args: [{ pin, actor: 'owner@acme' }] });
    expect(await submitPin(wrongPin)).toMatchObject({ accepted: false });
    await second.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN again');
    expect(await submitPin(oldPin)).toMatchObject({ accepted: true });
    await second.until((v) => v.status === 'CONNECTED', 'CONNECTED');

    const codes = [firstId, secondId].flatMap((id) => t.bench.sandbox.admin.outbox({ phoneNumberId: id as string }));
    const generatedPin = t.bench.sandbox.admin.twoStepPin(firstInput.phoneNumber.e164); // the sandbox keeps it
    expect(generatedPin).toMatch(/^\d{6}$/);
    const secrets = [
      ...codes.map((entry) => entry.code),
      wrongCode,
      generatedPin as string,
      oldPin,
      wrongPin,
      t.bench.graphToken,
      ...Object.values(CODEC_TOKENS),
    ];
    expect(codes.length).toBeGreaterThanOrEqual(2);

    const workflowIds = [first.workflowId, second.workflowId, portfolioWorkflowId(t.bench.portfolioId)];
    const shown: string[] = [];
    for (const workflowId of workflowIds) {
      const history = await rawClient(t.env).workflow.getHandle(workflowId).fetchHistory();
      expect(leaked(rawHistoryText(history), secrets), `raw history of ${workflowId}`).toEqual([]);
      const { texts, body } = await decodedByCodecServer(
        t.bench.codecUrl,
        CODEC_TOKENS.auditor,
        historyPayloads(history),
      );
      expect(leaked(body, secrets), `codec server's answer for ${workflowId}`).toEqual([]);
      shown.push(...texts);
    }
    // Through the codec server the auditor reads who did what and what Meta answered; secrets read [sealed].
    const readable = shown.join('\n');
    expect(leaked(readable, secrets)).toEqual([]);
    expect(readable).toContain('"actor":"operator@acme"');
    expect(readable).toContain('"actor":"owner@acme"');
    expect(readable).toContain('"code":"[sealed]"');
    expect(readable).toContain('"pin":"[sealed]"');
    expect(readable).toMatch(/"code":136025\b/); // the wrong code, as Meta answered it
    expect(readable).toMatch(/"code":133005\b/); // the old PIN asked for
    expect(readable).toContain(`"fbtraceId":"${awaiting.lastError?.fbtraceId}"`);

    const logs = [...http.lines, ...worker.lines.map((line) => JSON.stringify(line)), worker.stderr()].join('\n');
    expect(http.lines.some((line) => line.includes('/codec/decode'))).toBe(true); // the scan saw the codec's calls
    expect(worker.lines.length).toBeGreaterThan(10); // and the worker's debug log
    expect(leaked(logs, secrets)).toEqual([]);
    for (const workflowId of [first.workflowId, second.workflowId]) {
      const view = JSON.stringify(await client.workflow.getHandle(workflowId).query(journeyQuery));
      expect(leaked(view, secrets)).toEqual([]);
    }
    await client.workflow.getHandle(first.workflowId).terminate('test done');
    await secondHandle.terminate('test done');
  });

  it("shows the operator's name to the real temporal CLI through the codec server, and nothing without it", async () => {
    const journey = await t.bench.start(t.bench.input());
    const phoneNumberId = await submitDeliveredCode(t.bench, journey);
    const code = t.bench.sandbox.admin.latestCode(phoneNumberId) as string;
    await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
    const cli = resolveBinary('cli').path as string;
    const show = ['workflow', 'show', '-w', journey.workflowId, '--address', inject('devServerAddress'), '--detailed'];
    const decoded = await run(cli, [
      ...show,
      '--codec-endpoint',
      t.bench.codecUrl,
      '--codec-auth',
      `Bearer ${CODEC_TOKENS.operator}`,
    ]);
    // The submitOtp update, as `temporal workflow show --detailed` prints its argument.
    expect(decoded.stdout).toContain('acceptedRequest.input.args[0].actor: operator@acme');
    expect(decoded.stdout).toContain('acceptedRequest.input.args[0].code: [sealed]');
    expect(leaked(decoded.stdout, [code])).toEqual([]);
    const stored = await run(cli, show);
    expect(stored.stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(stored.stdout).not.toContain('operator@acme');
    await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
  });
});
