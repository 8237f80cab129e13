// The embedded default: `temporal server start-dev` with a SQLite file under the data folder, so journeys
// survive a restart of `npm start`, the Web UI on its port and the project's search attributes registered.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { customSearchAttributes } from '../domain/search-attributes.js';

export interface DevServerOptions {
  cliPath: string;
  dataDir: string;
  namespace: string;
  port: number;
  uiPort: number;
  /** How long to wait for the server to answer before giving up. */
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  dbFile: string;
  logFile: string;
  /** Milliseconds from spawn until the frontend answered. */
  startupMs: number;
  stop(): Promise<void>;
}

export function searchAttributeArgs(): string[] {
  return customSearchAttributes.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const dbFile = join(dataDir, 'temporal.sqlite');
  const logFile = join(dataDir, 'temporal-server.log');
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--db-filename',
    dbFile,
    '--log-level',
    'warn',
    ...searchAttributeArgs(),
  ];
  const started = performance.now();
  const log = createWriteStream(logFile, { flags: 'a' });
  // Its own process group: a terminal's Ctrl-C reaches only us, so the worker drains before the server stops.
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  await waitUntilServing(address, options.namespace, child, exited, options.readyTimeoutMs ?? 30_000, logFile);
  return {
    address,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    dbFile,
    logFile,
    startupMs: Math.round(performance.now() - started),
    stop: async () => {
      process.off('exit', killOnExit);
      await stopChild(child, exited);
    },
  };
}

async function waitUntilServing(
  address: string,
  namespace: string,
  child: ChildProcess,
  exited: Promise<number | null>,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead: number | null | undefined;
  void exited.then((code) => (dead = code));
  for (;;) {
    if (dead !== undefined) {
      throw new Error(`the Temporal dev server exited with code ${dead} before serving; see ${logFile}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(`the Temporal dev server did not answer on ${address} within ${timeoutMs} ms; see ${logFile}`);
      }
      await delay(100);
    }
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(forced);
}
