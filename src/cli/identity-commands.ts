// The commands of the identity-change check: `send` a text from a live number (guarded by the customer's stored
// hash when the check is on), `identity list` the number's untrusted customers, and `identity confirm` one that an
// operator re-verified outside WhatsApp. Directly, or through the HTTP API when NUMBERFLOW_URL and NUMBERFLOW_TOKEN
// are set.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { MAX_CONFIRMATION_NOTE, verificationMethods, type VerificationMethod } from '../domain/identity.js';
import { actorOf, jsonOption, print, type CommandContext } from './context.js';
import { actorOption, e164Argument, waIdArgument } from './options.js';

/** `identity list`'s page size when none is given. */
const LIST_PAGE_SIZE = 100;

function noteArgument(value: string): string {
  if (value.trim() === '' || value.length > MAX_CONFIRMATION_NOTE) {
    throw new InvalidArgumentError(`text of 1 to ${MAX_CONFIRMATION_NOTE} characters`);
  }
  return value.trim();
}

function wholeArgument(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`);
    }
    return n;
  };
}

export function addIdentityCommands(program: Command, context: CommandContext): void {
  program
    .command('send')
    .description("send a text from a live number (with the identity check on, the customer's stored hash goes with it)")
    .argument('<e164>', 'the live number', e164Argument)
    .requiredOption('--to <waId>', "the customer's wa_id", waIdArgument)
    .requiredOption('--text <text>', 'the message')
    .addOption(actorOption('who sends it (API mode: the token decides)'))
    .addOption(jsonOption())
    .action(async (e164: string, opts: { to: string; text: string; json?: boolean }, command: Command) => {
      const sent = await context.using((ops) => ops.send(e164, { to: opts.to, text: opts.text }, actorOf(command)));
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
    .option(
      '--page-size <n>',
      'how many, the latest change of state first (1 to 500)',
      wholeArgument(1, 500),
      LIST_PAGE_SIZE,
    )
    .option('--offset <n>', 'how many of the latest to skip', wholeArgument(0, Number.MAX_SAFE_INTEGER), 0)
    .addOption(jsonOption())
    .action(async (e164: string, opts: { pageSize: number; offset: number; json?: boolean }) => {
      const page = { limit: opts.pageSize, offset: opts.offset };
      const { customers, total } = await context.using((ops) => ops.untrusted(e164, page));
      const after = opts.offset + customers.length;
      print(context, opts.json, customers, () => [
        ...(total === 0
          ? [`every customer of ${e164} is trusted`]
          : customers.map((c) => `${c.waId}  ${c.state}  since ${c.since}  ${c.detail}`)),
        ...(total > 0 && customers.length === 0 ? [`none past --offset ${opts.offset}: ${total} in all`] : []),
        // The next page as this one was asked for: a page size given is kept.
        ...(after < total ? [`and ${total - after} more: ${nextPage(opts.pageSize, after)}`] : []),
      ]);
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
    .option(
      '--since <time>',
      "the customer's since as `identity list` showed it: refused if their identity changed again after it",
      sinceArgument,
    )
    .addOption(actorOption('who confirms, recorded in history (API mode: the token decides)'))
    .addOption(jsonOption())
    .action(
      async (
        e164: string,
        waId: string,
        opts: { method: VerificationMethod; note?: string; since?: string; json?: boolean },
        command: Command,
      ) => {
        const { method, note, since } = opts;
        const confirmation = { method, ...(note ? { note } : {}), ...(since ? { since } : {}) };
        const answer = await context.using((ops) => ops.confirmIdentity(e164, waId, confirmation, actorOf(command)));
        print(context, opts.json, answer, () => [answer.message]);
      },
    );
}

/** The options of the next page of `identity list`: `--page-size` only when it is not the default. */
function nextPage(pageSize: number, offset: number): string {
  return pageSize === LIST_PAGE_SIZE ? `--offset ${offset}` : `--page-size ${pageSize} --offset ${offset}`;
}

/** A moment as `identity list` prints it (an ISO time with its offset). */
function sinceArgument(value: string): string {
  if (!z.iso.datetime({ offset: true }).safeParse(value).success) {
    throw new InvalidArgumentError('must be a time as `identity list` shows it, e.g. 2026-12-07T14:36:49.440Z');
  }
  return value;
}
