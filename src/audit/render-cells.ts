// The timeline laid out for people, once for both the Markdown and the HTML page: a heading per run and a row per
// entry, each cell plain text (the renderers escape it for their format).
import type { RunSummary, Timeline, TimelineEntry } from './types.js';

export const cellHeadings = ['at (UTC)', 'stage', 'kind', 'who', 'what', 'outcome'] as const;
export type Cells = [string, string, string, string, string, string];

export interface RunSection {
  title: string;
  rows: Cells[];
}

export interface Layout {
  title: string;
  summary: string;
  runs: RunSection[];
  gaps: string[];
}

function outcomeCell(entry: TimelineEntry): string {
  const meta = entry.meta;
  return [
    entry.outcome,
    entry.attempt !== undefined && entry.attempt > 1 ? `attempt ${entry.attempt}` : undefined,
    entry.until ? `until ${entry.until}` : undefined,
    meta
      ? `Meta ${meta.code}${meta.subcode !== undefined ? `/${meta.subcode}` : ''}${meta.type ? ` ${meta.type}` : ''}` +
        `${meta.message ? `: ${meta.message}` : ''}${meta.fbtraceId ? ` (fbtrace_id ${meta.fbtraceId})` : ''}`
      : undefined,
    entry.remediation ? `what to do: ${entry.remediation}` : undefined,
  ]
    .filter((part): part is string => Boolean(part))
    .join(' · ');
}

const cellsOf = (entry: TimelineEntry): Cells => [
  entry.at.replace('T', ' ').replace('Z', ''),
  entry.stage,
  entry.kind,
  entry.actor ?? '',
  entry.endpoint ? `${entry.what} (${entry.endpoint})` : entry.what,
  outcomeCell(entry),
];

function runTitle(run: RunSummary, index: number): string {
  const how = run.continuedFrom ? `continued from ${run.continuedFrom}` : 'a new onboarding';
  const closed = run.closedAt ? `, closed ${run.closedAt}` : '';
  return `Run ${index + 1}: ${run.runId} (${how}; ${run.status}, started ${run.startedAt}${closed})`;
}

export function layoutOf(timeline: Timeline): Layout {
  return {
    title: `Audit of ${timeline.e164}`,
    summary:
      `Journey ${timeline.workflowId}: ${timeline.runs.length} run${timeline.runs.length === 1 ? '' : 's'}, ` +
      `${timeline.entries.length} entries, generated ${timeline.generatedAt}. No code, PIN or token is ever shown.`,
    runs: timeline.runs.map((run, index) => ({
      title: runTitle(run, index),
      rows: timeline.entries.filter((e) => e.runId === run.runId).map(cellsOf),
    })),
    gaps: timeline.gaps,
  };
}
