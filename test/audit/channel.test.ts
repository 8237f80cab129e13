// The way each person's action reached the journey, in the auditor's timeline: numberflow's command line in direct
// mode (its actor typed, so the machine's user beside it), the real Temporal CLI, and a client of an SDK's default
// identity, which says nothing. Dev server and Graph sandbox.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { exportLines, journeyTimeline, renderMarkdown } from '../../src/audit/index.js';
import { journeyQuery, journeyWorkflowId, type JourneyView } from '../../src/domain/journey.js';
import { resendCodeSignal, submitOtpUpdate } from '../../src/domain/messages.js';
import { startJourney } from '../../src/journeys/start.js';
import { clientIdentity } from '../../src/temporal/client-identity.js';
import { resolveBinary } from '../../src/temporal/binaries.js';
import { useBench } from '../support/bench.js';
import { testDataConverter } from '../support/temporal.js';

const run = promisify(execFile);

describe('which way an action came, in the timeline (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  /** The journey's view once `predicate` holds (within 30 s). */
  const until = async (workflowId: string, predicate: (view: JourneyView) => boolean): Promise<JourneyView> => {
    for (let i = 0; i < 600; i++) {
      const view = await t.env.client.workflow.getHandle(workflowId).query(journeyQuery);
      if (predicate(view)) return view;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`journey ${workflowId} never got there`);
  };
  /** A signal sent with the real Temporal CLI, its input JSON in clear (no codec). */
  const signalByTemporalCli = (workflowId: string, name: string, input: unknown) =>
    run(resolveBinary('cli').path as string, [
      ...['workflow', 'signal', '--workflow-id', workflowId, '--name', name],
      ...['--input', JSON.stringify(input), '--address', inject('devServerAddress')],
    ]);
  const awaitingCode = (workflowId: string) => until(workflowId, (v) => v.stage === 'AWAITING_OTP');

  it("names numberflow's command line with the machine's user, and the Temporal CLI", async () => {
    await t.bench.run(async () => {
      const direct = new Client({
        connection: t.env.client.connection,
        dataConverter: testDataConverter,
        identity: clientIdentity('cli', {}, () => 'ana'),
      });
      // Started in direct mode: its actor is typed too.
      const input = t.bench.input({ requestedBy: 'typed-name' });
      await startJourney(direct, t.bench.taskQueue, input);
      const journey = { workflowId: journeyWorkflowId(input.phoneNumber.e164) };
      t.bench.record(journey.workflowId, 'numberJourney');
      const { e164, phoneNumberId } = await awaitingCode(journey.workflowId);
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const wrong = code === '000000' ? '111111' : '000000';
      await direct.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code: wrong, actor: 'typed-name' }] });
      await signalByTemporalCli(journey.workflowId, resendCodeSignal.name, { actor: 'bo@acme', method: 'SMS' });
      await until(journey.workflowId, (v) => v.attempts.codeRequests === 2);
      // A signal with no object sent by hand: the journey notes and drops it, and the audit says so.
      await signalByTemporalCli(journey.workflowId, 'otp', null);
      await signalByTemporalCli(journey.workflowId, 'numberEvent', null);
      await until(journey.workflowId, (v) =>
        v.notes.some((n) => n.what === 'signal numberEvent ignored: its input must be a JSON object, got null'),
      );
      // The harness's own client keeps the SDK's default identity: no way said.
      await t.env.client.workflow.getHandle(journey.workflowId).cancel();

      const timeline = await journeyTimeline(t.env.client, e164);
      expect(timeline.entries.find((entry) => entry.kind === 'started')).toMatchObject({
        actor: 'typed-name',
        via: expect.stringMatching(/^numberflow's command line in direct mode, run by ana@\S+$/),
      });
      const actions = timeline.entries.filter((entry) => entry.kind === 'action');
      expect(actions.find((a) => a.what === 'submitted a code (update)')).toMatchObject({
        actor: 'typed-name',
        via: expect.stringMatching(/^numberflow's command line in direct mode, run by ana@\S+$/),
      });
      expect(actions.find((a) => a.what === 'asked for a new code by SMS')).toMatchObject({
        actor: 'bo@acme',
        via: expect.stringMatching(/^the Temporal CLI, run by \S+@\S+$/),
      });
      expect(actions.find((a) => a.what === 'submitted a code (signal)')).toMatchObject({
        outcome: 'ignored: its input must be a JSON object, got null',
        via: expect.stringMatching(/^the Temporal CLI, run by /),
      });
      expect(timeline.entries.find((e) => e.what === 'a webhook event of an unknown shape')).toMatchObject({
        outcome: 'ignored: its input must be a JSON object, got null',
      });
      const cancel = actions.find((a) => a.what.startsWith('cancelled the run through Temporal'));
      expect(cancel).toBeDefined();
      expect(cancel?.via).toBeUndefined();
      expect(renderMarkdown(timeline)).toMatch(
        /\| typed-name — through numberflow's command line in direct mode, run by ana@\S+ \| submitted a code \(update\) \|/,
      );
      const rows = timeline.entries.map(({ customer: _customer, ...entry }) => ({
        ...entry,
        e164,
        workflowId: journey.workflowId,
      }));
      const csv: string[] = [];
      for await (const line of exportLines(
        (async function* () {
          yield* rows;
        })(),
        'csv',
      ))
        csv.push(line);
      expect(csv[0]?.trimEnd().endsWith(',sentAt,via')).toBe(true);
      expect(csv.some((line) => line.includes('typed-name') && /run by ana@/.test(line))).toBe(true);
    });
  });
});
