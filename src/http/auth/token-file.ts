// The API's token file: principals with their roles, portfolios and the SHA-256 of their bearer token. Tokens
// themselves are never stored: each is shown once, when it is made. The file is owner-only (0600).
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { codePoint } from '../../domain/display-name.js';
import { GRAPH_ID } from '../../domain/journey-input.js';
import { roles, type Principal, type Role } from './principals.js';
import { makeDir, writeOnce } from '../../make-dir.js';

const principalEntrySchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    roles: z.array(z.enum(roles)).min(1, 'needs at least one role'),
    portfolios: z.array(z.string().regex(GRAPH_ID, 'must be a numeric Graph id')).optional(),
    tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the token's SHA-256, 64 lowercase hex digits"),
  })
  .strict();

export const tokenFileSchema = z.object({ principals: z.array(principalEntrySchema) }).strict();
export type TokenFile = z.output<typeof tokenFileSchema>;
export type PrincipalEntry = TokenFile['principals'][number];

/** The token file cannot be used: its path and the problem, never a token. */
export class TokenFileError extends Error {
  override readonly name = 'TokenFileError';
}

/** `nf_` and 32 random bytes, base64url. */
export function newToken(): string {
  return `nf_${randomBytes(32).toString('base64url')}`;
}

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function principalOf(entry: PrincipalEntry): Principal {
  return { name: entry.name, roles: entry.roles, portfolios: entry.portfolios ?? null };
}

/** Why a file could not be read, in words (the errno's code beside them). */
function unreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'there is no such file',
    EACCES: 'this process may not read it',
    EISDIR: 'it is a folder',
  };
  return code && words[code] ? `${words[code]} (${code})` : String(code ?? err);
}

export function readTokenFile(path: string): TokenFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TokenFileError(`API token file ${path} cannot be read: ${unreadable(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TokenFileError(`API token file ${path} is not JSON: ${(err as Error).message}`);
  }
  const parsed = tokenFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`);
    throw new TokenFileError(
      `API token file ${path} is not valid (expected {"principals":[{"name","roles","portfolios"?,"tokenSha256"}]}):\n  ${problems.join('\n  ')}`,
    );
  }
  return parsed.data;
}

export interface NewPrincipal {
  name: string;
  roles: Role[];
  portfolios?: string[];
}

export interface AddOptions {
  /** The principal's other tokens are removed: a lost or leaked one stops working (the service reads the file). */
  replace?: boolean;
}

/** The actors journeys record that are no principal's (src/domain's notes and the audit's entries name them). */
const SYSTEM_ACTORS = ['meta', 'numberflow', 'portfolio', 'temporal'] as const;

/**
 * Adds a principal with a new token to the file (made, owner-only, if missing); answers the token, shown once. A name
 * is one principal — the actor journeys record — so a name already in the file takes another token only with the
 * same roles and portfolios (a second token of it; `replace`: instead of the ones it has, say a lost one).
 */
export function addPrincipal(path: string, principal: NewPrincipal, { replace = false }: AddOptions = {}): string {
  const file: TokenFile = existsSync(path) ? readTokenFile(path) : { principals: [] };
  const token = newToken();
  const parsed = principalEntrySchema.safeParse({ ...principal, tokenSha256: tokenSha256(token) });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new TokenFileError(`the principal cannot be added: ${problems.join('; ')}`);
  }
  const entry = parsed.data;
  // The name is the actor every journey records: one line a journey takes, never mistaken for another's.
  const unreadable = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.exec(entry.name)?.[0];
  if (unreadable) {
    throw new TokenFileError(
      `the principal cannot be added: name: holds a control or invisible character (${codePoint(unreadable)}); journeys refuse such an actor`,
    );
  }
  // The actors numberflow records for itself, Meta, the portfolio and Temporal: an auditor tells them by name.
  if (SYSTEM_ACTORS.some((actor) => folded(actor) === folded(entry.name))) {
    throw new TokenFileError(
      `the principal cannot be added: name: "${entry.name}" is an actor journeys record for ${SYSTEM_ACTORS.join(', ')} themselves; give a person's or a service's name (e.g. ops@acme)`,
    );
  }
  const lookalike = file.principals.find((p) => p.name !== entry.name && folded(p.name) === folded(entry.name));
  if (lookalike) {
    throw new TokenFileError(
      `"${entry.name}" reads as the principal "${lookalike.name}" already in the file: give that name for another token of it, or a name that reads differently`,
    );
  }
  if (replace && !file.principals.some((p) => p.name === entry.name)) {
    throw new TokenFileError(`${entry.name} is not a principal in ${path}: there is no token of it to replace`);
  }
  const namesake = file.principals.find((p) => p.name === entry.name);
  if (namesake && scopeOf(namesake) !== scopeOf(entry)) {
    throw new TokenFileError(
      `${entry.name} is already a principal with ${scopeOf(namesake)}: a name is one principal, the actor journeys ` +
        `record — choose another name, or give the same roles and portfolios for another token of it`,
    );
  }
  const kept = replace ? file.principals.filter((p) => p.name !== entry.name) : file.principals;
  writeTokenFile(path, { principals: [...kept, entry] });
  return token;
}

/** A name as a person reads it: case, compatibility forms (ｏｐｓ, ﬁ) and invisible characters set aside. */
function folded(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/[\p{Cf}\p{Cc}]/gu, '')
    .toLowerCase();
}

/** "roles admin, operator; portfolios 1234" — sorted, so that the same rights read the same. */
function scopeOf(entry: Pick<PrincipalEntry, 'roles' | 'portfolios'>): string {
  const sorted = (items: readonly string[]) => [...new Set(items)].sort().join(', ');
  return `roles ${sorted(entry.roles)}; ${entry.portfolios ? `portfolios ${sorted(entry.portfolios)}` : 'all portfolios'}`;
}

export const LOCAL_TOKEN_FILE = 'api-tokens.json';

/** The embedded default's principals: one of each role, all portfolios. */
const localPrincipals: NewPrincipal[] = roles.map((role) => ({ name: `${role}@local`, roles: [role] }));

/**
 * The embedded default's token file in the data folder: made on the first start with one principal per role.
 * Answers the tokens made now (to be shown once), or null when the file was there already.
 */
export function ensureLocalTokenFile(dataDir: string): {
  path: string;
  made: { name: string; token: string }[] | null;
} {
  const path = join(dataDir, LOCAL_TOKEN_FILE);
  const made = localPrincipals.map((p) => ({ ...p, token: newToken() }));
  const file: TokenFile = {
    principals: made.map(({ token, ...p }) => principalEntrySchema.parse({ ...p, tokenSha256: tokenSha256(token) })),
  };
  makeDir(dataDir, 0o700);
  // Of two processes starting at once, one makes the file and the other uses it.
  if (!writeOnce(path, serialise(file), 0o600)) {
    readTokenFile(path); // there already: it must be usable
    return { path, made: null };
  }
  return { path, made: made.map(({ name, token }) => ({ name, token })) };
}

/** Written beside and renamed over, so a reader never sees half a file; owner-only. */
function writeTokenFile(path: string, file: TokenFile): void {
  makeDir(dirname(path), 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, serialise(file), { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

function serialise(file: TokenFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
