// The operator's commands: list journeys waiting for input, submit codes, PINs and names, resend, cancel,
// request a removal, confirm a deletion, and (admins) read back the two-step PIN. Every action names its actor
// (--by), recorded in history.
import type { Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import type { CodeMethod } from '../domain/journey.js';
import {
  cancelUpdate,
  confirmDeletionUpdate,
  requestRemovalUpdate,
  resendCodeUpdate,
  submitDisplayNameUpdate,
  submitOtpUpdate,
  submitPinUpdate,
  type SubmissionOutcome,
} from '../domain/messages.js';
import type { StageOrOutcome } from '../domain/stages.js';
import { listJourneys, submitToJourney } from '../journeys/index.js';
import { createLogger } from '../logger.js';
import { revealPin } from '../pin-reveal.js';
import { actorOption, graphIdOption, methodOption, roleOption, stageOption } from './options.js';
import { readStdin } from './stdin.js';

/** `checkKeys`: the command sends a payload, so the worker's payload keys are checked first. */
export type WithClient = (work: (client: Client) => Promise<void>, options?: { checkKeys?: boolean }) => Promise<void>;
const sending = { checkKeys: true };

const waitOption = [
  '--wait <seconds>',
  'how long to wait for the journey\'s answer before answering "received"',
  (value: string) => {
    const seconds = Number(value);
    if (!(seconds > 0 && seconds <= 600))
      throw new InvalidArgumentError('a number of seconds, above 0 and at most 600');
    return seconds;
  },
  10,
] as const;

export function addOperatorCommands(
  program: Command,
  withClient: WithClient,
  out: (line: string) => void,
  e164Argument: (value: string) => string,
): void {
  const report = (outcome: SubmissionOutcome) =>
    out(`${outcome.pending ? 'received' : outcome.accepted ? 'accepted' : 'refused'}: ${outcome.message}`);

  program
    .command('list')
    .description('list journeys, e.g. those awaiting a code in a portfolio')
    .addOption(stageOption())
    .addOption(graphIdOption('--portfolio <id>', 'business portfolio id'))
    .addOption(graphIdOption('--waba <id>', 'WhatsApp Business Account id'))
    .action((opts: { stage?: StageOrOutcome; portfolio?: string; waba?: string }) =>
      withClient(async (client) => {
        const filter = { stage: opts.stage, portfolioId: opts.portfolio, wabaId: opts.waba };
        let token: Uint8Array | null = null;
        do {
          const page = await listJourneys(client, filter, { size: 100, token });
          for (const journey of page.items) out(`${journey.workflowId}\t${journey.stage ?? '?'}`);
          token = page.nextPageToken;
        } while (token);
      }),
    );

  program
    .command('otp')
    .description('submit the 6-digit code Meta sent to the number (from standard input when not given)')
    .argument('<e164>', 'the phone number', e164Argument)
    .argument('[code]', 'the code, e.g. 123830 or 123-830; leave it out to keep it out of shell history')
    .option(...actorOption)
    .option(...waitOption)
    .action((e164: string, given: string | undefined, opts: { by: string; wait: number }) =>
      withClient(async (client) => {
        const code = given ?? (await readStdin()).trim();
        report(await submitToJourney(client, e164, submitOtpUpdate, { code, actor: opts.by }, waitFor(opts)));
      }, sending),
    );

  program
    .command('pin')
    .description('submit the two-step PIN (read from standard input, so it stays out of shell history)')
    .argument('<e164>', 'the phone number', e164Argument)
    .option(...actorOption)
    .option(...waitOption)
    .action((e164: string, opts: { by: string; wait: number }) =>
      withClient(async (client) => {
        const pin = (await readStdin()).trim();
        report(await submitToJourney(client, e164, submitPinUpdate, { pin, actor: opts.by }, waitFor(opts)));
      }, sending),
    );

  program
    .command('name')
    .description('submit a new display name (after a rejection, or to rename a live number)')
    .argument('<e164>', 'the phone number', e164Argument)
    .argument('<displayName>', 'the new display name')
    .option(...actorOption)
    .option(...waitOption)
    .action((e164: string, displayName: string, opts: { by: string; wait: number }) =>
      withClient(async (client) => {
        const submission = { displayName, actor: opts.by };
        report(await submitToJourney(client, e164, submitDisplayNameUpdate, submission, waitFor(opts)));
      }, sending),
    );

  /** A command whose input goes as the journey's update and whose answer is printed. */
  const actionCommand = (
    name: string,
    description: string,
    configure: (command: Command) => Command,
    send: (client: Client, e164: string, opts: Record<string, string>) => Promise<SubmissionOutcome>,
  ) =>
    configure(program.command(name).description(description).argument('<e164>', 'the phone number', e164Argument))
      .option(...actorOption)
      .action((e164: string, opts: Record<string, string>) =>
        withClient(async (client) => report(await send(client, e164, opts)), sending),
      );

  actionCommand(
    'resend',
    'ask Meta for a new code, optionally by the other method',
    (c) => c.addOption(methodOption('switch the code method')),
    (client, e164, opts) =>
      submitToJourney(client, e164, resendCodeUpdate, {
        actor: opts.by as string,
        ...(opts.method ? { method: opts.method as CodeMethod } : {}),
      }),
  );
  actionCommand(
    'cancel',
    'cancel an onboarding that is not live yet (a live number is removed instead)',
    (c) => c.requiredOption('--reason <text>', 'why'),
    (client, e164, opts) =>
      submitToJourney(client, e164, cancelUpdate, { actor: opts.by as string, reason: opts.reason as string }),
  );
  actionCommand(
    'remove',
    'request the removal of a live number (portfolio admins only)',
    (c) => c.requiredOption('--reason <text>', 'why').addOption(roleOption()),
    (client, e164, opts) =>
      submitToJourney(client, e164, requestRemovalUpdate, {
        actor: opts.by as string,
        role: opts.role as string,
        reason: opts.reason as string,
      }),
  );
  program
    .command('reveal-pin')
    .description('print the two-step PIN numberflow set on a number (admins only; noted with who and why)')
    .argument('<e164>', 'the phone number', e164Argument)
    .requiredOption('--reason <text>', 'why the PIN is needed (recorded in history)')
    .addOption(roleOption())
    .option(...actorOption)
    .action((e164: string, opts: { by: string; role: string; reason: string }) =>
      withClient(async (client) => {
        const request = { actor: opts.by, role: opts.role, reason: opts.reason };
        out(await revealPin(client, e164, request, createLogger(undefined, true)));
      }),
    );
  actionCommand(
    'confirm-deletion',
    'confirm that an admin deleted the number in WhatsApp Manager',
    (c) => c,
    (client, e164, opts) => submitToJourney(client, e164, confirmDeletionUpdate, { actor: opts.by as string }),
  );
}
const waitFor = (opts: { wait: number }) => ({ waitMs: opts.wait * 1000 });
