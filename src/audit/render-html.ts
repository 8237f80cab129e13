// The timeline as a self-contained, printable HTML page: inline styles, no script, no outside resource. Every value
// is HTML-escaped, and the page's Content-Security-Policy forbids scripts even if something slipped through.
import escapeHtml from 'escape-html';
import { cellHeadings, layoutOf } from './render-cells.js';
import type { Timeline } from './types.js';

const style = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.1em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
td:first-child { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; }
@media print { body { margin: 0; font-size: 10px; } thead { display: table-header-group; } }
`;

const cell = (tag: 'td' | 'th', text: string) => `<${tag}>${escapeHtml(text)}</${tag}>`;

export function renderHtml(timeline: Timeline): string {
  const layout = layoutOf(timeline);
  const sections = layout.runs.map(
    (run) =>
      `<h2>${escapeHtml(run.title)}</h2>\n<table>\n<thead><tr>${cellHeadings.map((h) => cell('th', h)).join('')}</tr></thead>\n<tbody>\n` +
      run.rows.map((cells) => `<tr>${cells.map((c) => cell('td', c)).join('')}</tr>`).join('\n') +
      '\n</tbody>\n</table>',
  );
  const list = (title: string, items: string[]) =>
    items.length > 0
      ? `<h2>${escapeHtml(title)}</h2>\n<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`
      : '';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(layout.title)}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(layout.title)}</h1>`,
    `<p>${escapeHtml(layout.summary)}</p>`,
    ...sections,
    list("Customers' identity recoveries", layout.identityRuns),
    list('What could not be read', layout.gaps),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
