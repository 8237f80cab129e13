// Reading a stored history: payloads through the client's data converter (the codec decrypts them), times and
// durations from protobuf. What cannot be decrypted becomes a gap the timeline states, never a failed audit.
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import { UndecryptablePayloadError } from '../codec/aes-gcm-codec.js';
import type { Undecryptable } from '../codec/undecryptable.js';
import type { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
export type ProtoFailure = temporal.api.failure.v1.IFailure;

/** The marker the SDK records for a local activity: its call and its answer or failure. */
export const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export const isoOf = (ms: number): string => new Date(ms).toISOString();

export class PayloadReader {
  readonly gaps: string[] = [];
  /** Why the last payload that could not be read was not (a key missing here, or a payload no key opens). */
  lastUnreadable: Undecryptable | null = null;

  constructor(readonly converter: LoadedDataConverter) {}

  /** The decoded values of `payloads`; all undefined (and a gap noted) when they cannot be decrypted. */
  async values(payloads: Payload[] | null | undefined, where: string): Promise<unknown[]> {
    if (!payloads?.length) return [];
    try {
      let decoded = payloads;
      for (const codec of [...this.converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
      return decoded.map((payload) => this.converter.payloadConverter.fromPayload(payload));
    } catch (err) {
      this.lastUnreadable = err instanceof UndecryptablePayloadError ? err.undecryptable : null;
      this.gaps.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
      return payloads.map(() => undefined);
    }
  }

  async first(payloads: Payload[] | null | undefined, where: string): Promise<unknown> {
    return (await this.values(payloads, where))[0];
  }

  /** The first detail of an application failure (a Graph error's MetaError), decoded. */
  async failureDetail(failure: ProtoFailure | null | undefined, where: string): Promise<unknown> {
    return this.first(failure?.applicationFailureInfo?.details?.payloads, where);
  }
}

/** Search attributes are stored unencrypted: the default converter reads them. */
export function searchAttribute(
  converter: LoadedDataConverter,
  fields: Record<string, Payload> | null | undefined,
  name: string,
): unknown {
  const payload = fields?.[name];
  return payload ? converter.payloadConverter.fromPayload(payload) : undefined;
}
