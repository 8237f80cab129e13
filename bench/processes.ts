// Processes and folders of a benchmark run: scratch folders under the system's temp folder.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `numberflow-${prefix}-`));
}
