// The commands about sealed secrets, in direct mode: a new secrets key pair, and an admin's audited read-back of the
// two-step PIN numberflow set (it needs the private secrets key: the PIN comes back sealed).
import type { Command } from 'commander';
import { generateSecretsKeyPair } from '../codec/sealing.js';
import type { WithClient } from './direct-client.js';
import { actorOption, e164Argument, roleOption } from './options.js';

export function addSecretsCommands(program: Command, withClient: WithClient, out: (line: string) => void): void {
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
    .description('print the two-step PIN numberflow set on a number (admins only; noted with who and why)')
    .argument('<e164>', 'the phone number', e164Argument)
    .requiredOption('--reason <text>', 'why the PIN is needed (recorded in history)')
    .addOption(roleOption())
    .option(...actorOption)
    .action((e164: string, opts: { by: string; role: string; reason: string }) =>
      withClient(async (client) => {
        // Loaded when used: the command line's other commands do without them.
        const [{ createLogger }, { revealPin }] = await Promise.all([
          import('../logger.js'),
          import('../pin-reveal.js'),
        ]);
        const request = { actor: opts.by, role: opts.role, reason: opts.reason };
        out(await revealPin(client, e164, request, createLogger(undefined, true)));
      }),
    );
}
