// The log's writer: a line the system refuses (a full disk under a redirected log) is dropped and counted, never
// thrown nor retried for ever; once writing works again, the count is said, once.
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger, lineWriter } from '../../src/logger.js';

const refused = (code: string) => Object.assign(new Error(`${code}: refused`), { code });

describe('the log writer', () => {
  it('drops what a full disk refuses without throwing', () => {
    const full = openSync('/dev/full', 'w'); // every write: ENOSPC
    try {
      const logger = createLogger('info', false, lineWriter(full));
      expect(() => {
        logger.info('one');
        logger.warn('two');
      }).not.toThrow();
    } finally {
      closeSync(full);
    }
  });

  it('says how many lines it dropped on the first line written after, once; a full pipe is waited for', () => {
    const written: string[] = [];
    let failures = ['ENOSPC', 'ENOSPC', 'EAGAIN'];
    const writer = lineWriter(9, (_fd, bytes) => {
      const code = failures.shift();
      if (code) throw refused(code);
      written.push(bytes.toString());
      return bytes.length;
    });
    writer.write('a\n'); // ENOSPC: dropped
    writer.write('b\n'); // ENOSPC: dropped
    writer.write('c\n'); // EAGAIN once, then written
    writer.write('d\n');
    expect(written[0]).toBe('c\n');
    expect(JSON.parse(written[1] ?? '')).toMatchObject({
      level: 40,
      app: 'numberflow',
      msg: '2 log line(s) dropped before the line above: the log could not be written (ENOSPC)',
    });
    expect(written.slice(2)).toEqual(['d\n']);
    failures = Array.from({ length: 60 }, () => 'EAGAIN'); // a reader that never reads: dropped after 50 tries
    writer.write('e\n');
    expect(written).toHaveLength(3);
    writer.write('f\n'); // still stalled: tried once, not waited for again
    expect(failures).toHaveLength(8);
  });

  it('begins the line after one cut short on a line of its own, and keeps the count when its own line fails', () => {
    const written: string[] = [];
    let script: (number | string)[] = [2, 'ENOSPC', 'ENOSPC']; // 2 bytes of a line, then a full disk
    const writer = lineWriter(9, (_fd, bytes) => {
      const next = script.shift();
      if (typeof next === 'string') throw refused(next);
      const n = next ?? bytes.length;
      written.push(bytes.subarray(0, n).toString());
      return n;
    });
    writer.write('{"msg":"cut"}\n'); // '{"' written, the rest refused: dropped
    writer.write('{"msg":"next"}\n'); // refused: dropped
    expect(written).toEqual(['{"']);
    script = [10_000, 'ENOSPC']; // room for one line, then none for the count's
    writer.write('{"msg":"after"}\n');
    expect(written[1]).toBe('\n{"msg":"after"}\n'); // on a line of its own
    script = [];
    writer.write('{"msg":"later"}\n');
    expect(written[2]).toBe('{"msg":"later"}\n');
    expect(JSON.parse(written[3] ?? '')).toMatchObject({ msg: expect.stringMatching(/^2 log line\(s\) dropped/) });
  });
});
