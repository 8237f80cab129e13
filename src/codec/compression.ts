// Large payloads are zlib-compressed inside the payload encryption (AesGcmCodec): a portfolio's carried queue, and
// its query's answer, grow by about 220 bytes a queued journey, and Temporal warns above 512 KB a payload and refuses
// above 2 MB. Compressed, they take about a sixth (docs/architecture.md#secrets). Only inside the encryption: a
// compressed payload sent by hand, unencrypted, is not inflated; and what is compressed holds no secret in clear (the
// sealing codec ran before), so its length tells nothing of one. The format is Temporal's own zlib codec's (Go SDK):
// a Payload whose metadata encoding is `binary/zlib` and whose data is the zlib-deflated serialized Payload.
import { deflateSync, inflateSync } from 'node:zlib';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
const ENCODING = 'binary/zlib';

/** Below this a payload is left as it is: a journey's payloads are a few KB, not worth the CPU. */
export const COMPRESS_FROM_BYTES = 16 * 1024;

/** No payload inflates beyond this (Temporal stores 2 MB at most; a sixth of that is about 12 MB inflated). */
const INFLATED_BYTES_MAX = 64 * 1024 * 1024;

/**
 * The serialized payload, compressed into a `binary/zlib` payload when it is large and that makes it smaller, and
 * `enabled`. A payload that came as `binary/zlib` (sent so through the codec server) is always wrapped once more, so
 * that decoding takes off exactly the layer added here: what is inflated is only ever what this code deflated.
 */
export function compressed(payload: Payload, enabled = true): Uint8Array {
  const serialized = PayloadMessage.encode(payload).finish();
  const wrapped = isCompressed(payload);
  if (!wrapped && (!enabled || serialized.length < COMPRESS_FROM_BYTES)) return serialized;
  const deflated = deflateSync(serialized);
  if (!wrapped && deflated.length >= serialized.length) return serialized;
  return PayloadMessage.encode({ metadata: { encoding: Buffer.from(ENCODING) }, data: deflated }).finish();
}

/** The payload a serialized one stands for, inflated when `compressed` compressed it; throws when it does not inflate. */
export function decompressed(serialized: Uint8Array): Payload {
  const payload = PayloadMessage.decode(serialized);
  if (!isCompressed(payload)) return payload;
  return PayloadMessage.decode(inflateSync(payload.data ?? new Uint8Array(), { maxOutputLength: INFLATED_BYTES_MAX }));
}

function isCompressed(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString() === ENCODING;
}
