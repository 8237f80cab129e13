// `watch <e164>`: a live view of a journey, a line per stage change, retried Graph call and note (the API's event
// stream, or the journey's query every second in direct mode). Ends when the journey ends, or when --until's stage
// or outcome is reached (or the journey went through it between two reads); Ctrl-C closes the stream and exits 130
// (a stop, SIGTERM, 143), as an interrupted command does.
import type { Command } from 'commander';
import { isPastStage, type StageOrOutcome } from '../domain/stages.js';
import type { JourneyEvent } from '../journeys/index.js';
import type { CommandContext } from './context.js';
import { CliExit } from './failure.js';
import { eventLine } from './format.js';
import { exitCodeOf } from '../stop-signals.js';
import { e164Argument, untilOption } from './options.js';

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
        let stoppedBy: NodeJS.Signals = 'SIGINT';
        const interrupt = (signal: NodeJS.Signals) => {
          stoppedBy = signal;
          stop.abort();
        };
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        try {
          let seen: StageOrOutcome | null = null; // the stage of the read before
          let logged = false; // whether the view keeps the stages entered: then each one comes as its own event
          for await (const event of ops.watch(e164, stop.signal)) {
            if (event.event === 'view') logged = (event.data.stagesEntered ?? []).length > 0;
            const seenAt = new Date();
            context.out(opts.json ? JSON.stringify({ ...event, at: seenAt.toISOString() }) : eventLine(event, seenAt));
            if (opts.until && reaches(event, opts.until)) return;
            const jumped = opts.until && !logged ? jumpedOver(seen, event, opts.until) : null;
            if (jumped) {
              context.err(`the journey went from ${seen} to ${jumped} between two reads, past ${opts.until}`);
              return;
            }
            if (event.event === 'view' && opts.until && isPastStage(event.data.stage, opts.until)) {
              const entered = (event.data.stagesEntered ?? []).some((s) => s.stage === opts.until);
              context.err(
                logged && !entered
                  ? `the journey (at ${event.data.stage}) has not entered ${opts.until}: watch follows it until it does or ends`
                  : `the journey is past ${opts.until} already (at ${event.data.stage}): watch follows it until it comes back to ${opts.until} or ends`,
              );
            }
            if (event.event === 'view' || event.event === 'stage') seen = event.data.stage;
            if (event.event === 'end' && opts.until) {
              throw new CliExit(1, `the journey ended ${event.data.result.outcome} without reaching ${opts.until}`);
            }
          }
          if (stop.signal.aborted) throw new CliExit(exitCodeOf(stoppedBy));
        } finally {
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
        }
      }),
    );
}

/**
 * For a view that keeps no stages (a run carried over from before they were kept): the stage a change moved the
 * journey to when it went through `until` between two reads (from a stage before it to one past it, in the
 * journey's order), or null. The first view is no change: a journey found past `until` may
 * never have been there, or may come back to it (a wrong code returns to AWAITING_OTP).
 */
function jumpedOver(before: StageOrOutcome | null, event: JourneyEvent, until: StageOrOutcome): StageOrOutcome | null {
  if (before === null || event.event !== 'stage') return null;
  const now = event.data.stage;
  return isPastStage(now, until) && isPastStage(until, before) ? now : null;
}

function reaches(event: JourneyEvent, until: StageOrOutcome): boolean {
  if (event.event === 'view' || event.event === 'stage') return event.data.stage === until;
  return event.event === 'end' && event.data.result.outcome === until;
}
