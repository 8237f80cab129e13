import { describe, expect, it } from 'vitest';
import { LOCAL_ACTIVITY_MARKER } from '../../src/audit/decode.js';
import { submitPinUpdate } from '../../src/domain/messages.js';
import { PhoneNumberId } from '../../src/domain/search-attributes.js';
import { decodedPayloadTexts, rawHistoryText, upsertedStage } from '../support/history.js';
import { decideName, startLive, submitDeliveredCode } from '../support/steps.js';
import { useBench } from '../support/bench.js';

describe("a journey's history (dev server + Graph sandbox)", () => {
  const t = useBench('dev');

  it('keeps the OTP and the PIN out of history in clear, while the codec can still read them', async () => {
    const pin = '864213';
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input({ pinPolicy: 'operator' }));
      const phoneNumberId = await submitDeliveredCode(t.bench, journey);
      const code = t.bench.sandbox.admin.outbox({ phoneNumberId })[0]?.code as string;
      await journey.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitPinUpdate, { args: [{ pin, actor: 'owner@acme' }] });
      await decideName(t.bench, journey, 'APPROVED');
      await journey.until((v) => v.stage === 'LIVE', 'LIVE');

      const history = await handle.fetchHistory();
      const raw = rawHistoryText(history);
      expect(raw).toContain('registerNumber'); // the search does see what is stored in clear (activity types)
      expect(raw).not.toContain(code);
      expect(raw).not.toContain(pin);
      expect(raw).not.toContain(Buffer.from(pin).toString('base64'));
      const decoded = (await decodedPayloadTexts(history)).join('\n');
      expect(decoded).toContain(code);
      expect(decoded).toContain(pin);
      // The query never shows them either.
      const view = JSON.stringify(await journey.view());
      expect(view).not.toContain(code);
      expect(view).not.toContain(pin);
      await handle.terminate('test done');
    });
  });

  it('takes at most 70 history events from add to LIVE on the happy path', async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const events = (await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory()).events ?? [];
      console.log(`[figure] happy path to LIVE: ${events.length} history events`);
      expect(events.length).toBeLessThanOrEqual(70);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('asks for the slot by update and adds the number in its first workflow task, and verifies the code, each a local activity', async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const events = (await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory()).events ?? [];
      const activities = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
      const signals = events.flatMap((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? []);
      const markers = events.flatMap((e) => e.markerRecordedEventAttributes?.markerName ?? []);
      const completedTasks = events.filter((e) => e.workflowTaskCompletedEventAttributes);
      // Neither the request, the add nor the verify is an activity of its own, and the grant came back with the
      // request.
      expect(activities).toEqual(['requestCode', 'registerNumber']);
      expect(signals).not.toContain('slotAnswer');
      // One patch marker for the first task's shapes, so one TemporalChangeVersion upsert (a visibility write); the
      // slot request, the add and the verify as local activities (the PIN comes with the verify call's answer).
      expect(markers.filter((m) => m === 'core_patch')).toHaveLength(1);
      const upserts = events.flatMap((e) => {
        const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
        if (!fields) return [];
        const others = Object.keys(fields).filter((k) => k !== 'NumberStage');
        return [[upsertedStage(e) ?? '', ...others].filter(Boolean).join('+')];
      });
      // ADDING and VERIFYING_CODE are worked inside one task each: visibility goes from the start's stage to
      // REQUESTING_CODE (with the number's id), then AWAITING_OTP, REGISTERING, the name's review and LIVE.
      expect(upserts).toEqual([
        'TemporalChangeVersion',
        'REQUESTING_CODE+PhoneNumberId',
        'AWAITING_OTP',
        'REGISTERING',
        'DISPLAY_NAME_REVIEW',
        'LIVE',
      ]);
      expect(markers.filter((m) => m === LOCAL_ACTIVITY_MARKER)).toHaveLength(3);
      // The code is requested from the first workflow task that completes (or its heartbeat's).
      const codeRequested = events.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'requestCode',
      );
      const firstTasks = completedTasks.slice(0, 2).map((e) => String(e.eventId));
      expect(firstTasks).toContain(
        String(codeRequested?.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId),
      );
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('draws the generated PIN with the verify call, sealed in its answer: the code is verified and answered in the task that takes it', async () => {
    await t.bench.run(async () => {
      const input = t.bench.input();
      const { journey } = await startLive(t.bench, input);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const events = (await handle.fetchHistory()).events ?? [];
      const pin = t.bench.sandbox.admin.twoStepPin(input.phoneNumber.e164) as string;
      expect(pin).toMatch(/^\d{6}$/);
      // The code's update is accepted and answered by one workflow task, whose local activity is the verify call.
      const accepted = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      const answered = events.findIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes);
      expect(accepted).toBeGreaterThan(0);
      const task = events.slice(accepted, answered);
      expect(task.filter((e) => e.workflowTaskCompletedEventAttributes)).toEqual([]);
      const verified = task.filter((e) => e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER);
      expect(verified).toHaveLength(1);
      // The registered PIN is the verify call's answer, which only the codec reads.
      expect((await decodedPayloadTexts({ events: verified })).join('\n')).toContain(pin);
      const raw = rawHistoryText({ events: verified });
      expect(raw).not.toContain(pin);
      expect(raw).not.toContain(Buffer.from(pin).toString('base64'));
      await handle.terminate('test done');
    });
  });

  it('keeps NumberStage current, so "awaiting OTP in portfolio X" is one visibility query', async () => {
    await t.bench.run(async () => {
      const waiting = await t.bench.start(t.bench.input());
      await waiting.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const live = await startLive(t.bench);
      const query = `NumberStage = 'AWAITING_OTP' AND PortfolioId = '${t.bench.portfolioId}'`;
      const listed = async () => {
        const ids: string[] = [];
        for await (const execution of t.env.client.workflow.list({ query })) ids.push(execution.workflowId);
        return ids;
      };
      let found: string[] = [];
      for (let attempt = 0; attempt < 100 && !found.includes(waiting.workflowId); attempt++) {
        found = await listed();
        await new Promise((resolve) => setTimeout(resolve, 100)); // visibility is eventually consistent
      }
      expect(found).toContain(waiting.workflowId);
      expect(found).not.toContain(live.journey.workflowId);
      const description = await t.env.client.workflow.getHandle(live.journey.workflowId).describe();
      expect(description.typedSearchAttributes.get(PhoneNumberId)).toBe(live.view.phoneNumberId);
      await t.env.client.workflow.getHandle(waiting.workflowId).terminate('test done');
      await t.env.client.workflow.getHandle(live.journey.workflowId).terminate('test done');
    });
  });
});
