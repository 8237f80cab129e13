// numberflow's command line: starts, reads, lists and watches journeys and takes an operator's input, directly
// through Temporal (the local default) or through the HTTP API (NUMBERFLOW_URL and NUMBERFLOW_TOKEN); the auditor's
// timeline and exports and an admin's PIN reveal (either way); the webhook inbox's dead letters (API only); and, in
// direct mode, Embedded Signups and customers' tokens.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readStdin } from './cli/stdin.js';
import { Command } from 'commander';
import { addAuditCommand } from './cli/audit-command.js';
import type { CommandContext } from './cli/context.js';
import { withDirectClient } from './cli/direct-client.js';
import { EXIT_TRY_AGAIN, failureOf } from './cli/failure.js';
import { addJourneyCommands } from './cli/journey-commands.js';
import { selectMode } from './cli/mode.js';
import type { JourneyOperations } from './cli/operations.js';
import { addImportCommand } from './cli/import-command.js';
import { addIntakeCommands } from './cli/intake-commands.js';
import { addIdentityCommands } from './cli/identity-commands.js';
import { addOperatorCommands } from './cli/operator-commands.js';
import { addPortfolioCommands } from './cli/portfolio-commands.js';
import { addSecretsCommands } from './cli/secrets-commands.js';
import { addTokenCommands } from './cli/token-commands.js';
import { addWebhookCommands } from './cli/webhook-commands.js';
import { loadConfig } from './config.js';
import { visibleControls } from './cli/format.js';

export interface CliOptions {
  /** Makes a parse error throw instead of exiting the process (for tests and embedding). */
  throwOnExit?: boolean;
  /** Where the mode and the connection are read from (process.env by default). */
  env?: Record<string, string | undefined>;
  err?: (line: string) => void;
}

/** The exit codes a script reads, in the top-level help (README says each command's). */
const EXIT_CODES = `
Exit codes:
  0         done (an answer the journey gave, a refused code among them)
  1         failed: the input or the journey's state must change first
  2         webhooks replay: the delivery still waits
  ${EXIT_TRY_AGAIN}        try again later: nothing answered, the service was unavailable or busy, or Temporal aborted the input
            (no answer came: an action may have been taken — \`show <e164>\` says before it is sent again)
  130, 143  stopped by Ctrl-C (SIGINT), by SIGTERM`;

export function buildCli(out: (line: string) => void = console.log, options: CliOptions = {}): Command {
  const env = options.env ?? process.env;
  const err = options.err ?? console.error;
  const program = new Command('numberflow').description(
    'WhatsApp Business phone-number onboarding on Temporal (through the HTTP API when NUMBERFLOW_URL and NUMBERFLOW_TOKEN are set)',
  );
  // For scripts that check which command line they drive (src/ and dist/ both sit beside package.json).
  program.version(createRequire(import.meta.url)('../package.json').version as string, '-V, --version');
  program.addHelpText('after', EXIT_CODES);
  if (options.throwOnExit) program.exitOverride(); // inherited by the commands added below
  // Commander's refusals quote the argument they refuse: an escape sequence in it would act on the terminal.
  program.configureOutput({ outputError: (text, write) => write(visibleControls(text)) });

  /**
   * The mode is decided when a command runs, so parsing and `token new` need neither Temporal nor the API. Each mode's
   * modules load only when used: API mode starts without the Temporal connection and payload codec code.
   */
  const open = async (): Promise<JourneyOperations> => {
    const mode = selectMode(env);
    if (mode.kind === 'api') return (await import('./cli/api-operations.js')).apiOperations(mode.url, mode.token, err);
    return (await import('./cli/direct-operations.js')).directOperations(env);
  };
  const context: CommandContext = {
    out,
    err,
    readStdin,
    async using(work) {
      const operations = await open();
      try {
        return await work(operations);
      } finally {
        await operations.close();
      }
    },
  };
  addJourneyCommands(program, context);
  addOperatorCommands(program, context);
  addImportCommand(program, context);
  addPortfolioCommands(program, context);
  addIdentityCommands(program, context);
  addTokenCommands(program, out, err, env);
  addWebhookCommands(program, out, env); // through the API only: the inbox is the running service's
  // Direct mode (audit and reveal-pin also through the API): they talk to Temporal (and Graph, the token store) from here.
  const withClient = withDirectClient(() => loadConfig(env));
  addSecretsCommands(program, withClient, out, err, env);
  addAuditCommand(program, withClient, out, env);
  addIntakeCommands(program, withClient, out, env);
  return program;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // A reader that stopped early (`| head`) closed the pipe: the rest is not wanted, and that is no failure. Later
  // lines go nowhere; the command stops once what it was doing has said how it went (a failure keeps its status).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    setImmediate(() => process.exit(process.exitCode ?? 0));
  });
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      const failure = failureOf(err);
      for (const line of failure.lines) console.error(visibleControls(line)); // messages may quote what was given
      process.exitCode = failure.exitCode;
    });
}
