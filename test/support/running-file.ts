// Which test file each worker process runs now, for the stall watchdog (test/support/stall-watchdog.ts): a file
// named after the process, holding the file's path, in a folder named after the vitest process that forked it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runningFilesDir } from './stall-watchdog.js';

const dir = runningFilesDir(process.ppid);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, String(process.pid)), expect.getState().testPath ?? '');
