// The commands about sealed secrets: a new secrets key pair, and an admin's audited read-back of the two-step PIN
// numberflow set — in direct mode with the private secrets key here (the PIN comes back sealed), in API mode through
// the service's pin-reveal route, where the token's principal is the actor and its role decides.
import type { Command } from 'commander';
import { generateSecretsKeyPair } from '../codec/sealing.js';
import type { WithClient } from './direct-client.js';
import { actorOf, notSentWarning } from './context.js';
import { selectMode, usingApi } from './mode.js';
import { actorOption, e164Argument, roleOption } from './options.js';

export function addSecretsCommands(
  program: Command,
  withClient: WithClient,
  out: (line: string) => void,
  err: (line: string) => void,
  env: Record<string, string | undefined>,
): void {
  program
    .command('secrets-keygen')
    .description('print a new secrets key pair (X25519) for NUMBERFLOW_SECRETS_KEY and NUMBERFLOW_SECRETS_PUBLIC_KEY')
    .action(() => {
      const pair = generateSecretsKeyPair();
      out(`NUMBERFLOW_SECRETS_KEY=${pair.privateKey}`);
      out(`NUMBERFLOW_SECRETS_PUBLIC_KEY=${pair.publicKey}`);
    });

  program
    .command('reveal-pin')
    .description(
      "print the two-step PIN numberflow set on a number (admins only; noted with who and why; in API mode the token's role decides)",
    )
    .argument('<e164>', 'the phone number', e164Argument)
    .requiredOption('--reason <text>', 'why the PIN is needed (recorded in history)')
    .addOption(roleOption())
    .addOption(actorOption('who reads the PIN (recorded in history; API mode: the token decides)'))
    .action(async (e164: string, opts: { by: string; role: string; reason: string }, command: Command) => {
      const mode = selectMode(env);
      if (mode.kind === 'api') {
        // --by and --role are not the caller's to claim here: the service takes both from the token.
        const warning = notSentWarning(actorOf(command).given);
        if (warning) err(warning);
        return out(await usingApi(mode, (api) => api.revealPin(e164, opts.reason)));
      }
      await withClient(async (client) => {
        // Loaded when used: the command line's other commands do without them.
        const [{ createLogger }, { revealPin }] = await Promise.all([
          import('../logger.js'),
          import('../pin-reveal.js'),
        ]);
        const request = { actor: opts.by, role: opts.role, reason: opts.reason };
        // The reveal is recorded in the journey's history; the operator's terminal gets no log lines but errors.
        out(await revealPin(client, e164, request, createLogger(env.LOG_LEVEL || 'error', true)));
      });
    });
}
