// The data folder's key, secret and token files are written whole or not at all: a full disk (every write refused
// with ENOSPC, as the file system's own answer) leaves nothing behind, and the next start makes them; a file there
// already is never written again, not even beside (a read-only folder that holds it serves).
import * as fs from 'node:fs';
import { linkSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localCodecKeys } from '../../src/codec/keys.js';
import { localSecretsKeys } from '../../src/codec/secrets-keys.js';
import { ensureLocalTokenFile, LOCAL_TOKEN_FILE } from '../../src/http/auth/token-file.js';
import { localSecret } from '../../src/local-secret.js';
import { writeOnce } from '../../src/make-dir.js';
import { stateFileIn } from '../../src/sandbox/state-file.js';
import { storeSealerFor } from '../../src/stores/sealed.js';

const disk = vi.hoisted(() => ({ full: false, noLinks: false }));
vi.mock('node:fs', async (original) => {
  const real = await original<typeof fs>();
  return {
    ...real,
    // A write to an open file (the file written beside) is refused while the disk is full.
    writeFileSync: (...args: Parameters<typeof real.writeFileSync>) => {
      if (disk.full && typeof args[0] === 'number') {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return real.writeFileSync(...args);
    },
    linkSync: (...args: Parameters<typeof real.linkSync>) => {
      if (disk.noLinks) throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
      return real.linkSync(...args);
    },
  };
});

afterEach(() => {
  disk.full = false;
  disk.noLinks = false;
});

const folder = () => mkdtempSync(join(tmpdir(), 'numberflow-write-once-'));

describe('a file written once', () => {
  it('is left out whole when the disk is full, and made by the next start', () => {
    const made: [string, (dataDir: string) => unknown][] = [
      ['codec-keys', localCodecKeys],
      ['secrets-key', localSecretsKeys],
      ['store-key', (dataDir) => storeSealerFor({ NUMBERFLOW_DATA_DIR: dataDir })],
      ['console-secret', (dataDir) => localSecret(dataDir, 'console-secret')],
      [LOCAL_TOKEN_FILE, ensureLocalTokenFile],
      ['sandbox-state.key', stateFileIn],
    ];
    for (const [file, make] of made) {
      const dataDir = folder();
      disk.full = true;
      expect(() => make(dataDir), file).toThrow(/ENOSPC/);
      expect(readdirSync(dataDir), file).toEqual([]); // nothing half-made, nothing recorded as made
      disk.full = false;
      make(dataDir); // space again
      expect(statSync(join(dataDir, file)).size, file).toBeGreaterThan(0);
    }
  });

  it('is never written again, nor beside, once there: a second name a crash left of it is not reopened', () => {
    const dataDir = folder();
    const key = join(dataDir, 'codec-keys');
    expect(writeOnce(key, 'first\n', 0o600)).toBe(true);
    linkSync(key, `${key}.${process.pid}.tmp`); // as a crash right after the link left it
    const written = vi.spyOn(fs, 'openSync');
    expect(writeOnce(key, 'second\n', 0o600)).toBe(false);
    expect(fs.readFileSync(key, 'utf8')).toBe('first\n');
    expect(written).not.toHaveBeenCalled();
  });

  it('is written where no hard link can be made, whole, and once', () => {
    const dataDir = folder();
    const key = join(dataDir, 'codec-keys');
    disk.noLinks = true;
    expect(writeOnce(key, 'on a vfat stick\n', 0o600)).toBe(true);
    expect(fs.readFileSync(key, 'utf8')).toBe('on a vfat stick\n');
    expect(readdirSync(dataDir)).toEqual(['codec-keys']);
    writeFileSync(join(dataDir, 'other'), '');
    expect(writeOnce(key, 'again\n', 0o600)).toBe(false);
  });
});
