// What an entry point prints when it cannot start: the error, and for a folder it may not write, what keeps it out.
import { describe, expect, it } from 'vitest';
import { defaultDescription } from '../../src/run-main.js';

const errno = (code: string, message: string, path?: string) =>
  Object.assign(new Error(message), { code }, path === undefined ? {} : { path });

describe('an entry point failing to start', () => {
  it('names the settings that keep a process out of its data folder when it may not write there', () => {
    for (const code of ['EACCES', 'EROFS', 'EPERM', 'ENOTDIR']) {
      const said = defaultDescription(errno(code, `${code}: permission denied, mkdir '/app/.data'`, '/app/.data'));
      expect(said).toMatch(
        new RegExp(`^numberflow: ${code}: permission denied, mkdir '/app/.data'; numberflow writes`),
      );
      for (const variable of [
        'NUMBERFLOW_DATA_DIR',
        'NUMBERFLOW_DATABASE_URL',
        'NUMBERFLOW_STORE_KEY',
        'NUMBERFLOW_CODEC_KEYS',
        'NUMBERFLOW_SECRETS_KEY',
      ])
        expect(said).toContain(variable);
    }
  });

  it('says so for a SQLite file it cannot open or write, but not for a port it may not listen on', () => {
    for (const code of ['SQLITE_CANTOPEN', 'SQLITE_READONLY'])
      expect(defaultDescription(errno(code, 'unable to open database file'))).toContain('NUMBERFLOW_DATA_DIR');
    expect(defaultDescription(errno('EACCES', 'listen EACCES: permission denied 0.0.0.0:80'))).toBe(
      'numberflow: listen EACCES: permission denied 0.0.0.0:80',
    );
  });

  it('says any other error as it is', () => {
    expect(defaultDescription(errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:7233'))).toBe(
      'numberflow: connect ECONNREFUSED 127.0.0.1:7233',
    );
    expect(defaultDescription('a string')).toBe('numberflow: a string');
  });
});
