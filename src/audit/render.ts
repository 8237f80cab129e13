// A timeline in the format asked for: JSON for machines, Markdown or a printable HTML page for people. The CLI's
// `audit` and the auditor's HTTP routes print the same text.
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import type { Timeline, TimelineFormat } from './types.js';

export function renderTimeline(timeline: Timeline, format: TimelineFormat): string {
  if (format === 'markdown') return renderMarkdown(timeline);
  if (format === 'html') return renderHtml(timeline);
  return `${JSON.stringify(timeline, null, 2)}\n`;
}
