// The embedded default: `temporal server start-dev` with a SQLite file under the data folder, so journeys
// survive a restart of `npm start`, the Web UI on its port and the project's search attributes registered.
// A pid file in the data folder names the server: after a crash of `npm start` the next start reuses the server
// it left running (ours and healthy), stops it (ours, unhealthy), and refuses a server that is not ours.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { customSearchAttributes } from '../domain/search-attributes.js';
import {
  commandLineOf,
  devServerOnPort,
  isOurServer,
  PID_FILE,
  type PidRecord,
  readPidFile,
  removePidFile,
  runningOwner,
  thisOwner,
  stopProcess,
  writePidFile,
} from './dev-server-pid.js';
import { makeDir, ownerOnly } from '../make-dir.js';
import { DEV_RETENTION_DAYS, keepEndedRuns } from './retention.js';
import { besideFiles, refuseIfOnlyHeld, replacedUnder, setAside, staleBeside } from './histories-file.js';
import { HISTORIES_FILE, recordMade } from '../codec/key-files.js';
import { rotateLog, sizeOf, withoutSchema } from './server-log.js';
import { isNotFound } from './grpc-status.js';

export interface DevServerOptions {
  cliPath: string;
  dataDir: string;
  namespace: string;
  port: number;
  uiPort: number;
  /** The codec server the Web UI decodes payloads through (--ui-codec-endpoint). */
  uiCodecEndpoint?: string;
  /** How long to wait for the server to answer before giving up. */
  readyTimeoutMs?: number;
  /** Told what takes a while before the server answers (a leftover server looked at, stopped). */
  onNotice?: (message: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  dbFile: string;
  logFile: string;
  pidFile: string;
  pid: number;
  /** The codec server its Web UI calls; a reused server keeps the one it was started with. */
  uiCodecEndpoint: string | undefined;
  /** True when a server left running by an earlier start (same data folder) was taken over instead of spawned. */
  reused: boolean;
  /** Milliseconds from the start of this call until the frontend answered. */
  startupMs: number;
  /** Stops the server (spawned or reused) and removes the pid file. */
  stop(): Promise<void>;
  /**
   * Resolves with how the server ended if it exits before stop() (a crash, a kill): numberflow cannot go on without
   * it. A reused server, not this process's child, is looked at every 2 s.
   */
  lost: Promise<string>;
}

/** Another numberflow process runs on the data folder: its server is neither taken over nor stopped. */
export class FolderInUseError extends Error {
  override readonly name = 'FolderInUseError';
}

/** The port is held by a server that is not this data folder's: starting another would attach to the wrong one. */
export class ForeignServerError extends Error {
  override readonly name = 'ForeignServerError';
}

export function searchAttributeArgs(): string[] {
  return customSearchAttributes.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const dataDir = resolve(options.dataDir);
  makeDir(dataDir);
  const dbFile = join(dataDir, HISTORIES_FILE);
  const logFile = join(dataDir, 'temporal-server.log');
  const pidFile = join(dataDir, PID_FILE);
  const address = `127.0.0.1:${options.port}`;
  const started = performance.now();
  const server = { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, dbFile, logFile, pidFile };

  const left = readPidFile(pidFile);
  ownerOnly([dbFile, ...besideFiles(dbFile), logFile]); // made readable to all by an earlier version
  let recorded = left && isOurServer(left.pid, dbFile) ? left : undefined;
  // Left by a start that is gone, serving a file a restore replaced: stopped, and no longer one to take over.
  if (recorded && runningOwner(recorded) === undefined && (await stopIfReplacedUnder(recorded, dbFile, options))) {
    recorded = undefined;
  }
  if (recorded) {
    const owner = runningOwner(recorded);
    if (owner !== undefined) {
      throw new FolderInUseError(
        `numberflow (pid ${owner}) runs on this data folder (${dataDir}, NUMBERFLOW_DATA_DIR), with its Temporal dev ` +
          `server on 127.0.0.1:${recorded.port}: stop it first (Ctrl-C in its terminal, or kill -INT ${owner}), or ` +
          'give this start a data folder of its own',
      );
    }
    options.onNotice?.(
      `a Temporal dev server of this data folder was left running (pid ${recorded.pid}): seeing whether it answers`,
    );
    const answer = await answers(address, options.namespace);
    if (answer === 'answers') {
      await keepingEndedRuns(address, options); // before it is taken over: a failure leaves it as it was found
      recordMade(dataDir, HISTORIES_FILE);
      writePidFile(pidFile, { ...recorded, ...thisOwner() }); // taken over: a third start is refused
      const uiCodecEndpoint = flagOf(commandLineOf(recorded.pid), '--ui-codec-endpoint');
      const reused = { reused: true, uiCodecEndpoint, startupMs: elapsed(started) };
      return { ...server, ...stoppedByPid(recorded.pid, pidFile, dbFile), ...reused };
    }
    // Ours but not answering here (hung, or on another port), or made for another TEMPORAL_NAMESPACE: two servers
    // must never share one SQLite file.
    options.onNotice?.(
      // Said only of a server on this start's port: on another, what answered here is not the one left running.
      answer === 'no-namespace' && recorded.port === options.port
        ? `the dev server left running (pid ${recorded.pid}) answers, but has no namespace ${options.namespace} (it was started for another TEMPORAL_NAMESPACE): stopping it to start it anew with it`
        : `the dev server left running (pid ${recorded.pid}) does not answer: stopping it to start anew`,
    );
    await stopProcess(recorded.pid);
  }
  removePidFile(pidFile); // none, stale (its process is gone or is something else now), or just stopped
  await refuseTakenPorts([options.port, options.uiPort], dbFile);

  // The server writes its log straight into the file, never through a pipe of ours: after a kill -9 of this
  // process a pipe would be broken, and the server's next log line would kill it (SIGPIPE) under the next start.
  rotateLog(logFile);
  const logFrom = sizeOf(logFile); // what this start's server writes comes after
  const log = openSync(logFile, 'a', 0o600);
  // Its own process group: a terminal's Ctrl-C reaches only us, so the worker drains before the server stops. It
  // inherits the umask: 077 while it is spawned, so the SQLite files it makes (histories, payloads) are owner-only.
  const umask = process.umask(0o077);
  let child: ChildProcess;
  try {
    child = spawn(options.cliPath, devServerArgs(options, dbFile), { stdio: ['ignore', log, log], detached: true });
  } finally {
    process.umask(umask);
  }
  closeSync(log); // the child holds its own copy
  if (child.pid === undefined) throw new Error(`could not start the Temporal dev server (${options.cliPath})`);
  writePidFile(pidFile, { pid: child.pid, dbFile, port: options.port, uiPort: options.uiPort, ...thisOwner() });
  const killOnExit = () => {
    child.kill('SIGKILL');
    removePidFile(pidFile);
  };
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stopping = false;
  const lost = new Promise<string>((done) =>
    child.once('exit', (code, signal) => {
      if (!stopping) done(signal ? `killed by ${signal}` : `exited with code ${String(code)}`);
    }),
  );

  try {
    const log = { file: logFile, from: logFrom };
    await waitUntilServing(address, options.namespace, child, exited, options.readyTimeoutMs ?? 30_000, log);
    await keepingEndedRuns(address, options);
    recordMade(dataDir, HISTORIES_FILE); // from now on a start without it is refused (./histories-file.ts)
  } catch (err) {
    killOnExit();
    process.off('exit', killOnExit);
    throw err;
  }
  return {
    ...server,
    pid: child.pid,
    reused: false,
    uiCodecEndpoint: options.uiCodecEndpoint,
    startupMs: elapsed(started),
    stop: async () => {
      stopping = true;
      process.off('exit', killOnExit);
      await stopChild(child, exited);
      removePidFile(pidFile);
    },
    lost,
  };
}

function devServerArgs(options: DevServerOptions, dbFile: string): string[] {
  return [
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
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...searchAttributeArgs(),
  ];
}

function flagOf(commandLine: string[] | undefined, flag: string): string | undefined {
  const at = commandLine?.indexOf(flag) ?? -1;
  return at < 0 ? undefined : commandLine?.[at + 1];
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}

/**
 * A server left running whose SQLite file a restore replaced serves the old one, unlinked: killed (a clean stop
 * would write more beside the restored file), and the journal or write-ahead files it left set aside, so that the
 * server started next reads the restored file as it was backed up; true when it was. One whose file was removed
 * holds its only copy: the start is refused, saying how to copy it back.
 */
async function stopIfReplacedUnder(
  left: PidRecord,
  dbFile: string,
  options: Pick<DevServerOptions, 'onNotice'>,
): Promise<boolean> {
  const { pid } = left;
  refuseIfOnlyHeld(dbFile, pid); // removed, not replaced: never killed
  const replaced = replacedUnder(pid, dbFile);
  if (!replaced) return false;
  // Stopped first, so that it writes nothing more while its files are set aside; killed only once they are.
  process.kill(pid, 'SIGSTOP');
  let moved: string[];
  try {
    moved = setAside(staleBeside(dbFile, replaced.held));
  } catch (err) {
    process.kill(pid, 'SIGCONT');
    throw err;
  }
  await stopProcess(pid, 0, 'SIGKILL');
  await untilFreed([left.port, left.uiPort]);
  options.onNotice?.(
    `the Temporal dev server left running (pid ${pid}) served a ${dbFile} that is no longer in the folder ` +
      `(replaced or removed since it opened it: a restore?): stopped, to start anew on the file in the folder` +
      (moved.length > 0
        ? `; the files it left beside, which belong to the file it served, moved to ${moved.join(', ')}`
        : ''),
  );
  return true;
}

/** How often a reused server (not our child: no exit event) is looked at for having gone. */
const REUSED_CHECK_MS = 2_000;

/** A server we did not spawn ourselves: stopped by the pid from the pid file, never by name. */
function stoppedByPid(pid: number, pidFile: string, dbFile: string): Pick<DevServer, 'pid' | 'stop' | 'lost'> {
  const killOnExit = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    removePidFile(pidFile);
  };
  process.once('exit', killOnExit);
  let watch: NodeJS.Timeout | undefined;
  const lost = new Promise<string>((done) => {
    watch = setInterval(() => {
      if (isOurServer(pid, dbFile)) return;
      clearInterval(watch);
      done('is gone');
    }, REUSED_CHECK_MS).unref();
  });
  return {
    pid,
    stop: async () => {
      clearInterval(watch);
      process.off('exit', killOnExit);
      await stopProcess(pid);
      removePidFile(pidFile);
    },
    lost,
  };
}

/** The namespace keeps ended journeys for years (retention.ts): said when it kept them for less. */
async function keepingEndedRuns(address: string, options: Pick<DevServerOptions, 'namespace' | 'onNotice'>) {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    const before = await connection.withDeadline(Date.now() + 10_000, () =>
      keepEndedRuns(connection, options.namespace),
    );
    if (before !== null) {
      options.onNotice?.(
        `the namespace ${options.namespace} kept ended journeys ${before} day(s): now ${DEV_RETENTION_DAYS} days for the runs that end from now on, as their audit, PINs and idempotency live there`,
      );
    }
  } catch (err) {
    throw new Error(
      `could not give the dev server's namespace ${options.namespace} its retention of ${DEV_RETENTION_DAYS} days: ${String(err)}`,
    );
  } finally {
    await connection.close();
  }
}

/** How a dev server left running answers: with the namespace, without it (started for another), or not at all. */
type Answer = 'answers' | 'no-namespace' | 'silent';

/**
 * Whether the frontend on `address` answers describeNamespace, asked a few times: a server busy on a loaded machine
 * (replaying what a killed start left) may miss one 2 s deadline, and a server wrongly taken for hung is stopped.
 */
async function answers(address: string, namespace: string, tries = 4): Promise<Answer> {
  for (let i = 0; i < tries; i++) {
    const answer = await answersOnce(address, namespace);
    if (answer !== 'silent') return answer;
    if (i < tries - 1) await delay(1_000);
  }
  return 'silent';
}

async function answersOnce(address: string, namespace: string): Promise<Answer> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2_000 });
    try {
      await connection.withDeadline(Date.now() + 2_000, () =>
        connection.workflowService.describeNamespace({ namespace }),
      );
      return 'answers';
    } finally {
      await connection.close();
    }
  } catch (err) {
    return isNotFound(err) ? 'no-namespace' : 'silent'; // answered, without the namespace
  }
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port, timeout: 1_000 });
    const end = (taken: boolean) => {
      socket.destroy();
      done(taken);
    };
    socket.once('connect', () => end(true));
    socket.once('timeout', () => end(false));
    socket.once('error', () => end(false));
  });
}

/** The kernel closes a killed process's sockets a moment after it is gone: waits for that, 5 s at most. */
async function untilFreed(ports: readonly number[]): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (!(await Promise.all(ports.map(portTaken))).some(Boolean)) return;
    await delay(100);
  }
}

async function refuseTakenPorts(ports: readonly number[], dbFile: string): Promise<void> {
  for (const port of ports) {
    if (!(await portTaken(port))) continue;
    const holder = devServerOnPort(port);
    if (holder?.dbFile === dbFile) {
      // Its pid file is gone (a restore of the whole folder, say): stopped by hand, it is no one else's.
      throw new ForeignServerError(
        `port ${port} is taken by this data folder's Temporal dev server (pid ${holder.pid}), left running by an ` +
          `earlier start without its pid file (a restore of the whole folder?): stop it (kill -INT ${holder.pid}), ` +
          'then start again',
      );
    }
    const who = holder
      ? `a Temporal dev server of another data folder (pid ${holder.pid}${holder.dbFile ? `, ${holder.dbFile}` : ''})`
      : 'another process';
    throw new ForeignServerError(
      `port ${port} is taken by ${who}, not by this data folder's Temporal dev server; ` +
        `stop that process, or set TEMPORAL_DEV_PORT and TEMPORAL_UI_PORT to free ports`,
    );
  }
}

async function waitUntilServing(
  address: string,
  namespace: string,
  child: ChildProcess,
  exited: Promise<number | null>,
  timeoutMs: number,
  log: { file: string; from: number },
): Promise<void> {
  const logFile = log.file;
  const deadline = Date.now() + timeoutMs;
  let dead: number | null | undefined;
  void exited.then((code) => (dead = code));
  for (;;) {
    if (dead !== undefined) {
      throw new Error(
        `the Temporal dev server exited with code ${dead} before serving; see ${logFile}${withoutSchema(log)}`,
      );
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
