// A persisted sandbox (npm start's): its state reloaded from the data folder at start and written back — before
// each answer (whatever a caller saw survives a kill -9), every second for background changes (webhook
// deliveries, scheduled reviews), and on close. A write happens only when the state changed; writes never overlap.
// Being written whole, the state keeps only the latest calls, webhooks and codes (LOGS_KEPT each): a trial of hours
// grew it by megabytes an hour, and every answer and every tick cost more CPU with it.
import type { Logger } from 'pino';
import type { CallLog } from './call-log.js';
import type { SandboxCore } from './core.js';
import { resumeReview } from './display-names.js';
import { resumeConnect } from './registration.js';
import { forgetOldCodes } from './verification.js';
import { restoreSnapshot, snapshotSchema, takeSnapshot, type SandboxSnapshot } from './snapshot.js';
import { stateFileIn, type StateFile } from './state-file.js';

const BACKGROUND_SAVE_MS = 1_000;
/** The latest Graph calls, webhook deliveries and codes a persisted sandbox keeps (each number's latest code always). */
export const LOGS_KEPT = 1_000;

/** Reads the saved state of `dir`, if any (the random seed is needed before the sandbox is built). */
export function loadSavedState(dir: string): { file: StateFile; snapshot?: SandboxSnapshot } {
  const file = stateFileIn(dir);
  const text = file.read();
  if (text === undefined) return { file };
  const parsed = snapshotSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file.path} does not hold a sandbox state this version can read`);
  return { file, snapshot: parsed.data };
}

export interface Persistence {
  /** Writes the state if it changed since the last write. */
  save(): Promise<void>;
  close(): Promise<void>;
}

export function persist(
  core: SandboxCore,
  callLog: CallLog,
  saved: { file: StateFile; snapshot?: SandboxSnapshot },
  logger?: Logger,
): Persistence {
  if (saved.snapshot) {
    restoreSnapshot(core, callLog, saved.snapshot);
    for (const number of core.store.numbers.values()) {
      resumeConnect(core, number);
      resumeReview(core, number);
    }
  }
  callLog.keepLatest(LOGS_KEPT); // a state of an earlier version, unbounded, is cut at once
  core.webhooks.keepLatest(LOGS_KEPT);
  core.settings.outboxKept = LOGS_KEPT;
  forgetOldCodes(core);
  let written: string | undefined;
  if (saved.snapshot) {
    // At once: restoring may have dated an older state's restrictions, which a restart must not date again.
    written = JSON.stringify(takeSnapshot(core, callLog));
    saved.file.writeSync(written);
  }
  let chain: Promise<void> = Promise.resolve();
  const writeIfChanged = async () => {
    const text = JSON.stringify(takeSnapshot(core, callLog));
    if (text === written) return;
    await saved.file.write(text);
    written = text;
  };
  const save = () => {
    chain = chain.then(writeIfChanged).catch((err: unknown) => {
      logger?.error({ err }, `sandbox: could not write its state to ${saved.file.path}`);
    });
    return chain;
  };
  const timer = setInterval(() => void save(), BACKGROUND_SAVE_MS);
  timer.unref();
  return {
    save,
    async close() {
      clearInterval(timer);
      await save();
    },
  };
}
