// Journeys by stage and people's waits by age, counted in Temporal's visibility store when Prometheus scrapes
// (cached a few seconds, so many scrapers cost one round of counts). A stage's wait's age is the journey's age — how
// long since its run started — because visibility keeps no time of the last stage change: a wait is at most that old.
// A person's wait no stage names (an admin's token, deletion, removal) is aged from when it began (WaitingSince).
import type { Client } from '@temporalio/client';
import pLimit from 'p-limit';
import { Gauge, type LabelValues, type Registry } from 'prom-client';
import { personWaits, WaitingOn, WaitingSince, type PersonWait } from '../domain/search-attributes.js';
import { journeyStages, personInputStages, type JourneyStage } from '../domain/stages.js';
import { within } from '../within.js';
import { listedRuns } from '../temporal/listed-runs.js';

/** The stages where a journey waits for a person: the code, the old PIN, a new display name. */
export const HUMAN_WAIT_STAGES = personInputStages;

/** A round under way this many times a scrape's wait is given up on: the next scrape starts another. */
const ROUND_GIVEN_UP_AFTER = 6;

/**
 * Visibility requests of a round asked at once: a round is 27 counts and a listing, and a self-hosted frontend allows
 * 10 visibility requests a second by default, which the webhooks' routing and the API's starts share.
 */
const COUNTS_IN_FLIGHT = 4;

/** The journeys a round lists for a person's waits: a page each request, and at most so many. */
const PERSON_WAITS_PAGE = 1_000;
const PERSON_WAITS_LISTED = 10_000;

/**
 * Cumulative age buckets: journeys of the stage started more than this long ago, or whose wait no stage names began
 * that long ago ('0s': all of them).
 */
export const WAIT_AGES = { '0s': 0, '15m': 15 * 60_000, '1h': 3_600_000, '1d': 86_400_000, '3d': 3 * 86_400_000 };

export interface JourneyGaugeOptions {
  client: Client;
  registry: Registry;
  /** How long one round of counts answers scrapes (default 10 s). */
  cacheMs?: number;
  /** Told when visibility cannot be counted; the gauges are then left out of the scrape. */
  onError?: (err: unknown) => void;
  /** Told when a scrape has its counts. */
  onCounted?: () => void;
  /** Counts only the journeys of this portfolio (a service, or a test, that answers for one); all by default. */
  portfolioId?: string;
  /** How long a scrape waits for a round of counts (default 5 s). */
  countWithinMs?: number;
}

interface Counts {
  byStage: Map<JourneyStage, number>;
  waits: { stage: string; olderThan: string; count: number }[];
  /** A person's waits no stage names (WaitingOn), aged from when each began (WaitingSince). */
  personWaits: { waitingOn: string; olderThan: string; count: number }[];
}

export function registerJourneyGauges({
  client,
  registry,
  cacheMs = 10_000,
  onError,
  onCounted,
  portfolioId,
  countWithinMs = 5_000,
}: JourneyGaugeOptions): void {
  if (portfolioId !== undefined && !/^\d+$/.test(portfolioId))
    throw new Error('the portfolio id must be a numeric Graph id');
  const ofPortfolio = portfolioId === undefined ? '' : ` AND PortfolioId = '${portfolioId}'`;
  const journeysRunning = (and: string) =>
    `WorkflowType = 'numberJourney' AND ExecutionStatus = 'Running' AND ${and}${ofPortfolio}`;
  const running = (stage: string) => journeysRunning(`NumberStage = '${stage}'`);
  const waitingOnAny = journeysRunning(`WaitingOn IN (${personWaits.map((kind) => `'${kind}'`).join(', ')})`);

  /**
   * A person's waits no stage names, bucketed here from one listing (a page of journeys a request, few in the usual
   * case) rather than a count per kind and age: visibility requests are rate-limited, and the routing shares them.
   */
  async function personWaitsAt(now: number): Promise<Counts['personWaits']> {
    const counted = new Map(personWaits.map((kind) => [kind, Object.keys(WAIT_AGES).map(() => 0)]));
    let listed = 0;
    for await (const journey of listedRuns(client, waitingOnAny, PERSON_WAITS_PAGE)) {
      const buckets = counted.get(journey.attribute(WaitingOn) as PersonWait);
      const since = Date.parse(journey.attribute(WaitingSince) ?? '') || now;
      Object.values(WAIT_AGES).forEach((ms, i) => {
        if (buckets && (ms === 0 || since < now - ms)) buckets[i] = (buckets[i] ?? 0) + 1;
      });
      if (++listed >= PERSON_WAITS_LISTED) break; // bounded: a fleet with more waits for an admin has a bigger problem
    }
    return [...counted].flatMap(([waitingOn, buckets]) =>
      Object.keys(WAIT_AGES).map((olderThan, i) => ({ waitingOn, olderThan, count: buckets[i] ?? 0 })),
    );
  }

  async function countAll(): Promise<Counts> {
    // A few at a time, each round its own: a round that never ends holds up none after it.
    const asking = pLimit(COUNTS_IN_FLIGHT);
    const count = (query: string) => asking(async () => (await client.workflow.count(query)).count);
    const now = Date.now();
    const [stages, waits, personWaitCounts] = await Promise.all([
      Promise.all(journeyStages.map(async (stage) => [stage, await count(running(stage))] as const)),
      Promise.all(
        HUMAN_WAIT_STAGES.flatMap((stage) =>
          Object.entries(WAIT_AGES)
            .filter(([, ms]) => ms > 0) // '0s' is the stage's count
            .map(async ([olderThan, ms]) => ({
              stage,
              olderThan,
              count: await count(`${running(stage)} AND StartTime < '${new Date(now - ms).toISOString()}'`),
            })),
        ),
      ),
      asking(() => personWaitsAt(now)),
    ]);
    const byStage = new Map(stages);
    const all = HUMAN_WAIT_STAGES.map((stage) => ({ stage, olderThan: '0s', count: byStage.get(stage) ?? 0 }));
    return { byStage, waits: [...all, ...waits], personWaits: personWaitCounts };
  }

  // The last round that finished (late ones too), and the round under way: one at a time, so that a slow visibility
  // store is not asked again and again. A scrape takes a fresh last round, else waits a bounded time for the one under
  // way: a Temporal that does not answer leaves these gauges out, not the whole scrape hanging until it answers.
  let last: { at: number; counts: Counts } | undefined;
  let underWay: { since: number; counts: Promise<Counts> } | undefined;
  const current = (): Promise<Counts> => {
    if (last && Date.now() - last.at < cacheMs) return Promise.resolve(last.counts);
    // A round that never ends (a call without a deadline to a Temporal that hangs) gives way to a new one.
    if (!underWay || Date.now() - underWay.since > ROUND_GIVEN_UP_AFTER * countWithinMs) {
      const round = countAll().then((counts) => ((last = { at: Date.now(), counts }), counts));
      const mine = { since: Date.now(), counts: round };
      mine.counts = round.finally(() => {
        if (underWay === mine) underWay = undefined;
      });
      mine.counts.catch(() => undefined); // a failed round is reported by the scrape that waits for it
      underWay = mine;
    }
    return within(underWay.counts, countWithinMs, `visibility not counted within ${countWithinMs} ms`);
  };

  new Gauge({
    name: 'numberflow_journeys',
    help: 'Running journeys by stage (from visibility)',
    labelNames: ['stage'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await current().then(
        (counted) => (onCounted?.(), counted),
        (err: unknown) => void onError?.(err),
      );
      for (const [stage, n] of counts?.byStage ?? []) this.set({ stage }, n);
    },
  });
  /** A gauge of a round's counts, a row each (its labels and count); a failed round is said by numberflow_journeys. */
  const roundGauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    rows: (counts: Counts) => [LabelValues<L>, number][],
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const counts = await current().catch(() => undefined);
        for (const [labels, n] of counts ? rows(counts) : []) this.set(labels, n);
      },
    });
  roundGauge(
    'numberflow_human_waits',
    'Journeys waiting for a person, by stage and how long ago the journey started (cumulative)',
    ['stage', 'older_than'],
    ({ waits }) => waits.map(({ stage, olderThan, count }) => [{ stage, older_than: olderThan }, count]),
  );
  roundGauge(
    'numberflow_person_waits',
    "Journeys waiting for a person outside the AWAITING_ stages (an admin's token, deletion or removal), by what and how long ago the wait began (cumulative)",
    ['waiting_on', 'older_than'],
    ({ personWaits: rows }) =>
      rows.map(({ waitingOn: on, olderThan, count }) => [{ waiting_on: on, older_than: olderThan }, count]),
  );
}
