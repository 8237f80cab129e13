import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdirSync(path, { recursive: true, mode })`, except where Node's own never returns: a folder that cannot be made
 * under a parent that exists (a path under /proc answers ENOENT to every mkdir, and Node's recursive mkdir retries
 * it for ever). The missing folders are made one by one, the first that cannot be made throwing its error.
 */
export function makeDir(path: string, mode?: number): void {
  const missing: string[] = [];
  for (let at = resolve(path); !existsSync(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode });
    } catch (err) {
      // Another process made it meanwhile: as good as made here.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  mkdirSync(path, { recursive: true, mode }); // all there now: a no-op, or EEXIST for a file of that name
}

/**
 * The files made readable to the owner only, whatever mode they came back with (a restore by a tool that keeps no
 * modes, a copy by another user, an earlier version): keys and secrets beside the data they protect.
 */
export function ownerOnly(files: readonly string[]): void {
  for (const file of files) {
    try {
      if (existsSync(file)) chmodSync(file, 0o600);
    } catch {
      // Another user's file (made by root in a container, say): the start goes on; the folder is 0700.
    }
  }
}
