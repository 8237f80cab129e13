// A burst into one portfolio: journeys ask for slots by signal and are answered by signal, so hundreds at once
// stay inside the server's per-workflow limits, hold no worker slot while queued, and none fails.
import { describe, expect, it } from 'vitest';
import type { JourneyView } from '../../src/domain/journey.js';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { temporalNotAnswering } from '../../src/temporal/unanswered.js';
import { useBench } from '../support/bench.js';
import type { JourneyHandle } from '../support/harness.js';

const JOURNEYS = 500;
const CAP = 100;

describe('a burst of journeys into one portfolio (dev server + Graph sandbox)', () => {
  const t = useBench('dev', { cap: CAP, record: false });

  it(`takes ${JOURNEYS} journeys at once: each reaches AWAITING_OTP or a numbered place in the queue`, async () => {
    const portfolio = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
    const started = performance.now();
    let shutdownFrom = 0;
    const { views, queue } = await t.bench.run(async () => {
      const journeys: JourneyHandle[] = [];
      for (let i = 0; i < JOURNEYS; i += 50) {
        const batch = Array.from({ length: Math.min(50, JOURNEYS - i) }, () => t.bench.start(t.bench.input()));
        journeys.push(...(await Promise.all(batch)));
      }
      for (let i = 0; i < 1200; i++) {
        // A query the busy worker did not take in time is asked again: this only waits, the checks come after.
        const state = await portfolio.query(portfolioQuery).catch((err: unknown) => {
          if (temporalNotAnswering(err) === 'timed_out') return null;
          throw err;
        });
        if (state && state.holders.length === CAP && state.queue.length === JOURNEYS - CAP && state.outbox.length === 0)
          break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const settled = (v: JourneyView) =>
        v.stage === 'AWAITING_OTP' ||
        (v.stage === 'WAITING_FOR_CAPACITY' && /place \d+ in its queue/.test(v.waiting?.reason ?? ''));
      const all: JourneyView[] = [];
      for (const journey of journeys) all.push(await journey.until(settled, 'AWAITING_OTP or queued', 1200));
      const { queue } = await portfolio.query(portfolioQuery); // as it settled: nobody released since
      shutdownFrom = performance.now();
      return { views: all, queue };
    });
    const shutdownMs = performance.now() - shutdownFrom;
    const awaitingOtp = views.filter((v) => v.stage === 'AWAITING_OTP');
    const places = views
      .filter((v) => v.stage === 'WAITING_FOR_CAPACITY')
      .map((v) => Number(/place (\d+)/.exec(v.waiting?.reason ?? '')?.[1]))
      .sort((a, b) => a - b);
    console.log(
      `[burst] ${JOURNEYS} journeys settled in ${Math.round(shutdownFrom - started)} ms: ${awaitingOtp.length} awaiting a code, ` +
        `${places.length} queued; worker shut down in ${Math.round(shutdownMs)} ms`,
    );
    expect(awaitingOtp).toHaveLength(CAP);
    // Each was told its place when it asked; the queue is in the order the journeys started, so one that asked late
    // was told a place ahead of some told before it.
    expect(places).toHaveLength(JOURNEYS - CAP);
    expect(places.every((place) => place >= 1 && place <= JOURNEYS - CAP)).toBe(true);
    expect(new Set(queue.map((q) => q.e164)).size).toBe(JOURNEYS - CAP);
    const starts = queue.map((q) => q.startedAt ?? '');
    expect(starts).toEqual([...starts].sort());
    expect(views.filter((v) => v.result !== null)).toEqual([]);
    expect(shutdownMs).toBeLessThan(15_000); // the worker's grace period under load, with room for a busy box
    for (const { e164 } of views) {
      await t.env.client.workflow.getHandle(`number:${e164}`).terminate('test done');
    }
  }, 300_000);
});
