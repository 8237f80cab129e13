// The command line's human-readable output: a journey's summary, the answer to an action, a listing line, a started
// journey, and one line per event of `watch`. Scripts use --json instead; these lines are for people.
import { displayNameWords } from '../domain/display-name-words.js';
import { codeLastsFrom, metaStopWords, qualityWords, REMOVAL_BLOCKED, type JourneyView } from '../domain/journey.js';
import { visibleControls } from '../domain/operator-input.js';
import { journeyStages } from '../domain/stages.js';
import { waitText } from '../domain/wait-texts.js';
import type { JourneyEvent, JourneyListing, JourneySummary } from '../journeys/index.js';
import type { OutcomeAnswer, Started } from './operations.js';

/** How many of the journey's latest notes `show` prints. */
const NOTES_SHOWN = 5;

export function outcomeLine(answer: OutcomeAnswer): string {
  return `${answer.outcome === 'pending' ? 'received' : answer.outcome}: ${answer.message}`;
}

export function listingLine(listing: JourneyListing): string {
  return `${listing.workflowId}\t${listing.stage ?? '?'}`;
}

export function startedLine({ started, created }: { started: Started; created: boolean }): string {
  const { workflowId, runId, journey } = started;
  const stage = journey
    ? `stage ${journey.stage}`
    : `no worker answered its read yet (is one running?): \`numberflow show ${workflowId.replace(/^number:/, '')}\` reads it`;
  return created
    ? `${workflowId} started (run ${runId}), ${stage}`
    : `${workflowId} was started already under this idempotency key (run ${runId}), ${stage}`;
}

/** Where the journey stands, who it waits for and until when, its deadlines, attempts, name, error and notes. */
export function viewSummary(view: JourneyView, now: Date = new Date()): string[] {
  const at = (iso: string) => `${iso} (${relative(iso, now)})`;
  const rows: [string, string | null][] = [
    ['waits for', view.waiting && waitingText(view.waiting, at)],
    // Also while the removal waits for something else (Meta's paid-message block): an admin requests it again.
    [
      'blocked',
      view.removalBlocked && !view.waiting?.reason.startsWith(REMOVAL_BLOCKED)
        ? waitText('REMOVAL_BLOCKED', view.removalBlocked)
        : null,
    ],
    ['ended', view.result && endText(view.result)],
    [
      'number',
      [
        `phone_number_id ${view.phoneNumberId ?? 'not yet'}`,
        `WABA ${view.wabaId}`,
        `portfolio ${view.portfolioId}`,
        view.path,
        ...(view.path === 'coexistence' ? [] : [`code by ${view.codeMethod}`]), // coexistence: no code is asked
        ...(view.status ? [`status ${view.status}`] : []),
        ...(view.quality ? [`quality ${qualityWords(view.quality)} at ${view.quality.at}`] : []),
        ...(view.sendsPaused ? ['sends paused'] : []),
        ...(view.stoppedByMeta
          ? [`stopped by Meta: ${metaStopWords(view.stoppedByMeta)} at ${view.stoppedByMeta.at}`]
          : []),
        ...(view.identityCheck === 'on' ? ['identity check on'] : []),
      ].join(', '),
    ],
    ['display name', displayNameWords(view)],
    ['retrying', view.callUnderWay && callText(view.callUnderWay, at)],
    ['deadlines', deadlinesText(view.deadlines, at)],
    ['attempts', attemptsText(view)],
    [
      'last error',
      view.lastError &&
        `Meta ${view.lastError.code}: ${view.lastError.message}` +
          (view.lastError.details ? ` (${view.lastError.details})` : '') +
          // Meta's support asks for it, and several remediations say to quote it.
          (view.lastError.fbtraceId ? ` (fbtrace_id ${view.lastError.fbtraceId})` : '') +
          // Its advice is said for a journey that goes on ("numberflow retries"): not once it has ended.
          (view.result ? '' : ` — ${view.lastError.remediation}`),
    ],
  ];
  const notes = view.notes.slice(-NOTES_SHOWN);
  // Names and notes carry what Meta and people wrote (a name Meta holds, from a customer's app): shown, not obeyed.
  return [
    `${view.e164}  ${view.stage}`,
    ...rows.flatMap(([label, text]) => (text ? [`  ${label.padEnd(14)}${text}`] : [])),
    ...(notes.length > 0
      ? [
          `  notes${view.notes.length > notes.length ? ` (latest ${notes.length} of ${view.notes.length})` : ''}`,
          ...notes.map((note) => `    ${note.at}  ${note.actor}: ${note.what}`),
        ]
      : []),
  ].map((line) => visibleControls(line, false));
}

/**
 * One line per event: its time — Temporal's (when a stage was entered, a note made, the journey ended), else when it
 * was seen (a retried call) — then what happened.
 */
export function eventLine(event: JourneyEvent, seenAt: Date): string {
  return visibleControls(eventText(event, seenAt), false);
}

function eventText(event: JourneyEvent, seenAt: Date): string {
  const time = eventTime(event) ?? seenAt.toISOString();
  switch (event.event) {
    case 'view':
    case 'stage':
      return `${time}  ${event.data.stage}${event.data.waiting ? ` — waits for ${waitingText(event.data.waiting, (iso) => iso)}` : ''}`;
    case 'call': {
      const call = event.data.callUnderWay;
      return `${time}  ${call ? `retrying ${callText(call, (iso) => iso)}` : 'no Graph call retried any more'}`;
    }
    case 'note':
      return `${time}  note: ${event.data.actor}: ${event.data.what}`;
    case 'end':
      return `${time}  ended ${endText(event.data.result)}`;
  }
}

/** When the journey's own clock says it happened: the first view by when its stage was entered. */
function eventTime(event: JourneyEvent): string | undefined {
  switch (event.event) {
    case 'view': {
      const entered = event.data.stagesEntered?.at(-1);
      return entered?.stage === event.data.stage ? entered.at : undefined;
    }
    case 'stage':
    case 'end':
    case 'note':
      return event.data.at;
    case 'call':
      return undefined;
  }
}

function waitingText(waiting: NonNullable<JourneyView['waiting']>, at: (iso: string) => string): string {
  return `${waiting.for}: ${waiting.reason.replace(/\.$/, '')}${waiting.until ? `, until ${at(waiting.until)}` : ''}`;
}

/** A Graph call Temporal retries: which, its attempt, how the one before went and when the next starts. */
export function callText(call: NonNullable<JourneyView['callUnderWay']>, at: (iso: string) => string): string {
  const before = call.attemptBefore ? `; attempt ${call.attempt - 1} ${call.attemptBefore}` : '';
  const next = call.nextAttemptAt ? `; next attempt at ${at(call.nextAttemptAt)}` : ` (${call.state})`;
  return `${call.call} (${call.endpoint}), attempt ${call.attempt}${next}${before}`;
}

/** The reason names who ended it, when someone did. */
function endText(result: NonNullable<JourneyView['result']>): string {
  return `${result.outcome} (${result.reasonCode}): ${result.reason} — ${result.remediation}`;
}

function deadlinesText(deadlines: JourneyView['deadlines'], at: (iso: string) => string): string | null {
  const named: [string, string | null][] = [
    ['signup window ends', deadlines.signupExpiresAt],
    // Meta's code lasts less than the wait: one submitted later is answered as wrong and costs an attempt.
    ['code lasts until about', codeLastsFrom(deadlines)],
    ['code wait ends', deadlines.codeExpiresAt],
    ['re-register by', deadlines.reRegisterBy],
    ['deletion allowed from', deadlines.deletionAllowedAt],
  ];
  const set = named.filter((entry): entry is [string, string] => entry[1] !== null);
  return set.length > 0 ? set.map(([what, iso]) => `${what} ${at(iso)}`).join('; ') : null;
}

function attemptsText({ attempts, registrationCallsIn72h }: JourneyView): string {
  const counts = [
    `code requests ${attempts.codeRequests}`,
    `wrong codes ${attempts.wrongCodes}`,
    `wrong PINs ${attempts.wrongPins}`,
    `register calls ${attempts.registerCalls}`,
    `deregister calls ${attempts.deregisterCalls}`,
  ];
  // Meta counts every caller's calls (an earlier journey's, WhatsApp Manager's): the view knows this journey's only.
  return `${counts.join(', ')} (${registrationCallsIn72h} of Meta's 10 registrations in 72 h by this journey)`;
}

// "in 1 day", never "tomorrow": counted in whole days, 47 hours ahead is not tomorrow's date.
const relativeTime = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/**
 * "in 14 minutes", "3 hours ago": the unit that keeps the number small, counted in whole units (36 hours left are
 * "in 1 day", not 2: a deadline is never nearer than said).
 */
export function relative(iso: string, now: Date): string {
  const seconds = Math.round((Date.parse(iso) - now.getTime()) / 1000);
  const size = Math.abs(seconds);
  if (size < 90) return relativeTime.format(seconds, 'second');
  if (size < 90 * 60) return relativeTime.format(Math.trunc(seconds / 60), 'minute');
  if (size < 36 * 3600) return relativeTime.format(Math.trunc(seconds / 3600), 'hour');
  return relativeTime.format(Math.trunc(seconds / 86_400), 'day');
}

/** "(code 253, token 1)": each input waited for, when more than one kind is. */
function waitingKinds({ waitingByInput }: Pick<JourneySummary, 'waitingByInput'>): string {
  const kinds = Object.entries(waitingByInput);
  return kinds.length > 1 ? ` (${kinds.map(([kind, count]) => `${kind} ${count}`).join(', ')})` : '';
}

/** The summary: a line per portfolio with its counts per stage, then who waits for a person, oldest first. */
export function summaryLines(summary: JourneySummary): string[] {
  const stageOrder = (stage: string) => (journeyStages as readonly string[]).indexOf(stage);
  return [
    ...(summary.portfolios.length === 0 ? ['no running journeys'] : []),
    ...summary.portfolios.map(({ portfolioId, total, stages }) => {
      const counts = Object.entries(stages)
        .sort(([a], [b]) => stageOrder(a) - stageOrder(b))
        .map(([stage, count]) => `${stage} ${count}`);
      return `portfolio ${portfolioId || '(none)'}: ${total} running — ${counts.join(', ')}`;
    }),
    `waiting for a person: ${summary.waitingTotal}${waitingKinds(summary)}${summary.waitingTotal > summary.waiting.length ? ` (${summary.waiting.length} shown: an admin's waits first, then the oldest)` : ''}`,
    ...summary.waiting.map(
      (w) => `  ${w.e164}\t${w.waitingOn}\t${w.stage}\tportfolio ${w.portfolioId ?? '?'}\tsince ${w.since ?? '?'}`,
    ),
  ];
}

export { visibleControls };
