// Secrets the single-machine default makes for itself (the sandbox's app secret and verify token): random on the
// first start, kept owner-only in the data folder, the same on every later start — never a constant in the source.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDir, ownerOnly, writeOnce } from './make-dir.js';

export function localSecret(dataDir: string, name: string): string {
  const file = join(dataDir, name);
  makeDir(dataDir, 0o700);
  // Of two processes starting at once, one writes the secret and the other reads it.
  writeOnce(file, `${randomBytes(32).toString('base64url')}\n`, 0o600);
  ownerOnly([file]);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret === '') throw new Error(`${file} is empty: delete it and start again to make a new secret`);
  return secret;
}
