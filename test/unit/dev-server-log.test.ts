// The embedded dev server's log is moved aside at a start once it has grown past its bound, the one before it goes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rotateLog } from '../../src/temporal/dev-server.js';
import { tempDir } from '../support/processes.js';

describe("the dev server's log", () => {
  it('is moved to .1 past its bound, replacing the one there, and left as it is below it', () => {
    const log = join(tempDir('server-log'), 'temporal-server.log');
    expect(rotateLog(log, 10)).toBe(false); // none yet
    writeFileSync(log, 'short\n');
    expect(rotateLog(log, 10)).toBe(false);
    writeFileSync(`${log}.1`, 'older\n');
    writeFileSync(log, 'a line past ten bytes\n');
    expect(rotateLog(log, 10)).toBe(true);
    expect(existsSync(log)).toBe(false);
    expect(readFileSync(`${log}.1`, 'utf8')).toBe('a line past ten bytes\n');
  });
});
