// Where `npm start` gets the API's principals: the file NUMBERFLOW_API_TOKENS_FILE names, or the embedded default's
// file in the data folder, made on the first start with one principal per role whose tokens are printed once.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { ownerOnly } from '../../make-dir.js';
import { PrincipalDirectory } from './directory.js';
import { ensureLocalTokenFile, LOCAL_TOKEN_FILE, TokenFileError } from './token-file.js';
import { NUMBERFLOW_COMMAND } from '../../cli-command.js';

export const NEW_TOKEN_COMMAND = `${NUMBERFLOW_COMMAND} api-token new --name <name> --role <role> [--portfolio <id>]`;

/** The token file the service and `numberflow api-token new` use. */
export function tokenFilePath(config: Config): string {
  return config.NUMBERFLOW_API_TOKENS_FILE ?? join(config.NUMBERFLOW_DATA_DIR, LOCAL_TOKEN_FILE);
}

/** Where a first start's tokens go beside the token file when they must not be printed. */
export const firstTokensFile = (config: Config) => `${tokenFilePath(config)}.first-start.txt`;

/**
 * Where a first start's tokens are shown: the terminal; but a service joined to a cluster whose output is no terminal
 * (a container, whose output is its log) writes them to a file of their own, owner-only, and prints where it is.
 */
export function firstTokensOut(config: Config, stdout: NodeJS.WriteStream = process.stdout): (text: string) => void {
  if (!config.TEMPORAL_ADDRESS || stdout.isTTY) return (text) => void stdout.write(text);
  return (text) => {
    const file = firstTokensFile(config);
    try {
      // A file left from before is replaced, never written through (its mode, or a link, would be kept).
      rmSync(file, { force: true });
      writeFileSync(file, text.trimStart(), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // The hashes alone would leave no token anyone knows: the next start makes them anew.
      rmSync(tokenFilePath(config), { force: true });
      throw err;
    }
    stdout.write(
      `\nnumberflow API tokens were made now: written once to ${file} (mode 0600), not to this output, which a ` +
        'container keeps as its log — read them there, then delete the file\n\n',
    );
  };
}

/**
 * The principals of the configured token file (a malformed one stops the start, naming the file and the problem).
 * New tokens are printed through `print`, never through the logger, so they reach no log file.
 */
export function loadPrincipals(
  config: Config,
  logger: Logger,
  print: (text: string) => void = firstTokensOut(config),
): PrincipalDirectory {
  const path = tokenFilePath(config);
  if (!config.NUMBERFLOW_API_TOKENS_FILE) {
    const { made } = ensureLocalTokenFile(config.NUMBERFLOW_DATA_DIR);
    if (made) print(tokensBlock(made, path));
    // Said at every start while it is there: the one line of a first start is easily missed in a container's log.
    else if (existsSync(firstTokensFile(config)))
      logger.warn(
        `${firstTokensFile(config)} still holds the API tokens of the first start in clear: read them, then delete it (a backup of the folder would take it along)`,
      );
    ownerOnly([path]); // the data folder's own file; one NUMBERFLOW_API_TOKENS_FILE names is its owner's to keep
  }
  const principals = given(config, () =>
    PrincipalDirectory.fromFile(path, (err) =>
      logger.error(
        { file: path, problem: (err as Error).message },
        'API token file changed but cannot be used; keeping the tokens read before',
      ),
    ),
  );
  logger.info({ file: path }, `API tokens: ${path} (hashes only); new ones: ${NEW_TOKEN_COMMAND}`);
  return principals;
}

/** A file NUMBERFLOW_API_TOKENS_FILE names that cannot be used stops the start naming the variable. */
function given<T>(config: Config, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!config.NUMBERFLOW_API_TOKENS_FILE || !(err instanceof TokenFileError)) throw err;
    throw new ConfigError(`NUMBERFLOW_API_TOKENS_FILE: ${err.message}`);
  }
}

function tokensBlock(made: { name: string; token: string }[], path: string): string {
  const width = Math.max(...made.map((m) => m.name.length));
  return [
    '',
    `numberflow API tokens, made now and shown only this once — keep them, also if this start fails (${path} keeps their SHA-256 hashes):`,
    ...made.map(({ name, token }) => `  ${name.padEnd(width)}  ${token}`),
    'Send one as "Authorization: Bearer <token>". Lost a token? Make a new one:',
    `  ${NEW_TOKEN_COMMAND}`,
    '',
    '',
  ].join('\n');
}
