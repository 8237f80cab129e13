// Finds the principal a bearer token belongs to. Only SHA-256 hashes are held; the presented token is hashed and
// compared with every principal's hash in constant time, so neither a match nor its place in the file shows in timing.
import { timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Principal } from './principals.js';
import { principalOf, readTokenFile, tokenSha256, type TokenFile } from './token-file.js';

interface Entry {
  principal: Principal;
  hash: Buffer;
}

/** Tokens longer than this are nobody's (ours are 46 characters): refused before hashing. */
const MAX_TOKEN_LENGTH = 512;
/** How often the file is looked at for changes (a token made by `numberflow api-token new` works without a restart). */
const RELOAD_CHECK_MS = 1_000;

export class PrincipalDirectory {
  private entries: Entry[];
  private checkedAt = 0;
  private version: string;

  private constructor(
    file: TokenFile,
    private readonly path: string | null,
    private readonly onReloadError: (err: unknown) => void,
  ) {
    this.entries = entriesOf(file);
    this.version = path ? versionOf(path) : '';
  }

  /** The principals of a token file, read again when it changes (a file that became invalid keeps the last good one). */
  static fromFile(path: string, onReloadError: (err: unknown) => void = () => undefined): PrincipalDirectory {
    return new PrincipalDirectory(readTokenFile(path), path, onReloadError);
  }

  static of(file: TokenFile): PrincipalDirectory {
    return new PrincipalDirectory(file, null, () => undefined);
  }

  /** The principal whose token this is, or null. */
  identify(token: string): Principal | null {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    return this.identifyByHash(tokenSha256(token));
  }

  /** The principal whose token has this SHA-256 (hex), or null: a console session names its principal this way. */
  identifyByHash(sha256Hex: string): Principal | null {
    this.reloadIfChanged();
    if (!/^[0-9a-f]{64}$/.test(sha256Hex)) return null;
    const presented = Buffer.from(sha256Hex, 'hex');
    let found: Principal | null = null;
    for (const entry of this.entries) {
      // Every hash is compared, whether or not one matched already.
      if (timingSafeEqual(presented, entry.hash) && found === null) found = entry.principal;
    }
    return found;
  }

  private reloadIfChanged(): void {
    if (!this.path || Date.now() - this.checkedAt < RELOAD_CHECK_MS) return;
    this.checkedAt = Date.now();
    const version = versionOf(this.path);
    if (version === this.version) return;
    this.version = version; // a bad file is reported once per change, not once per request
    try {
      this.entries = entriesOf(readTokenFile(this.path));
    } catch (err) {
      this.onReloadError(err);
    }
  }
}

function entriesOf(file: TokenFile): Entry[] {
  return file.principals.map((entry) => ({
    principal: principalOf(entry),
    hash: Buffer.from(entry.tokenSha256, 'hex'),
  }));
}

function versionOf(path: string): string {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? `${stat.mtimeMs}:${stat.size}:${stat.ino}` : 'missing';
}
