// numberflow's command line: starts and inspects journeys, takes an operator's input and Embedded Signups, and
// reads journeys for auditors.
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { Command } from 'commander';
import { addAuditCommand } from './cli/audit-command.js';
import { addIntakeCommands } from './cli/intake-commands.js';
import { addOperatorCommands } from './cli/operator-commands.js';
import { e164Argument, graphIdOption, methodOption } from './cli/options.js';
import { addTokenCommands } from './cli/token-commands.js';
import { loadConfig } from './config.js';
import { JourneyInputError, parseJourneyRequest } from './domain/journey-input.js';
import { describeJourney, startJourney } from './journeys/index.js';
import { createDataConverter } from './codec/data-converter.js';
import { codecKeysFor } from './codec/keys.js';
import { checkWorkerKeys } from './codec/key-probe.js';
import { generateSecretsKeyPair } from './codec/sealing.js';
import { secretsKeysFor } from './codec/secrets-keys.js';
import { connectClient } from './temporal/connection.js';

/** `checkKeys`: before sending a payload, make sure the worker reads this client's keys (and it the worker's). */
async function withClient(
  work: (client: Client) => Promise<void>,
  options: { checkKeys?: boolean } = {},
): Promise<void> {
  const config = loadConfig();
  const keys = codecKeysFor(config);
  // A client seals with the public key; with the private one (an admin's reveal) it also opens.
  const client = await connectClient(config, createDataConverter(keys, secretsKeysFor(config, { unseal: false })));
  try {
    if (options.checkKeys) await checkWorkerKeys(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, keys });
    await work(client);
  } finally {
    await client.connection.close();
  }
}

/** `throwOnExit` makes a parse error throw instead of exiting the process (for tests and embedding). */
export function buildCli(out: (line: string) => void = console.log, options: { throwOnExit?: boolean } = {}): Command {
  const program = new Command('numberflow').description('WhatsApp Business phone-number onboarding on Temporal');
  if (options.throwOnExit) program.exitOverride(); // inherited by the commands added below

  program
    .command('start')
    .description("start a number's journey and print its id and stage")
    .addOption(graphIdOption('--waba <id>', 'WhatsApp Business Account id').makeOptionMandatory())
    .addOption(graphIdOption('--portfolio <id>', 'business portfolio id').makeOptionMandatory())
    .requiredOption('--phone <e164>', 'the phone number, in international form (+14155552671)')
    .requiredOption('--display-name <name>', 'the display name to submit for review')
    .addOption(methodOption('how Meta sends the verification code'))
    .option('--ivr', 'the number is behind an IVR (the code comes by voice call)')
    .option('--coexistence', 'a WhatsApp Business App number linked through Embedded Signup')
    .option('--signup-at <iso>', 'when Embedded Signup finished (defaults to now)')
    .addOption(
      graphIdOption('--phone-number-id <id>', "adopt a number already added in Meta (or one of Meta's test numbers)"),
    )
    .option('--operator-pin', 'the operator supplies the two-step PIN instead of a generated one')
    .option('--by <actor>', 'who starts the journey', process.env.USER ?? 'cli')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const input = parseJourneyRequest({
        wabaId: opts.waba,
        portfolioId: opts.portfolio,
        phoneNumber: opts.phone,
        displayName: opts.displayName,
        codeMethod: opts.method,
        ivr: Boolean(opts.ivr),
        path: opts.coexistence ? 'coexistence' : 'cloud_api',
        signupAt: opts.signupAt,
        phoneNumberId: opts.phoneNumberId,
        pinPolicy: opts.operatorPin ? 'operator' : 'generate',
        requestedBy: opts.by,
      });
      await withClient(
        async (client) => {
          const started = await startJourney(client, loadConfig().TEMPORAL_TASK_QUEUE, input);
          const view = await describeJourney(client, input.phoneNumber.e164);
          out(`${started.workflowId} started (run ${started.runId}), stage ${view.stage}`);
        },
        { checkKeys: true },
      );
    });

  program
    .command('show')
    .description("print where a number's journey stands")
    .argument('<e164>', 'the phone number', e164Argument)
    .action((e164: string) =>
      withClient(async (client) => out(JSON.stringify(await describeJourney(client, e164), null, 2))),
    );

  program
    .command('secrets-keygen')
    .description('print a new secrets key pair (X25519) for NUMBERFLOW_SECRETS_KEY and NUMBERFLOW_SECRETS_PUBLIC_KEY')
    .action(() => {
      const pair = generateSecretsKeyPair();
      out(`NUMBERFLOW_SECRETS_KEY=${pair.privateKey}`);
      out(`NUMBERFLOW_SECRETS_PUBLIC_KEY=${pair.publicKey}`);
    });

  addOperatorCommands(program, withClient, out, e164Argument);
  addAuditCommand(program, withClient, out);
  addIntakeCommands(program, withClient, out);
  addTokenCommands(program, out);
  return program;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      if (err instanceof JourneyInputError) {
        console.error(['numberflow: invalid journey request', ...err.problems.map((p) => `  ${p}`)].join('\n'));
      } else if (err instanceof WorkflowUpdateFailedError) {
        // The journey's validator refused the input: its reason is the useful part.
        console.error(`numberflow: refused: ${err.cause?.message ?? err.message}`);
      } else {
        console.error(`numberflow: ${err instanceof Error ? err.message : String(err)}`);
      }
      process.exitCode = 1;
    });
}
