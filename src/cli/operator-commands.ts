// The operator's commands: submit codes, PINs and names, resend, cancel, request a removal and confirm a deletion,
// turn the identity-change check on or off and send a live number's test message.
// Direct mode records --by (and --role) in history; API mode records the token's principal.
import { InvalidArgumentError, type Command } from 'commander';
import type { CodeMethod } from '../domain/journey.js';
import { asciiDigits } from '../domain/operator-input.js';
import { actorOf, jsonOption, print, type CommandContext } from './context.js';
import { outcomeLine } from './format.js';
import { interruptible } from './interrupts.js';
import type { JourneyAction } from './operations.js';
import { actorOption, e164Argument, methodOption, roleOption, waIdArgument } from './options.js';

interface ActionOptions {
  wait: number;
  json?: boolean;
  method?: CodeMethod;
  reason?: string;
  to?: string;
  text?: string;
}

function onOrOff(value: string): 'on' | 'off' {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError('on or off');
  return value;
}

/** How long an input waits for the journey's answer unless `--wait` says otherwise. */
export const DEFAULT_WAIT_SECONDS = 10;
const waitOption = [
  '--wait <seconds>',
  'how long to wait for the journey\'s answer before answering "received"',
  (value: string) => {
    const seconds = Number(value);
    if (!(seconds > 0 && seconds <= 600))
      throw new InvalidArgumentError('a number of seconds, above 0 and at most 600');
    return seconds;
  },
  DEFAULT_WAIT_SECONDS,
] as const;

/** What each action command sends the journey, in the words an interrupted one says it with. */
const inputWords = {
  otp: 'code',
  pin: 'two-step PIN',
  name: 'display name',
  resend: 'request for a new code',
  cancel: 'request to cancel',
  remove: 'removal request',
  'identity-check': 'identity-check change',
  'test-message': 'test message',
  'confirm-deletion': 'deletion confirmation',
} as const;

export function addOperatorCommands(program: Command, context: CommandContext): void {
  /** A command whose input goes to the journey and whose answer is printed. */
  const actionCommand = (
    name: keyof typeof inputWords,
    description: string,
    configure: (command: Command) => Command,
    actionOf: (args: (string | undefined)[], opts: ActionOptions) => Promise<JourneyAction>,
  ) =>
    configure(program.command(name).description(description).argument('<e164>', 'the phone number', e164Argument))
      .addOption(actorOption('who acts, recorded in history (API mode: the token decides)'))
      .option(...waitOption)
      .addOption(jsonOption())
      .action(async (...args: unknown[]) => {
        const command = args.at(-1) as Command; // commander passes the arguments, the options, then the command
        const [e164, ...more] = command.processedArgs as [string, ...(string | undefined)[]];
        const opts = command.opts<ActionOptions>();
        const action = await actionOf(more, opts);
        // Stopped once sent, the command cannot say whether the journey took it: it says where to look.
        const answer = await interruptible(
          () => context.using((ops) => ops.act(e164, action, actorOf(command), opts.wait)),
          (signal) =>
            context.err(
              `interrupted (${signal}): the journey may have taken the ${inputWords[name]} — \`numberflow show ${e164}\` says`,
            ),
        );
        print(context, opts.json, answer, () => [outcomeLine(answer)]);
      });

  actionCommand(
    'otp',
    'submit the 6-digit code Meta sent to the number (from standard input when not given)',
    (c) => c.argument('[code]', 'the code, e.g. 123830 or 123-830; leave it out to keep it out of shell history'),
    async ([given]) => ({
      kind: 'otp',
      code: asciiDigits(given ?? (await context.readStdin('code (not shown): ')).trim()),
    }),
  );
  actionCommand(
    'pin',
    'submit the two-step PIN (read from standard input, so it stays out of shell history)',
    (c) => c,
    async () => ({ kind: 'pin', pin: (await context.readStdin('two-step PIN, 6 digits (not shown): ')).trim() }),
  );
  actionCommand(
    'name',
    'submit a new display name (after a rejection, or to rename a live number)',
    (c) => c.argument('<displayName>', 'the new display name'),
    async ([displayName]) => ({ kind: 'display-name', displayName: displayName as string }),
  );
  actionCommand(
    'resend',
    'ask Meta for a new code, optionally by the other method',
    (c) => c.addOption(methodOption('switch the code method')),
    async (_args, opts) => ({ kind: 'resend', ...(opts.method ? { method: opts.method } : {}) }),
  );
  actionCommand(
    'cancel',
    'cancel an onboarding that is not live yet (a live number is removed instead)',
    (c) => c.requiredOption('--reason <text>', 'why'),
    async (_args, opts) => ({ kind: 'cancel', reason: opts.reason as string }),
  );
  actionCommand(
    'remove',
    'request the removal of a live number (portfolio admins only)',
    (c) => c.requiredOption('--reason <text>', 'why').addOption(roleOption()),
    async (_args, opts) => ({ kind: 'removal', reason: opts.reason as string }),
  );
  actionCommand(
    'identity-check',
    "turn Meta's identity-change check on or off for a live number",
    (c) => c.argument('<state>', 'on or off', onOrOff),
    async ([state]) => ({ kind: 'identity-check', enabled: state === 'on' }),
  );
  actionCommand(
    'test-message',
    'have a live number send a test message to a WhatsApp user (noted in the journey with its outcome)',
    (c) =>
      c
        .requiredOption('--to <waId>', "the customer's wa_id: their WhatsApp number, country code first", waIdArgument)
        .option('--text <text>', 'the message (default: a line saying the number is live)'),
    async (_args, opts) => ({
      kind: 'test-message',
      to: opts.to as string,
      ...(opts.text ? { text: opts.text } : {}),
    }),
  );
  actionCommand(
    'confirm-deletion',
    'confirm that an admin deleted the number in WhatsApp Manager',
    (c) => c,
    async () => ({ kind: 'deletion-confirmation' }),
  );
}
