// How to run numberflow's command line from where this process runs: the image holds the built folder alone (no
// sources, no npm scripts), so a hint that names `npm run numberflow` would fail inside it.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NUMBERFLOW_COMMAND = fileURLToPath(import.meta.url).endsWith(join('dist', 'cli-command.js'))
  ? 'node dist/starter.js'
  : 'npm run numberflow --';
