// Histories built from plain values for the audit's unit tests: the events a journey's run records, with payloads in
// clear (no codec), ids and times as numbers.
import { defaultFailureConverter, defaultPayloadConverter, type LoadedDataConverter } from '@temporalio/common';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { LOCAL_ACTIVITY_MARKER, PayloadReader, type HistoryEvent } from '../../src/audit/decode.js';
import { runTimeline } from '../../src/audit/timeline.js';

export const converter: LoadedDataConverter = {
  payloadConverter: defaultPayloadConverter,
  failureConverter: defaultFailureConverter,
  payloadCodecs: [],
};
export const payload = (value: unknown) => defaultPayloadConverter.toPayload(value);
/** An event as history holds it, built from plain values (ids and times as numbers). */
export const event = (eventId: number, attributes: Record<string, unknown>): HistoryEvent =>
  proto.temporal.api.history.v1.HistoryEvent.fromObject({
    eventId,
    eventTime: { seconds: 1_800_000_000 + eventId },
    ...attributes,
  });

export function started(stage: string | null): HistoryEvent {
  return event(1, {
    workflowExecutionStartedEventAttributes: stage
      ? { searchAttributes: { indexedFields: { NumberStage: payload(stage) } } }
      : {},
  });
}

export function localCall(eventId: number, activityType: string, result: unknown): HistoryEvent {
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

export const upsert = (eventId: number, stage: string): HistoryEvent =>
  event(eventId, {
    upsertWorkflowSearchAttributesEventAttributes: {
      searchAttributes: { indexedFields: { NumberStage: payload(stage) } },
    },
  });

/** One run of these events, open unless `open` is false, starting in WAITING_FOR_CAPACITY. */
export async function timelineOf(events: HistoryEvent[], open = true) {
  const context = { runId: 'run-1', converter, reader: new PayloadReader(converter), open };
  return runTimeline(events, { ...context, stage: 'WAITING_FOR_CAPACITY' });
}
