// The timeline reads a brief stage (ADDING, VERIFYING_CODE: no upsert since the patch fewer-visibility-writes) from
// the local activity that made its call, and only in a run whose start showed its stage.
import { defaultFailureConverter, defaultPayloadConverter, type LoadedDataConverter } from '@temporalio/common';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { describe, expect, it } from 'vitest';
import { LOCAL_ACTIVITY_MARKER, PayloadReader, type HistoryEvent } from '../../src/audit/decode.js';
import { runTimeline } from '../../src/audit/timeline.js';

const converter: LoadedDataConverter = {
  payloadConverter: defaultPayloadConverter,
  failureConverter: defaultFailureConverter,
  payloadCodecs: [],
};
const payload = (value: unknown) => defaultPayloadConverter.toPayload(value);
/** An event as history holds it, built from plain values (ids and times as numbers). */
const event = (eventId: number, attributes: Record<string, unknown>): HistoryEvent =>
  proto.temporal.api.history.v1.HistoryEvent.fromObject({
    eventId,
    eventTime: { seconds: 1_800_000_000 + eventId },
    ...attributes,
  });

function started(stage: string | null): HistoryEvent {
  return event(1, {
    workflowExecutionStartedEventAttributes: stage
      ? { searchAttributes: { indexedFields: { NumberStage: payload(stage) } } }
      : {},
  });
}

function localCall(eventId: number, activityType: string, result: unknown): HistoryEvent {
  return event(eventId, {
    markerRecordedEventAttributes: {
      markerName: LOCAL_ACTIVITY_MARKER,
      details: {
        data: { payloads: [payload({ activity_type: activityType, attempt: 1 })] },
        result: { payloads: [payload(result)] },
      },
    },
  });
}

const upsert = (eventId: number, stage: string): HistoryEvent =>
  event(eventId, {
    upsertWorkflowSearchAttributesEventAttributes: {
      searchAttributes: { indexedFields: { NumberStage: payload(stage) } },
    },
  });

async function timelineOf(events: HistoryEvent[]) {
  const context = { runId: 'run-1', converter, reader: new PayloadReader(converter), open: true };
  return runTimeline(events, { ...context, stage: 'WAITING_FOR_CAPACITY' });
}

describe("the audit's brief stages", () => {
  it('enters ADDING from the add made inside the task, before the next upsert', async () => {
    const { entries } = await timelineOf([
      started('WAITING_FOR_CAPACITY'),
      localCall(2, 'addPhoneNumber', { phoneNumberId: '123', alreadyAdded: false }),
      upsert(3, 'REQUESTING_CODE'),
    ]);
    expect(entries.filter((e) => e.kind === 'stage').map((e) => e.what)).toEqual([
      'entered ADDING',
      'entered REQUESTING_CODE',
    ]);
    expect(entries.find((e) => e.kind === 'graph_call')).toMatchObject({
      stage: 'ADDING',
      outcome: 'phone_number_id 123',
    });
  });

  it('writes no stage for a run whose start showed none (a server without search attributes)', async () => {
    const { entries } = await timelineOf([
      started(null),
      localCall(2, 'addPhoneNumber', { phoneNumberId: '123', alreadyAdded: false }),
      localCall(3, 'verifyCode', {}),
    ]);
    expect(entries.filter((e) => e.kind === 'stage')).toEqual([]);
    expect(entries.filter((e) => e.kind === 'graph_call').map((e) => e.stage)).toEqual([
      'WAITING_FOR_CAPACITY',
      'WAITING_FOR_CAPACITY',
    ]);
  });
});
