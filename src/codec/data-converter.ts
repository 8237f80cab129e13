// The data converter shared by clients and workers. Failure messages stay readable in history (auditors see
// Meta's codes in the UI); they are built never to hold a secret, which the tests check.
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec, type CodecKeys } from './aes-gcm-codec.js';

export function createDataConverter(keys: CodecKeys): DataConverter {
  return { payloadCodecs: [new AesGcmCodec(keys)] };
}

/**
 * A worker's converter from a client's: a payload it cannot decrypt decodes to a marker, so the workflow fails
 * (or the update is refused) naming the key, where the client's codec throws and the task would retry for ever.
 */
export function workerDataConverter(converter: DataConverter): DataConverter {
  const payloadCodecs = converter.payloadCodecs?.map((codec) =>
    codec instanceof AesGcmCodec ? codec.marking() : codec,
  );
  return { ...converter, ...(payloadCodecs ? { payloadCodecs } : {}) };
}
