// Starting, reading, listing and watching journeys, in either mode: `start`, `show`, `list`, `watch`.
import { InvalidArgumentError, type Command } from 'commander';
import type { StageOrOutcome } from '../domain/stages.js';
import { JourneyInputError } from '../domain/journey-input.js';
import type { ApiAnswerError } from './api-client.js';
import { CliExit } from './failure.js';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_RULE } from '../domain/idempotency-key.js';
import type { JourneyListing } from '../journeys/index.js';
import { actorOf, jsonOption, print, type CommandContext } from './context.js';
import { listingLine, startedLine, summaryLines, viewSummary } from './format.js';
import { actorOption, e164Argument, graphIdOption, methodOption, stageOption } from './options.js';
import type { StartBody } from './operations.js';
import { watchCommand } from './watch.js';

interface ListOptions {
  stage?: StageOrOutcome;
  portfolio?: string;
  waba?: string;
  awaitingInput?: boolean;
  summary?: boolean;
  json?: boolean;
}

interface StartOptions {
  waba: string;
  portfolio: string;
  phone: string;
  displayName: string;
  method?: 'SMS' | 'VOICE';
  ivr?: boolean;
  coexistence?: boolean;
  signupAt?: string;
  phoneNumberId?: string;
  operatorPin?: boolean;
  identityCheck?: boolean;
  idempotencyKey?: string;
  json?: boolean;
}

export function addJourneyCommands(program: Command, context: CommandContext): void {
  program
    .command('start')
    .description("start a number's journey and print its id and stage")
    .addOption(graphIdOption('--waba <id>', 'WhatsApp Business Account id').makeOptionMandatory())
    .addOption(graphIdOption('--portfolio <id>', 'business portfolio id').makeOptionMandatory())
    .requiredOption('--phone <e164>', 'the phone number, in international form (+14155552671)')
    .requiredOption('--display-name <name>', 'the display name to submit for review')
    .addOption(
      methodOption(
        'how Meta sends the verification code (default: VOICE for an IVR, a landline or toll-free; else SMS)',
      ),
    )
    .option('--ivr', 'the number is behind an IVR (the code comes by voice call)')
    .option('--coexistence', 'a WhatsApp Business App number linked through Embedded Signup')
    .option('--signup-at <iso>', "when Embedded Signup finished: Meta's 14-day window runs from it (without it, none)")
    .addOption(
      graphIdOption('--phone-number-id <id>', "adopt a number already added in Meta (or one of Meta's test numbers)"),
    )
    .option('--operator-pin', 'the operator supplies the two-step PIN instead of a generated one')
    .option('--identity-check', "turn on Meta's identity-change check once the number is registered")
    .option(
      '--idempotency-key <key>',
      'the same key and request again answer the same journey, so a script can retry (API mode makes one per run)',
      idempotencyKey,
    )
    .addOption(actorOption('who starts the journey (API mode: the token decides)'))
    .addOption(jsonOption())
    .action(async (opts: StartOptions, command: Command) => {
      const request: StartBody = {
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
        identityCheck: Boolean(opts.identityCheck),
      };
      const answer = await context
        .using((ops) => ops.start(request, actorOf(command), opts.idempotencyKey))
        .catch((err: unknown) => {
          throw inOptionWords(err);
        });
      print(context, opts.json, answer.started, () => [startedLine(answer)]);
    });

  program
    .command('show')
    .description("print where a number's journey stands: stage, who it waits for, deadlines, attempts, notes")
    .argument('<e164>', 'the phone number', e164Argument)
    .addOption(jsonOption())
    .action(async (e164: string, opts: { json?: boolean }) => {
      const view = await context.using((ops) => ops.show(e164));
      print(context, opts.json, view, () => viewSummary(view));
    });

  program
    .command('list')
    .description(
      'list running journeys, e.g. those awaiting a code in a portfolio (ended ones: --stage with an outcome)',
    )
    .addOption(stageOption())
    .addOption(graphIdOption('--portfolio <id>', 'business portfolio id'))
    .addOption(graphIdOption('--waba <id>', 'WhatsApp Business Account id'))
    .option('--awaiting-input', 'only journeys waiting for an operator (a code, a PIN or a new name)')
    .option('--summary', 'counts per stage per portfolio, and the journeys waiting for a person, oldest first')
    .addOption(jsonOption())
    .action((opts: ListOptions) =>
      opts.summary
        ? summary(context, opts)
        : context.using(async (ops) => {
            const filter = {
              stage: opts.stage,
              portfolioId: opts.portfolio,
              wabaId: opts.waba,
              awaitingInput: opts.awaitingInput,
            };
            const all: JourneyListing[] = [];
            let listed = 0;
            for await (const listing of ops.list(filter)) {
              listed += 1;
              if (opts.json) all.push(listing);
              else context.out(listingLine(listing)); // as they come: a long list starts printing at once
            }
            if (opts.json) context.out(JSON.stringify(all, null, 2));
            // Said apart from the list (standard error): a script reading it still reads no line.
            else if (listed === 0)
              context.err(`no journeys ${[noneListed(filter), ops.where].filter(Boolean).join(' ')}`);
          }),
    );

  watchCommand(program, context);
}

/** What an empty list looked for, in words: "awaiting input in portfolio 123", "in stage LIVE", or "yet". */
function noneListed(filter: {
  stage?: string;
  portfolioId?: string;
  wabaId?: string;
  awaitingInput?: boolean;
}): string {
  const words = [
    filter.awaitingInput ? 'awaiting input' : null,
    filter.stage ? `in stage ${filter.stage}` : null,
    filter.portfolioId ? `in portfolio ${filter.portfolioId}` : null,
    filter.wabaId ? `on WABA ${filter.wabaId}` : null,
  ].filter((word) => word !== null);
  return words.length > 0 ? words.join(' ') : 'yet';
}

async function summary(context: CommandContext, opts: ListOptions): Promise<void> {
  if (opts.stage !== undefined || opts.awaitingInput) {
    throw new InvalidArgumentError('--summary counts every stage: give it without --stage and --awaiting-input');
  }
  const answer = await context.using((ops) => ops.summary({ portfolioId: opts.portfolio, wabaId: opts.waba }));
  print(context, opts.json, answer, () => summaryLines(answer));
}

function idempotencyKey(value: string): string {
  if (!IDEMPOTENCY_KEY.test(value)) throw new InvalidArgumentError(IDEMPOTENCY_KEY_RULE);
  return value;
}

/** The API client's refusal, known by its name: direct mode does not load the API client. */
const isApiAnswer = (err: unknown): err is ApiAnswerError => err instanceof Error && err.name === 'ApiAnswerError';

/** A start request's fields as this command's options name them. */
const optionOfField: Record<string, string> = {
  wabaId: '--waba',
  portfolioId: '--portfolio',
  phoneNumber: '--phone',
  displayName: '--display-name',
  codeMethod: '--method',
  ivr: '--ivr',
  path: '--coexistence',
  signupAt: '--signup-at',
  phoneNumberId: '--phone-number-id',
  pinPolicy: '--operator-pin',
  identityCheck: '--identity-check',
  requestedBy: '--by',
};
const fieldName = new RegExp(`\\b(${Object.keys(optionOfField).join('|')})\\b`, 'g');

/**
 * A refused start request, its problems naming this command's options ("--phone-number-id: …, give
 * --phone-number-id") where the journey's check (direct mode) or the API (400) named the request's fields.
 */
function inOptionWords(err: unknown): unknown {
  let problems: string[] | null = null;
  if (err instanceof JourneyInputError) problems = err.problems;
  else if (isApiAnswer(err) && err.status === 400 && err.problems.length > 0) {
    if (err.problems.some((p) => p.in !== 'body')) return err;
    problems = err.problems.map((p) => `${p.field}: ${p.message}`);
  }
  if (problems === null) return err;
  const lines = problems.map((problem) => `  ${problem.replace(fieldName, (field) => optionOfField[field] ?? field)}`);
  return new CliExit(1, ['invalid journey request', ...lines].join('\n'));
}
