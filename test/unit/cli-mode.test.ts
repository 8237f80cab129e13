// Which way the command line reaches numberflow, decided from the environment alone, before anything is sent.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectDirectClient } from '../../src/cli/direct-connection.js';
import { CliExit } from '../../src/cli/failure.js';
import { CliModeError, selectMode } from '../../src/cli/mode.js';
import { loadConfig } from '../../src/config.js';
import { buildCli } from '../../src/starter.js';

const token = 'nf_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

function refusal(env: Record<string, string | undefined>): string {
  try {
    selectMode(env);
  } catch (err) {
    expect(err).toBeInstanceOf(CliModeError);
    return (err as Error).message;
  }
  throw new Error('the environment was accepted');
}

describe("the command line's mode", () => {
  it('goes directly through Temporal when neither NUMBERFLOW_URL nor NUMBERFLOW_TOKEN is set (or both are blank)', () => {
    expect(selectMode({})).toEqual({ kind: 'direct' });
    expect(selectMode({ NUMBERFLOW_URL: ' ', NUMBERFLOW_TOKEN: '' })).toEqual({ kind: 'direct' });
    expect(selectMode({ TEMPORAL_ADDRESS: 'temporal:7233' })).toEqual({ kind: 'direct' });
  });

  it('goes through the API when both are set, also with Temporal settings around', () => {
    const mode = selectMode({
      NUMBERFLOW_URL: 'https://numberflow.acme.example/base/',
      NUMBERFLOW_TOKEN: token,
      TEMPORAL_ADDRESS: 'temporal:7233',
    });
    expect(mode).toEqual({ kind: 'api', url: new URL('https://numberflow.acme.example/base/'), token });
  });

  it('refuses one without the other, saying to set both or neither', () => {
    expect(refusal({ NUMBERFLOW_URL: 'http://127.0.0.1:8080' })).toMatch(
      /^NUMBERFLOW_URL is set but NUMBERFLOW_TOKEN is not: set both .*, or neither/,
    );
    const message = refusal({ NUMBERFLOW_TOKEN: token });
    expect(message).toMatch(/^NUMBERFLOW_TOKEN is set but NUMBERFLOW_URL is not: set both/);
    expect(message).not.toContain(token);
  });

  it.each(['127.0.0.1:8080', 'ftp://numberflow.acme.example', 'not a url', 'http//x'])(
    'refuses a NUMBERFLOW_URL that is not an http(s) URL: %s',
    (url) => {
      expect(refusal({ NUMBERFLOW_URL: url, NUMBERFLOW_TOKEN: token })).toBe(
        `NUMBERFLOW_URL: must be an http:// or https:// URL, e.g. http://127.0.0.1:8080 (got "${url}")`,
      );
    },
  );

  it('refuses a token that cannot be one header value, without repeating it', () => {
    const bad = 'nf_secret with a space';
    const message = refusal({ NUMBERFLOW_URL: 'http://127.0.0.1:8080', NUMBERFLOW_TOKEN: bad });
    expect(message).toBe('NUMBERFLOW_TOKEN: must be one bearer token (printable, no spaces)');
    expect(message).not.toContain('secret');
  });
});

describe('the commands of direct mode only, asked in API mode', () => {
  it("refuse, naming the way, and touch nothing of this machine's data folder", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nf-direct-only-'));
    const env = { NUMBERFLOW_URL: 'http://127.0.0.1:9', NUMBERFLOW_TOKEN: token, NUMBERFLOW_DATA_DIR: dataDir };
    const previous = process.env.NUMBERFLOW_DATA_DIR;
    process.env.NUMBERFLOW_DATA_DIR = dataDir; // what loadConfig would read, had the command gone on
    try {
      for (const args of [
        ['token', 'list'],
        ['token', 'set', '--waba', '1234567890'],
        ['api-token', 'new', '--name', 'remote@acme', '--role', 'operator'],
        [
          'signup',
          '--code',
          'x',
          '--waba',
          '1234567890',
          '--phone-number-id',
          '1234567891',
          '--business',
          '1234567892',
        ],
      ]) {
        const out: string[] = [];
        const cli = buildCli((line) => out.push(line), { env, throwOnExit: true, err: (line) => out.push(line) });
        const failure = await cli.parseAsync(args, { from: 'user' }).then(
          () => null,
          (err: unknown) => err,
        );
        expect(failure, args.join(' ')).toBeInstanceOf(CliExit);
        const what = args[0] === 'signup' ? 'signup' : args.slice(0, 2).join(' ');
        expect((failure as CliExit).message).toMatch(
          new RegExp(`^${what} works in direct mode only, .*: unset NUMBERFLOW_URL and NUMBERFLOW_TOKEN`),
        );
      }
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.NUMBERFLOW_DATA_DIR;
      else process.env.NUMBERFLOW_DATA_DIR = previous;
    }
  });
});

describe('direct mode on a data folder npm start never used', () => {
  it('refuses, naming the folder and the variable, and makes no keys there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nf-no-keys-'));
    const config = loadConfig({ NUMBERFLOW_DATA_DIR: dataDir });
    await expect(connectDirectClient(config)).rejects.toThrow(
      `no payload keys in ${dataDir}: the command line reads those npm start made in its data folder; set NUMBERFLOW_DATA_DIR to that folder`,
    );
    expect(readdirSync(dataDir)).toEqual([]);
  });

  /** `token list` in direct mode on the embedded default's variables, with `dataDir` as the data folder: its failure. */
  async function tokenListIn(dataDir: string): Promise<unknown> {
    const names = [
      'NUMBERFLOW_DATA_DIR',
      'NUMBERFLOW_CODEC_KEYS',
      'TEMPORAL_ADDRESS',
      'NUMBERFLOW_DATABASE_URL',
      'NUMBERFLOW_URL',
      'NUMBERFLOW_TOKEN',
    ];
    const previous = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    for (const name of names) delete process.env[name]; // the embedded default, in direct mode
    process.env.NUMBERFLOW_DATA_DIR = dataDir;
    try {
      return await buildCli(() => undefined, { throwOnExit: true })
        .parseAsync(['token', 'list'], { from: 'user' })
        .then(() => null)
        .catch((err: unknown) => err);
    } finally {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }

  it('refuses token list too, before a store is made there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nf-no-keys-'));
    expect(String(await tokenListIn(dataDir))).toContain(`no payload keys in ${dataDir}`);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses token list on a folder whose service keeps its stores elsewhere (PostgreSQL), making no store there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nf-no-store-'));
    writeFileSync(join(dataDir, 'codec-keys'), ''); // the service's keys are there, its token store is not
    expect(String(await tokenListIn(dataDir))).toContain(
      `no token store in ${dataDir} (numberflow.sqlite): a service keeping its stores in SQLite makes it there on its first start; one keeping them in PostgreSQL is reached with NUMBERFLOW_DATABASE_URL and NUMBERFLOW_STORE_KEY`,
    );
    expect(readdirSync(dataDir)).toEqual(['codec-keys']);
  });
});
