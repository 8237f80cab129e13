// Connections to Temporal from the configuration: a local dev server, a cluster with mTLS, or Temporal Cloud
// with an API key. The worker needs a NativeConnection, clients a Connection; both take the same options.
import { readFileSync } from 'node:fs';
import { Client, Connection, type ClientInterceptors, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { ConfigError, type Config } from '../config.js';

const unreadable: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/** A TLS file, or an error naming its variable and path (a raw ENOENT names neither). Paths are not secrets. */
function readTlsFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`${variable}: cannot read "${path}": ${unreadable[code] ?? code}`);
  }
}

type SharedOptions = Pick<ConnectionOptions, 'address' | 'tls'> & { apiKey?: string };

export function connectionOptions(config: Config, address?: string): SharedOptions {
  // Without an address: the embedded dev server of this configuration (npm start's TEMPORAL_DEV_PORT).
  const resolved = address ?? config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`;
  const options: SharedOptions = { address: resolved };
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca } = config;
  if (cert || ca || config.TEMPORAL_TLS_SERVER_NAME) {
    options.tls = {
      serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
      serverRootCACertificate: ca ? readTlsFile('TEMPORAL_TLS_CA', ca) : undefined,
      // mTLS when a client pair is given (config.ts requires both halves); server-only TLS otherwise.
      ...(cert && key
        ? { clientCertPair: { crt: readTlsFile('TEMPORAL_TLS_CERT', cert), key: readTlsFile('TEMPORAL_TLS_KEY', key) } }
        : {}),
    };
  }
  if (config.TEMPORAL_API_KEY) {
    options.apiKey = config.TEMPORAL_API_KEY;
    options.tls ??= true; // Temporal Cloud's API-key endpoints are TLS only
  }
  return options;
}

/** `interceptors`: tracing's, when on (src/telemetry/tracing.ts). */
export async function connectClient(
  config: Config,
  dataConverter: DataConverter,
  address?: string,
  interceptors?: ClientInterceptors,
): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config, address));
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter, interceptors });
}

export async function connectWorkerConnection(config: Config, address?: string): Promise<NativeConnection> {
  // Loaded here: the worker's SDK (its native core) is more than the command line and a client need.
  const { NativeConnection } = await import('@temporalio/worker');
  return NativeConnection.connect(connectionOptions(config, address));
}
