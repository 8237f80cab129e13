// What an entry point prints when it cannot start: the error, and for a folder it may not write, what keeps it out.
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { listenNamed } from '../../src/listen-named.js';
import { defaultDescription, lowOpenFilesLimit } from '../../src/run-main.js';

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

  it('says that a data folder given as a file is a file', () => {
    const exists = Object.assign(errno('EEXIST', "EEXIST: file already exists, mkdir '/etc/hosts'", '/etc/hosts'), {
      syscall: 'mkdir',
    });
    expect(defaultDescription(exists)).toBe(
      `numberflow: EEXIST: file already exists, mkdir '/etc/hosts'; "/etc/hosts" is a file, not a folder: point ` +
        'NUMBERFLOW_DATA_DIR at a folder (or where one can be made)',
    );
  });

  it('names the variable of a port it cannot listen on, and what to do', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const listen = (host: string) => () =>
      new Promise<void>((resolve, reject) => {
        const second = createServer().once('error', reject);
        second.listen(port, host, () => second.close(() => resolve()));
      });
    try {
      const settings = { host: 'HTTP_HOST', port: 'HTTP_PORT' };
      await expect(listenNamed(settings, listen('127.0.0.1'))).rejects.toThrow(
        new ConfigError(`HTTP_PORT: 127.0.0.1:${port} is in use by another process: stop it or choose another port`),
      );
      // An address this machine does not have (TEST-NET-1) names the host's variable.
      await expect(listenNamed(settings, listen('192.0.2.1'))).rejects.toThrow(
        `HTTP_HOST: 192.0.2.1:${port} is not an address of this machine`,
      );
      await expect(listenNamed(settings, () => Promise.reject(new Error('other')))).rejects.toThrow(/^other$/);
      // A file the listen's work could not read is no port's fault.
      const unreadable = Object.assign(new Error("EACCES: permission denied, open 'state.key'"), {
        code: 'EACCES',
        syscall: 'open',
      });
      await expect(listenNamed(settings, () => Promise.reject(unreadable))).rejects.toBe(unreadable);
    } finally {
      taken.close();
    }
  });

  it('says what to do when it runs out of open files or disk space', () => {
    expect(defaultDescription(errno('EMFILE', 'EMFILE: too many open files, open'))).toMatch(
      /^numberflow: EMFILE: too many open files, open; the process ran out of open files \(its limit: \d+\): raise the hard limit \(4096 or more\), or, if it is that high already, something holds files it should not$/,
    );
    expect(
      defaultDescription(errno('ENOSPC', 'ENOSPC: no space left on device, write', '/data/codec-keys.9.tmp')),
    ).toBe(
      'numberflow: ENOSPC: no space left on device, write; the disk under /data is full: free space, then start again',
    );
  });

  it('warns at start of an open-files limit a loaded process outgrows, from /proc/self/limits', () => {
    const limits = (soft: number) =>
      `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 524288               files\n`;
    expect(lowOpenFilesLimit(limits(64))).toBe(
      'this process may open 64 files at most: under load numberflow holds hundreds (connections, databases, the workflow bundle) and fails without one more; raise the hard limit to 4096 or more (ulimit -Hn in the shell that starts it, LimitNOFILE in a systemd unit, --ulimit nofile= for a container)',
    );
    expect(lowOpenFilesLimit(limits(1024))).toBeNull();
    expect(lowOpenFilesLimit(null)).toBeNull(); // not Linux: nothing said
  });

  it('says any other error as it is', () => {
    expect(defaultDescription(errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:7233'))).toBe(
      'numberflow: connect ECONNREFUSED 127.0.0.1:7233',
    );
    expect(defaultDescription('a string')).toBe('numberflow: a string');
  });
});
