// `numberflow webhooks dead-letters|replay|discard`: an admin's view of the webhook deliveries the service's inbox
// gave up on, through the HTTP API only — the inbox is the running service's file, locked by it.
import { InvalidArgumentError, type Command } from 'commander';
import type { z } from 'zod';
import type { deadLetterActionAnswer, deadLettersAnswer } from '../http/api/dead-letter-schemas.js';
import type { NumberflowApi } from './api-client.js';
import { jsonOption, print } from './context.js';
import { CliExit } from './failure.js';
import { selectMode, usingApi } from './mode.js';
import { plural } from '../domain/words.js';

type DeadLetters = z.output<typeof deadLettersAnswer>;
type DeadLetterAction = z.output<typeof deadLetterActionAnswer>;

export function addWebhookCommands(
  program: Command,
  out: (line: string) => void,
  env: Record<string, string | undefined>,
): void {
  const context = { out };
  const webhooks = program
    .command('webhooks')
    .description("the service's webhook inbox: the deliveries it gave up on (admins; through the HTTP API)");

  /** Runs `work` with the API client of NUMBERFLOW_URL and NUMBERFLOW_TOKEN; direct mode has no inbox to reach. */
  const withApi = async <T>(work: (api: NumberflowApi) => Promise<T>): Promise<T> => {
    const mode = selectMode(env);
    if (mode.kind !== 'api') {
      throw new CliExit(
        1,
        "the webhook inbox is the running service's: set NUMBERFLOW_URL and NUMBERFLOW_TOKEN (an admin's token) to reach it through the HTTP API",
      );
    }
    return usingApi(mode, work);
  };

  webhooks
    .command('dead-letters')
    .description('list the deliveries given up on, oldest first, without their bodies')
    .option('--after <id>', 'list those after this id (the "more" line names it)', afterArgument, 0)
    .option('--page-size <n>', 'how many to list (1–500)', pageSizeArgument, 100)
    .addOption(jsonOption())
    .action(async (opts: { after: number; pageSize: number; json?: boolean }) => {
      const page = await withApi((api) => api.deadLetters({ after: opts.after, pageSize: opts.pageSize }));
      print(context, opts.json, page, () => deadLetterLines(page));
    });

  const actions = {
    replay: {
      description: 'put a dead letter back in the inbox and route it; says what became of it',
      act: (api: NumberflowApi, id: number) => api.replayDeadLetter(id),
    },
    discard: {
      description: 'discard a dead letter for good',
      act: (api: NumberflowApi, id: number) => api.discardDeadLetter(id),
    },
  };
  for (const [name, { description, act }] of Object.entries(actions)) {
    webhooks
      .command(name)
      .description(description)
      .argument('<id>', "the dead letter's id, as listed", idArgument)
      .addOption(jsonOption())
      .action(async (id: number, opts: { json?: boolean }) => {
        const done = await withApi((api) => act(api, id));
        print(context, opts.json, done, () => [actionLine(done)]);
        // For scripts: failed again → 1; still waiting in the inbox when the answer was due → 2.
        if (done.outcome === 'dead_lettered') throw new CliExit(1);
        if (done.outcome === 'waiting') throw new CliExit(2);
      });
  }
}

/** " (on <host:port>)": which replica's inbox answered (each keeps its own), when the service named it. */
const on = (replica: string | undefined) => (replica === undefined ? '' : ` (on ${replica})`);

function deadLetterLines({ deadLetters, total, nextAfter, replica }: DeadLetters): string[] {
  if (total === 0) return [`no webhook dead letters${on(replica)}`];
  return [
    ...deadLetters.flatMap((letter) => [
      `${letter.id}\treceived ${letter.receivedAt}\tgiven up ${letter.deadAt}\tkept until ${letter.keptUntil}\t${letter.attempts} attempts\t${letter.reason}`,
      ...letter.wabas.map(
        (waba) => `  WABA ${waba.wabaId}: ${waba.fields.join(', ')} (${plural(waba.changes, 'change')})`,
      ),
    ]),
    `${deadLetters.length} shown of ${total}${on(replica)}${nextAfter === null ? '' : `; more: --after ${nextAfter}`}`,
  ];
}

function actionLine(done: DeadLetterAction): string {
  return `${done.outcome.replace('_', ' ')}: ${done.message}${on(done.replica)}`;
}

function idArgument(value: string): number {
  if (!/^[1-9]\d{0,14}$/.test(value)) throw new InvalidArgumentError("must be a dead letter's id (a whole number)");
  return Number(value);
}

function afterArgument(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError("must be a dead letter's id (a whole number), or 0");
  return Number(value);
}

function pageSizeArgument(value: string): number {
  const size = Number(value);
  if (!/^\d+$/.test(value) || size < 1 || size > 500)
    throw new InvalidArgumentError('must be a whole number from 1 to 500');
  return size;
}
