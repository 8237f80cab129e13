// `/journeys/:e164/timeline`: the auditor's timeline of a number across its runs in the console's layout — a table
// per run with the same cells as the Markdown and the printable page, what could not be read, and the timeline as a
// file to save. On a desktop the page is wider than the others, so every column is in view; printing leaves out
// the console's controls (the print rules of console.css).
import { cellHeadings, layoutOf, type Timeline } from '../../../audit/index.js';
import { html, type Html } from '../html.js';
import { journeyPath, timelinePath } from '../paths.js';
import { layout, type PageContext } from './layout.js';

function listSection(id: string, heading: string, items: string[]): Html | null {
  return items.length > 0
    ? html`<section aria-labelledby="${id}">
        <h2 id="${id}">${heading}</h2>
        <ul>
          ${items.map((item) => html`<li>${item}</li>`)}
        </ul>
      </section>`
    : null;
}

export function timelinePage(context: PageContext, timeline: Timeline): Html {
  const { title, summary, runs, identityRuns, gaps } = layoutOf(timeline);
  const { e164 } = timeline;
  return layout(context, {
    title,
    wide: true,
    body: html`<h1>${title}</h1>
      <p class="links">
        <a href="${journeyPath(e164)}">The journey now</a> · Download the timeline as
        <a href="${timelinePath(e164, 'json')}" download>JSON</a> or
        <a href="${timelinePath(e164, 'markdown')}" download>Markdown</a>
      </p>
      <p>${summary}</p>
      ${runs.map(
        (run, index) =>
          html`<section aria-labelledby="run-${index + 1}">
            <h2 id="run-${index + 1}">${run.title}</h2>
            <div class="table-scroll" role="region" aria-label="Run ${index + 1}'s entries" tabindex="0">
              <table class="timeline">
                <caption class="visually-hidden">
                  Run ${index + 1}'s entries, oldest first
                </caption>
                <thead>
                  <tr>
                    ${cellHeadings.map((heading) => html`<th scope="col">${heading}</th>`)}
                  </tr>
                </thead>
                <tbody>
                  ${run.rows.map(
                    (cells) =>
                      html`<tr>
                        ${cells.map((cell, column) => html`<td data-label="${cellHeadings[column]}">${cell}</td>`)}
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>
          </section>`,
      )}
      ${listSection('identity-runs', "Customers' identity recoveries", identityRuns)}
      ${listSection('gaps', 'What could not be read', gaps)}`,
  });
}
