// Looking into a workflow's stored history: its raw bytes (what Temporal keeps) and its payloads decoded
// with the test codec (what an authorised person sees through the codec server).
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { testDataConverter } from './temporal.js';

type History = temporal.api.history.v1.IHistory;

/** Every byte string of the history as latin1 text, so a search finds any secret stored in clear. */
export function rawHistoryText(history: History): string {
  return JSON.stringify(history, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value,
  );
}

function collectPayloads(node: unknown, found: Payload[]): void {
  if (node === null || typeof node !== 'object') return;
  if (node instanceof Uint8Array) return;
  const candidate = node as Payload;
  if (candidate.metadata && candidate.data instanceof Uint8Array) {
    found.push(candidate);
    return;
  }
  for (const value of Object.values(node)) collectPayloads(value, found);
}

/** Every payload of the history, as stored. */
export function historyPayloads(history: History): Payload[] {
  const payloads: Payload[] = [];
  collectPayloads(history, payloads);
  return payloads;
}

/** The history's payloads decrypted, unsealed (the tests' worker holds the secrets key) and decoded to text. */
export async function decodedPayloadTexts(history: History): Promise<string[]> {
  let decoded = historyPayloads(history);
  for (const codec of [...(testDataConverter.payloadCodecs ?? [])].reverse()) decoded = await codec.decode(decoded);
  return decoded.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'));
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The NumberStage an event writes to visibility (an upsert of it), or null. */
export function upsertedStage(event: HistoryEvent): string | null {
  const field = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.NumberStage;
  return field ? (JSON.parse(Buffer.from(field.data ?? []).toString()) as string) : null;
}

/** The patch ids a history's markers record, in order. */
export function patchesIn(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id] : [];
  });
}
