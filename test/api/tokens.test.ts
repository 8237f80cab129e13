import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { PrincipalDirectory } from '../../src/http/auth/directory.js';
import { firstTokensFile, firstTokensOut, loadPrincipals } from '../../src/http/auth/setup.js';
import { addPrincipal, readTokenFile, TokenFileError, tokenSha256 } from '../../src/http/auth/token-file.js';
import { buildCli } from '../../src/starter.js';
import { capturedLogger } from '../http/support.js';
import { tempDir } from '../support/processes.js';

const TOKEN = /nf_[A-Za-z0-9_-]{43}/g;

describe("the API's bearer tokens", () => {
  it('makes the embedded default its token file on the first start: owner-only, hashes only, tokens printed once and never logged', () => {
    const dataDir = tempDir('tokens');
    const config = loadConfig({ NUMBERFLOW_DATA_DIR: dataDir });
    const { logger, lines } = capturedLogger();
    const printed: string[] = [];
    const principals = loadPrincipals(config, logger, (text) => printed.push(text));

    const file = join(dataDir, 'api-tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const tokens = printed.join('').match(TOKEN) ?? [];
    expect(tokens).toHaveLength(4);
    expect(printed.join('')).toContain('shown only this once');
    expect(printed.join('')).toContain('npm run numberflow -- api-token new');
    const stored = readFileSync(file, 'utf8');
    expect(stored.match(TOKEN)).toBeNull();
    expect(readTokenFile(file).principals).toEqual(
      ['onboarding', 'operator', 'admin', 'auditor'].map((role, i) => ({
        name: `${role}@local`,
        roles: [role],
        tokenSha256: tokenSha256(tokens[i] as string),
      })),
    );
    expect(tokens.map((token) => principals.identify(token)?.name)).toEqual([
      'onboarding@local',
      'operator@local',
      'admin@local',
      'auditor@local',
    ]);
    expect(principals.identify(`${tokens[0]}x`)).toBeNull();
    expect(lines.join('\n').match(TOKEN)).toBeNull();
    expect(lines.join('\n')).toContain(file);

    // A later start keeps the file and its tokens, prints none, and says where the file is.
    const again: string[] = [];
    const later = capturedLogger();
    loadPrincipals(config, later.logger, (text) => again.push(text));
    expect(again).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(stored);
    expect(later.lines.join('\n')).toContain(`API tokens: ${file}`);
  });

  it("writes a first start's tokens to a file of their own when a service joined to a cluster has no terminal (a container's log)", () => {
    const dataDir = tempDir('tokens');
    const config = loadConfig({ NUMBERFLOW_DATA_DIR: dataDir, TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    const written: string[] = [];
    const output = (isTTY: boolean) =>
      ({ isTTY, write: (text: string) => written.push(text) }) as unknown as NodeJS.WriteStream;
    loadPrincipals(config, capturedLogger().logger, firstTokensOut(config, output(false)));
    const file = firstTokensFile(config);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').match(TOKEN)).toHaveLength(4);
    expect(written.join('').match(TOKEN)).toBeNull();
    expect(written.join('')).toContain(`written once to ${file} (mode 0600)`);
    // Every later start says the file still holds them in clear, until it is deleted (never the tokens themselves).
    const later = capturedLogger();
    loadPrincipals(config, later.logger, firstTokensOut(config, output(false)));
    expect(later.lines.join('\n')).toContain(`${file} still holds the API tokens of the first start in clear`);
    expect(later.lines.join('\n').match(TOKEN)).toBeNull();
    rmSync(file);
    const afterDeletion = capturedLogger();
    loadPrincipals(config, afterDeletion.logger, firstTokensOut(config, output(false)));
    expect(afterDeletion.lines.join('\n')).not.toContain('still holds');
    // A first start that cannot write them keeps no hashes nobody holds a token for: the next start makes them anew.
    const blocked = loadConfig({
      NUMBERFLOW_DATA_DIR: join(tempDir('tokens'), 'new'),
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
    });
    mkdirSync(join(firstTokensFile(blocked), 'in-the-way'), { recursive: true });
    expect(() => loadPrincipals(blocked, capturedLogger().logger, firstTokensOut(blocked, output(false)))).toThrow();
    expect(existsSync(join(blocked.NUMBERFLOW_DATA_DIR, 'api-tokens.json'))).toBe(false);
    // At a terminal, or on the embedded default, they are printed as before.
    const atTerminal = loadConfig({
      NUMBERFLOW_DATA_DIR: join(tempDir('tokens'), 'made'),
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
    });
    loadPrincipals(atTerminal, capturedLogger().logger, firstTokensOut(atTerminal, output(true)));
    expect(statSync(atTerminal.NUMBERFLOW_DATA_DIR).mode & 0o777).toBe(0o700); // a folder numberflow makes: owner-only
    expect(written.join('').match(TOKEN)).toHaveLength(4);
    const embedded = loadConfig({ NUMBERFLOW_DATA_DIR: tempDir('tokens') });
    loadPrincipals(embedded, capturedLogger().logger, firstTokensOut(embedded, output(false)));
    expect(written.join('').match(TOKEN)).toHaveLength(8);
  });

  it('refuses to start with a malformed token file, naming the variable, the file and the problem', () => {
    const file = join(tempDir('tokens'), 'tokens.json');
    const config = loadConfig({ NUMBERFLOW_API_TOKENS_FILE: file, NUMBERFLOW_DATA_DIR: tempDir('data') });
    const load = () => loadPrincipals(config, capturedLogger().logger, () => undefined);

    expect(load).toThrow(
      `NUMBERFLOW_API_TOKENS_FILE: API token file ${file} cannot be read: there is no such file (ENOENT)`,
    );
    writeFileSync(file, '{"principals": [');
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`NUMBERFLOW_API_TOKENS_FILE: API token file ${file} is not JSON`);
    writeFileSync(file, JSON.stringify({ principals: [{ name: 'ops', roles: ['root'], tokenSha256: 'abc' }] }));
    expect(load).toThrow(/principals\.0\.roles\.0: must be one of onboarding, operator, admin, auditor/);
    expect(load).toThrow("principals.0.tokenSha256: must be the token's SHA-256, 64 lowercase hex digits");
  });

  it('makes a token with `numberflow api-token new`, prints it once, and a running service takes it without a restart', async () => {
    const file = join(tempDir('tokens'), 'tokens.json');
    addPrincipal(file, { name: 'first@acme', roles: ['auditor'] });
    const running = PrincipalDirectory.fromFile(file);
    Object.assign(process.env, { NUMBERFLOW_API_TOKENS_FILE: file });
    const lines: string[] = [];
    const said: string[] = [];
    try {
      await buildCli((line) => lines.push(line), { throwOnExit: true, err: (line) => said.push(line) }).parseAsync(
        ['api-token', 'new', '--name', 'ops@acme', '--role', 'operator', 'admin', '--portfolio', '1234', '5678'],
        { from: 'user' },
      );
    } finally {
      delete process.env.NUMBERFLOW_API_TOKENS_FILE;
    }
    // The token alone on standard output, for a script to take (`TOKEN=$(numberflow api-token new …)`).
    expect(lines).toHaveLength(1);
    const token = lines[0] as string;
    expect(token).toMatch(/^nf_[A-Za-z0-9_-]{43}$/);
    expect(said).toEqual([
      'token for ops@acme (operator, admin; portfolios 1234, 5678), shown only this once:',
      `its SHA-256 is in ${file}; the running service takes it within a second`,
    ]);
    expect(readFileSync(file, 'utf8')).not.toContain(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    let seen = running.identify(token);
    for (let attempt = 0; attempt < 40 && !seen; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = running.identify(token);
    }
    expect(seen).toEqual({ name: 'ops@acme', roles: ['operator', 'admin'], portfolios: ['1234', '5678'] });

    await expect(
      buildCli(() => undefined, { throwOnExit: true }).parseAsync(
        ['api-token', 'new', '--name', 'x', '--role', 'root'],
        {
          from: 'user',
        },
      ),
    ).rejects.toThrow('Allowed choices are onboarding, operator, admin, auditor');
  });

  it('gives a name already in the file another token only with the same rights, and refuses an empty name in a line', () => {
    const file = join(tempDir('tokens'), 'tokens.json');
    const first = addPrincipal(file, { name: 'ops@acme', roles: ['operator', 'admin'], portfolios: ['5678', '1234'] });
    // The same principal, its rights in another order: a second token of it (a lost one replaced).
    const second = addPrincipal(file, { name: 'ops@acme', roles: ['admin', 'operator'], portfolios: ['1234', '5678'] });
    const directory = PrincipalDirectory.fromFile(file);
    expect(directory.identify(first)?.name).toBe('ops@acme');
    expect(directory.identify(second)?.name).toBe('ops@acme');
    const before = readFileSync(file, 'utf8');
    for (const other of [
      { name: 'ops@acme', roles: ['operator' as const] },
      { name: 'ops@acme', roles: ['operator' as const, 'admin' as const] },
    ]) {
      expect(() => addPrincipal(file, other)).toThrow(
        new TokenFileError(
          'ops@acme is already a principal with roles admin, operator; portfolios 1234, 5678: a name is one principal, the actor journeys record — choose another name, or give the same roles and portfolios for another token of it',
        ),
      );
    }
    expect(() => addPrincipal(file, { name: ' ', roles: ['auditor'] })).toThrow(
      new TokenFileError('the principal cannot be added: name: is required'),
    );
    // A name that reads as another's, or that journeys would refuse as an actor.
    for (const [name, problem] of [
      ['OPS@acme', '"OPS@acme" reads as the principal "ops@acme" already in the file'],
      ['ops\u200b@acme', 'holds a control or invisible character (U+200B)'],
      ['ops@acme\u001b[2J', 'holds a control or invisible character (U+001B)'],
      // An actor journeys record for Meta or themselves: an auditor could not tell the principal's acts from theirs.
      ['Meta', '"Meta" is an actor journeys record for meta, numberflow, portfolio, temporal themselves'],
      ['numberflow', '"numberflow" is an actor journeys record for'],
    ]) {
      expect(() => addPrincipal(file, { name: name as string, roles: ['auditor'] })).toThrow(problem as string);
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it("replaces a principal's tokens with a new one, the old ones no longer working", () => {
    const file = join(tempDir('tokens'), 'tokens.json');
    const lost = addPrincipal(file, { name: 'ops@acme', roles: ['operator'] });
    const other = addPrincipal(file, { name: 'audit@acme', roles: ['auditor'] });
    const fresh = addPrincipal(file, { name: 'ops@acme', roles: ['operator'] }, { replace: true });
    const directory = PrincipalDirectory.fromFile(file);
    expect(directory.identify(lost)).toBeNull();
    expect(directory.identify(fresh)?.name).toBe('ops@acme');
    expect(directory.identify(other)?.name).toBe('audit@acme');
    expect(() => addPrincipal(file, { name: 'nobody@acme', roles: ['operator'] }, { replace: true })).toThrow(
      'nobody@acme is not a principal in',
    );
  });
});
