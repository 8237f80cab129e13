// The timeline laid out for people, once for both the Markdown and the HTML page: a heading per run and a row per
// entry, each cell plain text (the renderers escape it for their format). A customer's identity recovery is not a
// run of the journey: its rows sit, in time, in the section of the journey run they happened during.
import type { IdentityRun, RunSummary, Timeline, TimelineEntry } from './types.js';
import { plural } from '../domain/words.js';
import { visibleControls } from '../domain/operator-input.js';

export const cellHeadings = ['at (UTC)', 'stage', 'kind', 'customer', 'who', 'what', 'outcome'] as const;
export type Cells = [string, string, string, string, string, string, string];

export interface RunSection {
  title: string;
  rows: Cells[];
}

export interface Layout {
  title: string;
  summary: string;
  runs: RunSection[];
  /** One line per customer's identity recovery on the number. */
  identityRuns: string[];
  gaps: string[];
}

function outcomeCell(entry: TimelineEntry): string {
  const meta = entry.meta;
  return [
    entry.sentAt ? `dated ${entry.sentAt}` : undefined,
    entry.outcome,
    entry.attempt !== undefined && entry.attempt > 1 ? `attempt ${entry.attempt}` : undefined,
    entry.until ? `until ${entry.until}` : undefined,
    meta
      ? `Meta ${meta.code}${meta.subcode !== undefined ? `/${meta.subcode}` : ''}${meta.type ? ` ${meta.type}` : ''}` +
        `${meta.message ? `: ${meta.message}` : ''}${meta.details ? ` (${meta.details})` : ''}` +
        `${meta.fbtraceId ? ` (fbtrace_id ${meta.fbtraceId})` : ''}`
      : undefined,
    entry.remediation ? `what to do: ${entry.remediation}` : undefined,
  ]
    .filter((part): part is string => Boolean(part))
    .join(' · ');
}

// A cell quotes what people and Meta wrote (a signal's name sent by hand, a name Meta holds): shown, not obeyed.
const cellsOf = (entry: TimelineEntry): Cells =>
  [
    entry.at.replace('T', ' ').replace('Z', ''),
    entry.stage,
    entry.kind,
    entry.customer ?? '',
    [entry.actor, entry.via && `through ${entry.via}`].filter(Boolean).join(' — '),
    entry.endpoint ? `${entry.what} (${entry.endpoint})` : entry.what,
    outcomeCell(entry),
  ].map((cell) => visibleControls(cell, false)) as Cells;

function runTitle(run: RunSummary, index: number): string {
  const how = run.resetFrom
    ? `reset from ${run.resetFrom}`
    : run.continuedFrom
      ? `continued from ${run.continuedFrom}`
      : 'a new onboarding';
  const closed = run.closedAt ? `, closed ${run.closedAt}` : '';
  return `Run ${index + 1}: ${run.runId} (${how}; ${run.status}, started ${run.startedAt}${closed})`;
}

function identityRunLine(run: IdentityRun): string {
  const closed = run.closedAt ? `, closed ${run.closedAt}` : '';
  return (
    `customer ${run.waId} of phone_number_id ${run.phoneNumberId}: ${run.workflowId} run ${run.runId} ` +
    `(${run.status}, started ${run.startedAt}${closed})`
  );
}

/** Each run's rows in the timeline's order; a recovery's rows go to the journey run whose entry came last before. */
function sections(timeline: Timeline): RunSection[] {
  const runs = timeline.runs.map((run, index) => ({ title: runTitle(run, index), rows: [] as Cells[] }));
  const byRun = new Map(timeline.runs.map((run, index) => [run.runId, runs[index] as RunSection]));
  let current = runs[0];
  for (const entry of timeline.entries) {
    current = byRun.get(entry.runId) ?? current;
    current?.rows.push(cellsOf(entry));
  }
  return runs;
}

export function layoutOf(timeline: Timeline): Layout {
  const recoveries = timeline.identityRuns.length;
  return {
    title: `Audit of ${timeline.e164}`,
    summary:
      `Journey ${timeline.workflowId}: ${plural(timeline.runs.length, 'run')}, ` +
      `${recoveries} customer identity recover${recoveries === 1 ? 'y' : 'ies'}, ` +
      `${timeline.entries.length} entries, generated ${timeline.generatedAt}. ` +
      'No code, PIN, token or identity hash is ever shown (a hash by its first characters only).',
    runs: sections(timeline),
    identityRuns: timeline.identityRuns.map(identityRunLine),
    gaps: timeline.gaps,
  };
}
