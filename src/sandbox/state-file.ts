// The persisted sandbox's state file: it holds OTP codes, PINs and tokens, so it is AES-256-GCM encrypted under a
// key kept in its own owner-only file, and replaced atomically (tmp + rename) so a crash leaves the old or the new.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDir, writeOnce } from '../make-dir.js';

const MAGIC = Buffer.from('NFSB1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface StateFile {
  path: string;
  read(): string | undefined;
  write(text: string): Promise<void>;
  writeSync(text: string): void;
}

function keyOf(dir: string, state: string): Buffer {
  const file = join(dir, 'sandbox-state.key');
  if (!existsSync(file) && existsSync(state)) {
    // A new key could not read the state written with the lost one (a restore that left the key out).
    throw new Error(
      `${file} is missing, but ${state} holds the sandbox's state written with it: restore the key file from a ` +
        `backup; or, to start the sandbox afresh (a new demo account: journeys begun on the old one cannot go on), remove ${state}`,
    );
  }
  // Never replaced, or the state written under it could not be read any more.
  writeOnce(file, randomBytes(32).toString('base64'), 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key`);
  return key;
}

function seal(key: Buffer, text: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(MAGIC);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, sealed: Buffer, path: string): string {
  if (!sealed.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${path} is not a sandbox state file`);
  const iv = sealed.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
  const tag = sealed.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(sealed.subarray(MAGIC.length + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new Error(`${path} cannot be decrypted with sandbox-state.key (another key, or a damaged file)`);
  }
}

export function stateFileIn(dir: string): StateFile {
  makeDir(dir);
  const path = join(dir, 'sandbox-state.enc');
  const key = keyOf(dir, path);
  const tmp = `${path}.tmp`;
  return {
    path,
    read() {
      let sealed: Buffer;
      try {
        sealed = readFileSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      return open(key, sealed, path);
    },
    async write(text) {
      await writeFile(tmp, seal(key, text), { mode: 0o600 });
      await rename(tmp, path);
    },
    writeSync(text) {
      writeFileSync(tmp, seal(key, text), { mode: 0o600 });
      renameSync(tmp, path);
    },
  };
}
