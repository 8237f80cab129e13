import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import type { JourneyInput } from '../../src/domain/journey.js';
import {
  cancelSignal,
  confirmDeletionSignal,
  requestRemovalSignal,
  revealPinUpdate,
  submitPinUpdate,
} from '../../src/domain/messages.js';
import { journeyTimeline } from '../../src/audit/index.js';
import { PinRevealError, revealPin } from '../../src/pin-reveal.js';
import { buildCli } from '../../src/starter.js';
import { capturedLogger } from '../http/support.js';
import { useBench } from '../support/bench.js';
import { CODEC_TOKENS, decodedByCodecServer } from '../support/codec.js';
import type { JourneyHandle } from '../support/harness.js';
import { historyPayloads, rawHistoryText } from '../support/history.js';
import { leaked, rawClient } from '../support/secrets-scan.js';
import { cancelledResult, startLive, submitDeliveredCode } from '../support/steps.js';
import { sealingOnlyClient, TEST_CODEC_KEYS, TEST_SECRETS_KEY } from '../support/temporal.js';

const MINUTE = 60_000;
const admin = { actor: 'admin@acme', role: 'admin' };

describe('the two-step PIN numberflow set, kept sealed (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  /** A live number removed by an admin and deleted in WhatsApp Manager: its journey ends REMOVED. */
  async function liveThenRemoved(input: JourneyInput): Promise<{ journey: JourneyHandle; runId: string }> {
    const { journey, view } = await startLive(t.bench, input);
    const handle = t.env.client.workflow.getHandle(journey.workflowId);
    await handle.signal(requestRemovalSignal, { ...admin, reason: 'number retired' });
    await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the deletion');
    t.bench.sandbox.admin.deleteNumber(view.phoneNumberId as string);
    await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' });
    await journey.until((v) => v.result?.outcome === 'REMOVED', 'REMOVED');
    // Meta answers 133015 for a few minutes after a deletion: the sandbox's clock moves past them.
    t.bench.sandbox.admin.advanceClock(10 * MINUTE);
    return { journey, runId: (await handle.describe()).runId };
  }

  const handleRunId = async (workflowId: string) =>
    (await t.env.client.workflow.getHandle(workflowId).describe()).runId;

  /** The NumberStage values a run's history set, in order. */
  async function stagesOf(workflowId: string): Promise<string[]> {
    const history = await t.env.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((event) => {
      const stage = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.NumberStage;
      return stage?.data ? [JSON.parse(Buffer.from(stage.data).toString()) as string] : [];
    });
  }

  it('re-registers a removed, deleted and re-added number with the PIN numberflow set, asking no one', async () => {
    const input = t.bench.input();
    await t.bench.run(async () => {
      const removed = await liveThenRemoved(input);
      const pin = t.bench.sandbox.admin.twoStepPin(input.phoneNumber.e164) as string;
      expect(pin).toMatch(/^\d{6}$/);

      const again = await t.bench.start(input); // a new run of number:<e164>
      await submitDeliveredCode(t.bench, again);
      const registered = await again.until((v) => v.status === 'CONNECTED', 'registered again');
      // Its own new PIN was refused first (133005); the earlier journey's took, so no error stands.
      expect(registered.lastError).toBeNull();
      expect(registered.notes.map((n) => n.what)).toContain(
        'Meta holds another PIN: trying the one numberflow set in an earlier journey',
      );
      expect(registered.attempts.wrongPins).toBe(0);
      expect(await stagesOf(again.workflowId)).not.toContain('AWAITING_PIN');
      expect(t.bench.sandbox.admin.twoStepPin(input.phoneNumber.e164)).toBe(pin);

      // The PIN travelled in the removed run's result and in the new run's history, sealed in both.
      const histories = {
        removed: await rawClient(t.env).workflow.getHandle(again.workflowId, removed.runId).fetchHistory(),
        again: await rawClient(t.env).workflow.getHandle(again.workflowId).fetchHistory(),
      };
      const shown: Record<string, string[]> = {};
      for (const [run, history] of Object.entries(histories)) {
        expect(leaked(rawHistoryText(history), [pin]), run).toEqual([]);
        shown[run] = (
          await decodedByCodecServer(t.bench.codecUrl, CODEC_TOKENS.auditor, historyPayloads(history))
        ).texts;
        expect(leaked(shown[run].join('\n'), [pin]), run).toEqual([]);
      }
      expect(shown.removed?.find((text) => text.includes('"outcome":"REMOVED"'))).toContain('"pin":"[sealed]"');
      expect(shown.again).toContain('{"pin":"[sealed]"}'); // the remembered PIN, as the activity answered it
      // The auditor's timeline says the earlier PIN was looked up and found, between the two register calls.
      const timeline = await journeyTimeline(t.env.client, input.phoneNumber.e164);
      const runId = await handleRunId(again.workflowId);
      const newest = timeline.entries.filter((entry) => entry.runId === runId);
      const looked = newest.findIndex((entry) =>
        entry.what.startsWith('looked for the two-step PIN an earlier journey'),
      );
      expect(newest[looked]).toMatchObject({ kind: 'step', outcome: 'found one: the register is tried with it' });
      const registers = newest.flatMap((entry, i) => (entry.endpoint?.endsWith('/register') ? [i] : []));
      expect(registers.length).toBeGreaterThanOrEqual(2);
      expect(registers[0]).toBeLessThan(looked);
      expect(registers.at(-1)).toBeGreaterThan(looked);
      expect(leaked(JSON.stringify(timeline), [pin])).toEqual([]);
      await t.env.client.workflow.getHandle(again.workflowId).terminate('test done');
    });
  });

  it.each(['cancelled', 'terminated'] as const)(
    're-registers with the PIN a journey %s after its register set: its run ends with no result, and answers the query',
    async (how) => {
      const input = t.bench.input();
      await t.bench.run(async () => {
        const first = await t.bench.start(input);
        const phoneNumberId = await submitDeliveredCode(t.bench, first);
        await first.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'registered, its name in review');
        const pin = t.bench.sandbox.admin.twoStepPin(input.phoneNumber.e164) as string;
        const firstHandle = t.env.client.workflow.getHandle(first.workflowId);
        if (how === 'cancelled') {
          await firstHandle.signal(cancelSignal, { actor: 'ops@acme', reason: 'wrong number' });
          await cancelledResult(t.bench, first);
        } else await firstHandle.terminate('stuck, an operator thought');
        t.bench.sandbox.admin.deleteNumber(phoneNumberId);
        t.bench.sandbox.admin.advanceClock(10 * MINUTE);

        const again = await t.bench.start(input);
        await submitDeliveredCode(t.bench, again);
        const registered = await again.until((v) => v.status === 'CONNECTED', 'registered again');
        expect(registered.notes.map((n) => n.what)).toContain(
          'Meta holds another PIN: trying the one numberflow set in an earlier journey',
        );
        expect(await stagesOf(again.workflowId)).not.toContain('AWAITING_PIN');
        expect(t.bench.sandbox.admin.twoStepPin(input.phoneNumber.e164)).toBe(pin);
        await t.env.client.workflow.getHandle(again.workflowId).terminate('test done');
      });
    },
  );

  it('asks an operator when the PIN numberflow set no longer opens the number', async () => {
    const input = t.bench.input();
    await t.bench.run(async () => {
      await liveThenRemoved(input);
      t.bench.sandbox.admin.presetTwoStepPin(input.phoneNumber.e164, '975310'); // changed in WhatsApp Manager since
      const again = await t.bench.start(input);
      await submitDeliveredCode(t.bench, again);
      const asking = await again.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN');
      expect(asking.waiting?.reason).toContain('old PIN');
      expect(asking.notes.map((n) => n.what)).toEqual(
        expect.arrayContaining([
          'Meta holds another PIN: trying the one numberflow set in an earlier journey',
          'refused the PIN of the earlier journey too',
        ]),
      );
      const handle = t.env.client.workflow.getHandle(again.workflowId);
      expect(
        await handle.executeUpdate(submitPinUpdate, { args: [{ pin: '975310', actor: 'owner@acme' }] }),
      ).toMatchObject({
        accepted: true,
      });
      await handle.terminate('test done');
    });
  });

  it('reveals the PIN to an admin, noted with who and why, and to no one else', async () => {
    const log = capturedLogger();
    const input = t.bench.input();
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench, input);
      const pin = t.bench.sandbox.admin.twoStepPin(input.phoneNumber.e164) as string;
      const e164 = input.phoneNumber.e164;
      const reason = 'moving the number to another BSP';

      const refused = await revealPin(
        t.env.client,
        e164,
        { actor: 'ops@acme', role: 'operator', reason },
        log.logger,
      ).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toBe(
        'role "operator" may not read the two-step PIN; only an admin can (role "admin"), with a reason',
      );
      // As the Temporal CLI sends it without a role.
      const roleless = await t.env.client.workflow
        .getHandle(`number:${e164}`)
        .executeUpdate(revealPinUpdate, { args: [{ actor: 'ops@acme', reason } as never] })
        .catch((err: WorkflowUpdateFailedError) => err.cause?.message);
      expect(roleless).toBe(
        'a request without a role may not read the two-step PIN; only an admin can (role "admin"), with a reason',
      );
      const withoutReason = await revealPin(t.env.client, e164, { ...admin, reason: ' ' }, log.logger).catch(
        (err: WorkflowUpdateFailedError) => err.cause?.message,
      );
      expect(withoutReason).toBe('a reason must be given');

      expect(await revealPin(t.env.client, e164, { ...admin, reason }, log.logger)).toBe(pin);
      const { notes } = await journey.view();
      expect(notes).toContainEqual(
        expect.objectContaining({ actor: 'admin@acme', what: `PIN revealed to admin@acme: ${reason}` }),
      );
      expect(log.lines.some((line) => line.includes('two-step PIN revealed') && line.includes('admin@acme'))).toBe(
        true,
      );
      expect(log.lines.some((line) => line.includes('PIN reveal refused') && line.includes('ops@acme'))).toBe(true);
      expect(leaked(log.lines.join('\n'), [pin])).toEqual([]);

      // A client holding only the public key cannot read it back, even as an admin: the answer stays sealed.
      const sealingOnly = sealingOnlyClient(t.env.client);
      await expect(revealPin(sealingOnly, e164, { ...admin, reason }, log.logger)).rejects.toBeInstanceOf(
        PinRevealError,
      );
      const answer = await sealingOnly.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(revealPinUpdate, { args: [{ ...admin, reason }] });
      expect(answer.pin).toMatchObject({ $sealed: 'v1' });
      expect(leaked(JSON.stringify(answer), [pin])).toEqual([]);

      // The operator's command line, in direct mode, with the worker's keys (an admin's machine).
      Object.assign(process.env, {
        TEMPORAL_ADDRESS: inject('devServerAddress'),
        TEMPORAL_TASK_QUEUE: t.bench.taskQueue,
        NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
        NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY,
        LOG_LEVEL: 'error', // the reveal's log line, on standard error, is checked above
      });
      const printed: string[] = [];
      await buildCli((line) => printed.push(line), { throwOnExit: true }).parseAsync(
        ['reveal-pin', e164, '--reason', reason, '--by', 'admin@acme', '--role', 'admin'],
        { from: 'user' },
      );
      expect(printed).toEqual([pin]);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('refuses to reveal a PIN on a journey that has not set one yet', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const refused = await t.env.client.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(revealPinUpdate, { args: [{ ...admin, reason: 'audit' }] })
        .catch((err: WorkflowUpdateFailedError) => err.cause?.message);
      expect(refused).toBe('numberflow set no two-step PIN on this number (stage AWAITING_OTP)');
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });
});
