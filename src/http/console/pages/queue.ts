// `/`: the journeys waiting on a person, grouped per portfolio, oldest first, with a filter by stage and portfolio.
import { awaitingInputStages, type JourneyListing } from '../../../journeys/index.js';
import { html, type Html } from '../html.js';
import { stageLabels, time } from '../labels.js';
import { journeyPath, portfolioPath } from '../paths.js';
import { layout, type PageContext } from './layout.js';

export type AwaitingStage = (typeof awaitingInputStages)[number];

export interface QueueFilter {
  stage?: AwaitingStage;
  portfolio?: string;
}

export interface PortfolioGroup {
  portfolioId: string;
  journeys: JourneyListing[];
}

/** A filter the page refused: its problem, and the portfolio as typed (to be corrected in place). */
export interface RefusedFilter {
  problem: string;
  portfolio: string;
  /** Whether the problem is the portfolio's (its field is marked). */
  portfolioInvalid: boolean;
}

export function queuePage(
  context: PageContext,
  groups: PortfolioGroup[],
  filter: QueueFilter,
  /** How many wait in all (more than are listed, past QUEUE_LIMIT); null: as many as are listed. */
  total: number | null,
  refused: RefusedFilter | null = null,
  /** The journeys waiting for an admin in no stage of their own, and how many in all; null when not listed. */
  adminWaits: { journeys: JourneyListing[]; waiting: number } | null = null,
) {
  const count = groups.reduce((n, g) => n + g.journeys.length, 0);
  const waiting = Math.max(total ?? count, count);
  const beyond =
    waiting > count ? ` The ${count} waiting longest are listed: filter by portfolio or stage for the others.` : null;
  return layout(context, {
    title: refused ? 'refused · Awaiting input' : 'Awaiting input',
    body: html`<h1>Journeys awaiting input</h1>
      ${
        refused
          ? // Focused on arrival, as a problem page's message: an alert already in the page is not said reliably.
            html`<p id="outcome" class="outcome refused" role="alert" tabindex="-1" autofocus>
              <strong>refused:</strong> ${refused.problem}
            </p>`
          : null
      }
      ${adminWaits && adminWaits.journeys.length > 0 ? adminSection(adminWaits.journeys, adminWaits.waiting) : null}
      ${filterForm(filter, refused)}
      <p aria-live="polite">
        ${
          refused
            ? 'Nothing was listed: correct the filter above.'
            : count === 0
              ? adminWaits && adminWaits.waiting > 0
                ? 'No journey is waiting for a code, a PIN or a new name.'
                : 'No journey is waiting for a person.'
              : `${waiting} waiting, oldest first.`
        }
        ${beyond}
        <a href="${filterUrl(filter)}">Refresh</a>
      </p>
      ${groups.map(group)}`,
  });
}

/** What each wait asks of an admin, in a few words. */
const adminWaitWords: Record<string, string> = {
  token: 'a working Meta token for the WABA (Embedded Signup again, or numberflow token set in direct mode)',
  deletion: 'the number deleted in WhatsApp Manager, then confirmed',
  removal: "Meta's block of the removal resolved, then the removal asked again",
};

/** The journeys waiting for an admin (a token, a deletion, a blocked removal), longest waiting first. */
function adminSection(journeys: JourneyListing[], waiting: number): Html {
  const beyond =
    waiting > journeys.length ? html` <span class="count">(the ${journeys.length} waiting longest)</span>` : null;
  return html`<section aria-labelledby="admin-waits">
    <h2 id="admin-waits">Waiting for an admin <span class="count">${waiting} waiting</span>${beyond}</h2>
    <ul class="journeys">
      ${journeys.map(
        (journey) =>
          html`<li>
            <a href="${journeyPath(journey.e164 ?? '')}"><span class="e164">${journey.e164}</span></a>
            <span class="meta"
              >${adminWaitWords[journey.waitingOn ?? ''] ?? journey.waitingOn} · since
              ${time(journey.waitingSince ?? journey.startedAt)} · portfolio ${journey.portfolioId}</span
            >
          </li>`,
      )}
    </ul>
  </section>`;
}

function filterForm(filter: QueueFilter, refused: RefusedFilter | null): Html {
  const option = (value: string, label: string) =>
    html`<option value="${value}" ${filter.stage === value ? html` selected` : null}>${label}</option>`;
  return html`<form method="get" action="/" class="filter" role="search" aria-label="Filter the journeys">
    <div>
      <label for="stage">Stage</label>
      <select id="stage" name="stage">
        ${option('', 'any')}${awaitingInputStages.map((s) => option(s, stageLabels[s]))}
      </select>
    </div>
    <div>
      <label for="portfolio">Portfolio</label>
      <input
        id="portfolio"
        name="portfolio"
        inputmode="numeric"
        pattern="[0-9]*"
        title="digits only: a portfolio's Graph id"
        maxlength="32"
        value="${refused ? refused.portfolio : (filter.portfolio ?? '')}"
        placeholder="any"
        ${refused?.portfolioInvalid ? html` aria-invalid="true" aria-describedby="outcome"` : null}
      />
    </div>
    <div class="buttons"><button type="submit">Filter</button> <a href="/">Clear</a></div>
  </form>`;
}

function group({ portfolioId, journeys }: PortfolioGroup): Html {
  const id = `portfolio-${portfolioId}`;
  return html`<section aria-labelledby="${id}">
    <h2 id="${id}">
      Portfolio <a href="${filterUrl({ portfolio: portfolioId })}">${portfolioId}</a>
      <span class="count"
        >${journeys.length} waiting · <a href="${portfolioPath(portfolioId)}">its cap and queue</a></span
      >
    </h2>
    <ul class="journeys">
      ${journeys.map(item)}
    </ul>
  </section>`;
}

function item(journey: JourneyListing): Html {
  const stage = journey.stage as AwaitingStage;
  return html`<li>
    <a href="${journeyPath(journey.e164 ?? '')}"
      ><span class="e164">${journey.e164}</span>
      <span class="stage stage-${stage}">${stageLabels[stage] ?? stage}</span></a
    >
    <span class="meta">started ${time(journey.startedAt)} · WABA ${journey.wabaId}</span>
  </li>`;
}

function filterUrl(filter: QueueFilter): string {
  const query = new URLSearchParams();
  if (filter.stage) query.set('stage', filter.stage);
  if (filter.portfolio) query.set('portfolio', filter.portfolio);
  const text = query.toString();
  return text ? `/?${text}` : '/';
}
