// The stall watchdog's view into a worker process (test/support/stall-watchdog.ts): a file named after the process,
// in the folder the watchdog made for the run, holding the test file it runs and rewritten every few seconds while
// its event loop turns. The first setup file, so that a file is named before anything else of it runs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { HEARTBEAT_MS_VARIABLE, RUNNING_DIR_VARIABLE } from './stall-watchdog.js';

interface Heartbeat {
  file: string;
  timer?: NodeJS.Timeout;
}

const dir = process.env[RUNNING_DIR_VARIABLE]; // unset: no watchdog in this run (another reporter was asked for)
if (dir) {
  // One per process: files share it (vitest.config.ts, not isolated), each naming itself here.
  const shared = globalThis as { numberflowHeartbeat?: Heartbeat };
  const heartbeat = (shared.numberflowHeartbeat ??= { file: '' });
  heartbeat.file = expect.getState().testPath ?? '';
  const marker = join(dir, String(process.pid));
  const beat = (): void => {
    try {
      writeFileSync(marker, heartbeat.file);
    } catch {
      // The folder went with its run: nothing to tell.
    }
  };
  beat();
  heartbeat.timer ??= setInterval(beat, Number(process.env[HEARTBEAT_MS_VARIABLE]) || 5_000).unref();
}
