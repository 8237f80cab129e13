// Connections to Temporal from the configuration: a local dev server, a cluster with mTLS, or Temporal Cloud
// with an API key. The worker needs a NativeConnection, clients a Connection; both take the same options.
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';

export const DEFAULT_LOCAL_ADDRESS = '127.0.0.1:7233';

type SharedOptions = Pick<ConnectionOptions, 'address' | 'tls'> & { apiKey?: string };

export function connectionOptions(config: Config, address?: string): SharedOptions {
  const resolved = address ?? config.TEMPORAL_ADDRESS ?? DEFAULT_LOCAL_ADDRESS;
  const options: SharedOptions = { address: resolved };
  if (config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY) {
    options.tls = {
      serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
      serverRootCACertificate: config.TEMPORAL_TLS_CA ? readFileSync(config.TEMPORAL_TLS_CA) : undefined,
      clientCertPair: { crt: readFileSync(config.TEMPORAL_TLS_CERT), key: readFileSync(config.TEMPORAL_TLS_KEY) },
    };
  }
  if (config.TEMPORAL_API_KEY) {
    options.apiKey = config.TEMPORAL_API_KEY;
    options.tls ??= true; // Temporal Cloud's API-key endpoints are TLS only
  }
  return options;
}

export async function connectClient(config: Config, dataConverter: DataConverter, address?: string): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config, address));
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
}

export async function connectWorkerConnection(config: Config, address?: string): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config, address));
}
