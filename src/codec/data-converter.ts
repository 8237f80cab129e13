// The data converter shared by clients and workers: secrets sealed first (sealing-codec.ts), then the whole payload
// encrypted (aes-gcm-codec.ts); decoding runs the other way. Failure messages stay readable in history (auditors see
// Meta's codes in the UI); they are built never to hold a secret, which the tests check.
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec, type CodecKeys } from './aes-gcm-codec.js';
import { ClearSecretsGuard } from './clear-secrets.js';
import { SealingCodec } from './sealing-codec.js';
import type { SecretsKeyring } from './sealing.js';
import type { Undecryptable } from './undecryptable.js';

export function createDataConverter(keys: CodecKeys, secrets: SecretsKeyring): DataConverter {
  return { payloadCodecs: [new SealingCodec(secrets), new AesGcmCodec(keys)] };
}

/**
 * A worker's converter from a client's: a payload it cannot decrypt, or a secret it cannot unseal, decodes to a
 * marker, so the workflow fails (or the update is refused) naming the key, where the client's codec throws and the
 * task would retry for ever; and a payload that came unencrypted with a secret in clear decodes to a marker too
 * (ClearSecretsGuard, last so that it decodes first), which the update's refusal names. A worker must hold the private
 * secrets key: it throws without one.
 */
export function workerDataConverter(
  converter: DataConverter,
  onMarked?: (undecryptable: Undecryptable) => void,
): DataConverter {
  const payloadCodecs = converter.payloadCodecs?.map((codec) =>
    codec instanceof AesGcmCodec || codec instanceof SealingCodec ? codec.marking(onMarked) : codec,
  );
  return { ...converter, payloadCodecs: [...(payloadCodecs ?? []), new ClearSecretsGuard()] };
}

/** Whether this client opens sealed secrets (it holds a private secrets key). */
export function unsealsSecrets(client: Client): boolean {
  return client.options.loadedDataConverter.payloadCodecs.some(
    (codec) => codec instanceof SealingCodec && codec.unseals,
  );
}
