// `/portfolios/<id>`: a portfolio as an admin reads it — its cap and where it came from, the numbers holding its slots,
// its queue in order, its last reconciliation and notes. Changing the cap or reconciling is an admin's command (the
// API or `numberflow portfolio`), said on the page.
import { capSourceText } from '../../../domain/portfolio.js';
import { plural } from '../../../domain/words.js';
import type { PortfolioView } from '../../../portfolios/portfolio.js';
import { stoppedText } from '../../../portfolios/stopped.js';
import { html, type Html } from '../html.js';
import { readable, time } from '../labels.js';
import { journeyPath } from '../paths.js';
import { layout, type PageContext } from './layout.js';

/** Holders and queued journeys listed at most; the counts say how many in all. */
export const PORTFOLIO_ROWS_SHOWN = 200;

export function portfolioPage(context: PageContext, view: PortfolioView): Html {
  const { portfolioId, cap, holders, queue } = view;
  const over =
    holders.length > cap
      ? html` — ${holders.length - cap} over the cap: nobody is let through until fewer than ${cap} hold one`
      : null;
  return layout(context, {
    title: `Portfolio ${portfolioId}`,
    body: html`<h1>Portfolio ${portfolioId}</h1>
      <dl>
        ${
          view.stopped
            ? html`<dt>Not running</dt>
                <dd>${stoppedText(view.stopped)}</dd>`
            : ''
        }
        <dt>Cap</dt>
        <dd>${plural(cap, 'registered number')}, ${capSourceText(view.capSource)}</dd>
        <dt>Holding slots</dt>
        <dd>${holders.length}${over}</dd>
        <dt>Queue</dt>
        <dd>
          ${queue.length}${view.readingMetaCount ? ' — nobody is let through until the numbers Meta counts are read' : ''}
        </dd>
        <dt>Last reconciled</dt>
        <dd>
          ${
            view.lastReconciliation
              ? html`${time(view.lastReconciliation.at)}: ${readable(view.lastReconciliation.found)}`
              : 'not yet (hourly)'
          }
        </dd>
      </dl>
      <p class="help">
        An admin sets the cap (<code>numberflow portfolio set-cap ${portfolioId} &lt;cap&gt; --reason …</code>, or
        <code>PUT /v1/portfolios/${portfolioId}/cap</code>) and asks for a reconciliation now (<code
          >numberflow portfolio reconcile ${portfolioId} --reason …</code
        >, or <code>POST /v1/portfolios/${portfolioId}/reconcile</code>).
      </p>
      <section aria-labelledby="holders">
        <h2 id="holders">Holding slots <span class="count">${holders.length}</span></h2>
        ${listed(
          holders.map(
            (h) =>
              html`<li>
                ${h.workflowId ? html`<a href="${journeyPath(h.e164)}">${h.e164}</a>` : h.e164}
                <span class="meta"
                  >${h.workflowId ? null : 'no journey: Meta counts it as registered · '}since ${time(h.since)}</span
                >
              </li>`,
          ),
          'No number holds a slot.',
        )}
      </section>
      <section aria-labelledby="queue">
        <h2 id="queue">Queue <span class="count">${queue.length}</span></h2>
        ${listed(
          queue.map(
            (q) =>
              html`<li>
                <a href="${journeyPath(q.e164)}">${q.e164}</a>
                <span class="meta"
                  >${
                    // The queue's order: when each journey started, not when it asked (since).
                    q.startedAt ? html`started ${time(q.startedAt)} · ` : null
                  }since
                  ${time(q.since)}</span
                >
              </li>`,
          ),
          'No journey waits for a slot.',
          true,
        )}
      </section>
      ${
        view.notes.length > 0
          ? html`<section aria-labelledby="notes">
              <h2 id="notes">Notes <span class="count">the latest ${Math.min(5, view.notes.length)}</span></h2>
              <ul>
                ${view.notes
                  .slice(-5)
                  .reverse()
                  .map((n) => html`<li>${time(n.at)} ${readable(n.what)}</li>`)}
              </ul>
            </section>`
          : null
      }`,
  });
}

/** The first PORTFOLIO_ROWS_SHOWN items, in order; `none` when there are none. */
function listed(items: Html[], none: string, ordered = false): Html {
  if (items.length === 0) return html`<p>${none}</p>`;
  const shown = items.slice(0, PORTFOLIO_ROWS_SHOWN);
  const more =
    items.length > shown.length ? html`<p>The first ${shown.length} of ${items.length} are listed.</p>` : null;
  return ordered
    ? html`<ol>
          ${shown}
        </ol>
        ${more}`
    : html`<ul class="journeys">
          ${shown}
        </ul>
        ${more}`;
}
