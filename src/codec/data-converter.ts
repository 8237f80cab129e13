// The data converter shared by clients and workers. Failure messages stay readable in history (auditors see
// Meta's codes in the UI); they are built never to hold a secret, which the tests check.
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec, type CodecKeys } from './aes-gcm-codec.js';

export function createDataConverter(keys: CodecKeys): DataConverter {
  return { payloadCodecs: [new AesGcmCodec(keys)] };
}
