// The commands of the identity-change check: `send` a text from a live number (guarded by the customer's stored
// hash when the check is on), `identity list` the number's untrusted customers, and `identity confirm` one that an
// operator re-verified outside WhatsApp. Directly, or through the HTTP API when NUMBERFLOW_URL and NUMBERFLOW_TOKEN
// are set.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { MAX_CONFIRMATION_NOTE, verificationMethods, WA_ID, type VerificationMethod } from '../domain/identity.js';
import { actorOf, jsonOption, print, type CommandContext } from './context.js';
import { e164Argument } from './options.js';

function waIdArgument(value: string): string {
  if (!WA_ID.test(value)) throw new InvalidArgumentError("the customer's wa_id: the digits of their WhatsApp number");
  return value;
}

function noteArgument(value: string): string {
  if (value.trim() === '' || value.length > MAX_CONFIRMATION_NOTE) {
    throw new InvalidArgumentError(`text of 1 to ${MAX_CONFIRMATION_NOTE} characters`);
  }
  return value.trim();
}

const byOption = [
  '--by <actor>',
  'who confirms, recorded in history (API mode: the token decides)',
  process.env.USER ?? 'cli',
] as const;

export function addIdentityCommands(program: Command, context: CommandContext): void {
  program
    .command('send')
    .description("send a text from a live number (with the identity check on, the customer's stored hash goes with it)")
    .argument('<e164>', 'the live number', e164Argument)
    .requiredOption('--to <waId>', "the customer's wa_id", waIdArgument)
    .requiredOption('--text <text>', 'the message')
    .addOption(jsonOption())
    .action(async (e164: string, opts: { to: string; text: string; json?: boolean }) => {
      const sent = await context.using((ops) => ops.send(e164, { to: opts.to, text: opts.text }));
      print(context, opts.json, sent, () => [
        `sent ${sent.messageId} ${sent.withHash ? `with the identity hash ${sent.withHash}` : 'without an identity hash'}` +
          (sent.reverifying ? ' (its status brings the re-verified customer’s new hash)' : ''),
      ]);
    });

  const identity = program.command('identity').description("customers' identities on a live number (137000)");
  identity
    .command('list')
    .description('the customers of a number not trusted now, and where each stands')
    .argument('<e164>', 'the number', e164Argument)
    .addOption(jsonOption())
    .action(async (e164: string, opts: { json?: boolean }) => {
      const customers = await context.using((ops) => ops.untrusted(e164));
      print(context, opts.json, customers, () =>
        customers.length === 0
          ? [`every customer of ${e164} is trusted`]
          : customers.map((c) => `${c.waId}  ${c.state}  since ${c.since}  ${c.detail}`),
      );
    });
  identity
    .command('confirm')
    .description('confirm a customer re-verified outside WhatsApp: the next send goes without the hash')
    .argument('<e164>', 'the number', e164Argument)
    .argument('<waId>', "the customer's wa_id", waIdArgument)
    .addOption(
      new Option('--method <how>', 'how the customer was re-verified')
        .choices(verificationMethods)
        .makeOptionMandatory(),
    )
    .option('--note <text>', 'what was checked (no secrets)', noteArgument)
    .option(...byOption)
    .addOption(jsonOption())
    .action(
      async (
        e164: string,
        waId: string,
        opts: { method: VerificationMethod; note?: string; json?: boolean },
        command: Command,
      ) => {
        const confirmation = { method: opts.method, ...(opts.note ? { note: opts.note } : {}) };
        const answer = await context.using((ops) => ops.confirmIdentity(e164, waId, confirmation, actorOf(command)));
        print(context, opts.json, answer, () => [answer.message]);
      },
    );
}
