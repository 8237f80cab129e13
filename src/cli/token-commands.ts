// `numberflow api-token new`: makes a bearer token for a principal, adds its SHA-256 to the API's token file and prints
// the token once, alone on standard output (`TOKEN=$(numberflow api-token new …)`); what it says of it goes to stderr.
// The running service reads the file again when it changes: no restart.
import { Option, type Command } from 'commander';
import { loadConfig } from '../config.js';
import { roles, type Role } from '../http/auth/principals.js';
import { tokenFilePath } from '../http/auth/setup.js';
import { addPrincipal } from '../http/auth/token-file.js';
import { refuseApiMode } from './mode.js';
import { graphIdArgument } from './options.js';

export function addTokenCommands(
  program: Command,
  out: (line: string) => void,
  err: (line: string) => void,
  env: Record<string, string | undefined>,
): void {
  // `token` is a customer's Meta token (intake-commands.ts); `api-token` a bearer token of numberflow's own API.
  const token = program.command('api-token').description("the HTTP API's bearer tokens");
  token
    .command('new')
    .description('make a token for a principal and print it once (only its hash is kept)')
    .requiredOption('--name <name>', 'who the token is for, recorded as the actor of what it does (e.g. ops@acme)')
    .addOption(new Option('--role <role...>', 'its roles').choices(roles).makeOptionMandatory())
    .addOption(
      new Option('--portfolio <id...>', 'the portfolios it may see (default: all)').argParser(
        (value: string, previous: string[] | undefined) => [...(previous ?? []), graphIdArgument(value)],
      ),
    )
    .option('--replace', "instead of the principal's other tokens, which stop working (a lost or leaked one)")
    .action((opts: { name: string; role: Role[]; portfolio?: string[]; replace?: boolean }) => {
      // The file is the service's data folder's: through the API it would be one the service never reads.
      refuseApiMode(env, 'api-token new');
      const file = tokenFilePath(loadConfig());
      const principal = { name: opts.name, roles: opts.role, portfolios: opts.portfolio };
      const made = addPrincipal(file, principal, { replace: opts.replace === true });
      const scope = opts.portfolio ? `portfolios ${opts.portfolio.join(', ')}` : 'all portfolios';
      err(`token for ${opts.name} (${opts.role.join(', ')}; ${scope}), shown only this once:`);
      out(made);
      err(`its SHA-256 is in ${file}; the running service takes it within a second`);
      if (opts.replace) err(`the other tokens of ${opts.name} are removed: they stop working within a second`);
    });
}
