// The embedded dev server's log is moved aside at a start once it has grown past its bound, the one before it goes.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordMade } from '../../src/codec/key-files.js';
import { rotateLog, withoutSchema } from '../../src/temporal/server-log.js';
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

  it("says what to do when this start's server found no tables in its file, by whether the file ever served", () => {
    const dataDir = tempDir('server-log');
    const file = join(dataDir, 'temporal-server.log');
    writeFileSync(file, 'an earlier start: no such table: namespaces\n');
    const from = readFileSync(file).length;
    expect(withoutSchema({ file, from })).toBe(''); // an earlier start's line is not this start's
    appendFileSync(file, 'sql: no such table: cluster_metadata_info\n');
    expect(withoutSchema({ file, from })).toBe(
      '; its temporal.sqlite holds no tables (a first start cut short, by a full disk say) and never served journeys: delete it, then start again',
    );
    recordMade(dataDir, 'temporal.sqlite');
    expect(withoutSchema({ file, from })).toBe('; its temporal.sqlite has lost its tables: restore it from a backup');
  });
});
