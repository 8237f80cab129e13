// The timeline as Markdown for people: a table per run. Every cell is escaped, so a display name or a Meta message
// can neither break the table nor turn into a link, markup or HTML.
import { cellHeadings, layoutOf, type Cells } from './render-cells.js';
import type { Timeline } from './types.js';

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|#~!]/g, '\\$&').replace(/\r?\n|\r/g, ' ');
}

const row = (cells: readonly string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;

export function renderMarkdown(timeline: Timeline): string {
  const layout = layoutOf(timeline);
  const lines = [`# ${escapeMarkdown(layout.title)}`, '', escapeMarkdown(layout.summary), ''];
  for (const run of layout.runs) {
    lines.push(`## ${escapeMarkdown(run.title)}`, '', row(cellHeadings), `|${' --- |'.repeat(cellHeadings.length)}`);
    lines.push(...run.rows.map((cells: Cells) => row(cells)), '');
  }
  if (layout.identityRuns.length > 0) {
    lines.push(
      "## Customers' identity recoveries",
      '',
      ...layout.identityRuns.map((line) => `- ${escapeMarkdown(line)}`),
      '',
    );
  }
  if (layout.gaps.length > 0) {
    lines.push('## What could not be read', '', ...layout.gaps.map((gap) => `- ${escapeMarkdown(gap)}`), '');
  }
  return lines.join('\n');
}
