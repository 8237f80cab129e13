// Connections to Temporal from the configuration: a local dev server, a cluster with mTLS, or Temporal Cloud
// with an API key. The worker needs a NativeConnection, clients a Connection; both take the same options.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Interceptor } from '@grpc/grpc-js';
import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ClientInterceptors,
  type ConnectionOptions,
} from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { ConfigError, type Config } from '../config.js';
import { updatesSentAgainIfAborted } from './aborted-update.js';
import { closedChannelGuard } from './closed-channel.js';
import { isNotFound } from './grpc-status.js';
import { clientIdentity, type ClientRole } from './client-identity.js';

const unreadable: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/**
 * A TLS file, or an error naming its variable and path (a raw ENOENT names neither; gRPC's "PEM routines::no start
 * line" names no file and reads as an unreachable server). Paths are not secrets; the file's content is never shown.
 */
function readTlsFile(variable: string, path: string, holds: 'certificate' | 'private key'): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`${variable}: cannot read "${path}": ${unreadable[code] ?? code}`);
  }
  const text = pem.toString('latin1');
  // gRPC reads PEM only (a DER file would parse here, and fail there); an encrypted key needs a passphrase it lacks.
  if (holds === 'private key' && /ENCRYPTED PRIVATE KEY|Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    throw new ConfigError(`${variable}: "${path}" holds an encrypted private key: give it without a passphrase`);
  }
  try {
    if (!text.includes('-----BEGIN ')) throw new Error('not PEM');
    if (holds === 'certificate') new X509Certificate(pem);
    else createPrivateKey(pem);
  } catch {
    throw new ConfigError(`${variable}: "${path}" holds no PEM ${holds}`);
  }
  return pem;
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
      serverRootCACertificate: ca ? readTlsFile('TEMPORAL_TLS_CA', ca, 'certificate') : undefined,
      // mTLS when a client pair is given (config.ts requires both halves); server-only TLS otherwise.
      ...(cert && key
        ? {
            clientCertPair: {
              crt: readTlsFile('TEMPORAL_TLS_CERT', cert, 'certificate'),
              key: readTlsFile('TEMPORAL_TLS_KEY', key, 'private key'),
            },
          }
        : {}),
    };
  }
  if (config.TEMPORAL_API_KEY) {
    options.apiKey = config.TEMPORAL_API_KEY;
    options.tls ??= true; // Temporal Cloud's API-key endpoints are TLS only
  }
  return options;
}

/** A client connection's gRPC interceptors: the SDK's own retries (its default), and inside them the guard of an
 * attempt due after the connection closed (closed-channel.ts). */
export function grpcInterceptors(): Interceptor[] {
  return [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), closedChannelGuard];
}

/**
 * gRPC's reconnect backoff, capped: its own grows to 2 minutes, so after an outage of minutes a service went on
 * failing for up to that long with Temporal back. A reconnect attempt every 2 s at most costs a frontend nothing.
 */
export const reconnectChannelArgs = {
  'grpc.initial_reconnect_backoff_ms': 1_000,
  'grpc.max_reconnect_backoff_ms': 2_000,
} as const;

export interface ClientOptions {
  /** The embedded dev server's, where it is not the configuration's. */
  address?: string;
  /** Tracing's, when on (src/telemetry/tracing.ts). */
  interceptors?: ClientInterceptors;
  /** The process the client is of: Temporal records it beside each request, for the audit (client-identity.ts). */
  role?: ClientRole;
}

export async function connectClient(
  config: Config,
  dataConverter: DataConverter,
  { address, interceptors, role }: ClientOptions = {},
): Promise<Client> {
  const options = connectionOptions(config, address);
  const connection = await Connection.connect({
    ...options,
    interceptors: grpcInterceptors(),
    channelArgs: reconnectChannelArgs,
  }).catch((err: unknown) => {
    throw unreachable(config, options, address, err);
  });
  await namespaceKnown(connection, config.TEMPORAL_NAMESPACE, options.address);
  // Tracing's interceptors (when on) inside the retry of an aborted update, so that each try is its own span.
  const workflow = [updatesSentAgainIfAborted, ...(Array.isArray(interceptors?.workflow) ? interceptors.workflow : [])];
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter,
    interceptors: { ...interceptors, workflow },
    ...(role ? { identity: clientIdentity(role) } : {}),
  });
}

/** A frontend that takes the connection but never answers does not hold a start-up up for long. */
const NAMESPACE_CHECK_MS = 10_000;

/**
 * The namespace must exist: else each later call fails on its own, the worker's as a raw gRPC status. Only "not
 * found" is said here; any other answer (a key that may not describe it) is left to the calls that need it.
 */
async function namespaceKnown(connection: Connection, namespace: string, address: string | undefined): Promise<void> {
  const found = await connection
    .withDeadline(Date.now() + NAMESPACE_CHECK_MS, () => connection.workflowService.describeNamespace({ namespace }))
    .then(
      () => true,
      (err: unknown) => !isNotFound(err),
    );
  if (!found) {
    await connection.close();
    throw new ConfigError(
      `TEMPORAL_NAMESPACE: namespace "${namespace}" does not exist on Temporal at ${address ?? '?'}: create it ` +
        `(temporal operator namespace create --namespace ${namespace}) or name one that does`,
    );
  }
}

export async function connectWorkerConnection(config: Config, address?: string): Promise<NativeConnection> {
  // Loaded here: the worker's SDK (its native core) is more than the command line and a client need.
  const { NativeConnection } = await import('@temporalio/worker');
  const options = connectionOptions(config, address);
  return NativeConnection.connect(options).catch((err: unknown) => {
    throw unreachable(config, options, address, err);
  });
}

/** What a connection's failure says when the settings, not the server's absence, are at fault. */
const SETTINGS_REFUSED =
  /certificate|\btls\b|\bssl\b|handshake|unauthenticated|permission|api.?key|dns|resolve|not known/i;

/**
 * A connection that failed, naming where it went and which setting chose that (the SDK's "Failed to connect before
 * the deadline" names neither). A ConfigError: the entry points print its message alone.
 */
function unreachable(config: Config, options: SharedOptions, given: string | undefined, err: unknown): Error {
  // The SDK's message is generic ("Failed to connect before the deadline"); gRPC's cause says more (a refused key).
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  const why = `${err instanceof Error ? err.message : String(err)}${cause}`;
  let chosenBy = 'the embedded dev server';
  if (given === undefined)
    chosenBy = config.TEMPORAL_ADDRESS
      ? 'TEMPORAL_ADDRESS'
      : "the embedded dev server's TEMPORAL_DEV_PORT; TEMPORAL_ADDRESS names another server";
  const secured = options.tls ? 'with' : 'without';
  const error = new ConfigError(
    `cannot reach Temporal at ${options.address ?? '?'} (${chosenBy}), ${secured} TLS: ${why}. Check that the server runs ` +
      'there and that the address is its gRPC frontend (host:port, 7233 by default), and the TLS settings',
    { cause: err },
  );
  // A server away may be back later; a refused certificate or key, or an address no name server knows, will not.
  error.tryAgain = !SETTINGS_REFUSED.test(why);
  return error;
}
