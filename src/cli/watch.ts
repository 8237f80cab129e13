// `watch <e164>`: a live view of a journey, a line per stage change, retried Graph call and note (the API's event
// stream, or the journey's query every second in direct mode). Ends when the journey ends, or when --until's stage
// or outcome is reached (or a stage past it: a journey may walk through a stage between two reads); Ctrl-C closes
// the stream and exits 130, as an interrupted command does.
import type { Command } from 'commander';
import { isPastStage, type StageOrOutcome } from '../domain/stages.js';
import type { JourneyEvent } from '../journeys/index.js';
import type { CommandContext } from './context.js';
import { CliExit } from './failure.js';
import { eventLine } from './format.js';
import { e164Argument, untilOption } from './options.js';

const INTERRUPTED = 130;

export function watchCommand(program: Command, context: CommandContext): void {
  program
    .command('watch')
    .description("follow a number's journey live: a line per stage change and note, until it ends")
    .argument('<e164>', 'the phone number', e164Argument)
    .addOption(untilOption())
    .option('--json', 'one JSON object per line: {event, data, at} (event: view, stage, call, note or end)')
    .action((e164: string, opts: { until?: StageOrOutcome; json?: boolean }) =>
      context.using(async (ops) => {
        const stop = new AbortController();
        const interrupt = () => stop.abort();
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        try {
          for await (const event of ops.watch(e164, stop.signal)) {
            const seenAt = new Date();
            context.out(opts.json ? JSON.stringify({ ...event, at: seenAt.toISOString() }) : eventLine(event, seenAt));
            if (opts.until && reaches(event, opts.until)) return;
            if (opts.until && passed(event, opts.until)) {
              context.err(`the journey is at ${passed(event, opts.until)}, past ${opts.until} in the journey's order`);
              return;
            }
            if (event.event === 'end' && opts.until) {
              throw new CliExit(1, `the journey ended ${event.data.result.outcome} without reaching ${opts.until}`);
            }
          }
          if (stop.signal.aborted) throw new CliExit(INTERRUPTED);
        } finally {
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
        }
      }),
    );
}

/** The stage the journey stands in when it is past `until` without `watch` having seen it there (a read apart). */
function passed(event: JourneyEvent, until: StageOrOutcome): StageOrOutcome | null {
  if (event.event !== 'view' && event.event !== 'stage') return null;
  return isPastStage(event.data.stage, until) ? event.data.stage : null;
}

function reaches(event: JourneyEvent, until: StageOrOutcome): boolean {
  if (event.event === 'view' || event.event === 'stage') return event.data.stage === until;
  return event.event === 'end' && event.data.result.outcome === until;
}
