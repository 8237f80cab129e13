// A portfolio as its people see it and correct it, shared by the CLI's direct mode and the HTTP API: its cap and
// where that came from, the numbers holding slots, the queue in order; an admin's new cap or reconciliation now,
// noted with who and why.
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  capabilityUpdateSignal,
  DEFAULT_NUMBER_CAP,
  portfolioQuery,
  portfolioWorkflowId,
  reconcileSignal,
  type CapChange,
  type CapSource,
  type PortfolioState,
  type ReconcileRequest,
} from '../domain/portfolio.js';

/** The portfolio without its bookkeeping (outbox, released runs, reconcile period). */
export type PortfolioView = Pick<PortfolioState, 'cap' | 'holders' | 'queue' | 'admissions' | 'notes'> & {
  portfolioId: string;
  capSource: CapSource;
  /** When the last reconciliation ran and what it found; null before the first (or in runs from before). */
  lastReconciliation: { at: string; found: string } | null;
  /** Nobody is let through until the numbers Meta counts are read (a refusal at the cap found some unknown). */
  readingMetaCount: boolean;
  /** The cap's changes, oldest first (the latest 100; none kept by runs from before). */
  capChanges: CapChange[];
};

export class PortfolioNotFoundError extends Error {
  override readonly name = 'PortfolioNotFoundError';
  constructor(portfolioId: string) {
    super(`no portfolio ${portfolioId}`);
  }
}

/** How long a new cap is looked for in the portfolio before it is answered as sent. */
const CAP_SEEN_WITHIN_MS = 5_000;
/** How long a reconciliation asked for now is waited for: it reads Meta, WABA by WABA. */
const RECONCILED_WITHIN_MS = 10_000;

export async function readPortfolio(client: Client, portfolioId: string): Promise<PortfolioView> {
  try {
    const state = await client.workflow.getHandle(portfolioWorkflowId(portfolioId)).query(portfolioQuery);
    const { cap, capSource, holders, queue, admissions, notes } = state;
    return {
      portfolioId,
      cap,
      capSource: capSource ?? sourceUnknown(cap),
      holders,
      queue,
      admissions,
      notes,
      lastReconciliation: state.lastReconciliation ?? null,
      readingMetaCount: state.learning === true,
      capChanges: state.capChanges ?? [],
    };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new PortfolioNotFoundError(portfolioId);
    throw err;
  }
}

/**
 * Whether numberflow knows the portfolio: its workflow was ever started, or a journey was (an export of a window with
 * nothing in it is empty, one of a portfolio never seen is not found). The id is a numeric Graph id.
 */
export async function portfolioKnown(client: Client, portfolioId: string): Promise<boolean> {
  const described = await client.workflow
    .getHandle(portfolioWorkflowId(portfolioId))
    .describe()
    .then(
      () => true,
      (err: unknown) => (err instanceof WorkflowNotFoundError ? false : Promise.reject(err)),
    );
  if (described) return true;
  const { count } = await client.workflow.count(`PortfolioId = '${portfolioId}'`);
  return count > 0;
}

/**
 * Sends an admin's cap to the running portfolio and looks for it among the cap's changes briefly (the signal is taken
 * on the portfolio's next workflow task): `taken` false when it had not shown yet. Taken, it may have been replaced at
 * once by another admin's (two at the same moment): `replacedBy` (below) says so; the cap shown is the other's.
 */
export async function setPortfolioCap(
  client: Client,
  portfolioId: string,
  change: { cap: number; actor: string; reason: string },
): Promise<{ view: PortfolioView; taken: boolean }> {
  const { cap, actor, reason } = change;
  const { view, seen } = await sendAndLook(client, portfolioId, {
    lastSeen: (before) => before.capChanges.at(-1),
    send: (handle) => handle.signal(capabilityUpdateSignal, { maxPhoneNumbers: cap, source: 'admin', actor, reason }),
    shows: (after, lastBefore) =>
      changesSince(after.capChanges, lastBefore).some(
        (c) => c.cap === cap && c.source === 'admin' && c.actor === actor && c.reason === reason,
      ),
    withinMs: CAP_SEEN_WITHIN_MS,
  });
  return { view, taken: seen };
}

/**
 * Asks the running portfolio for a reconciliation now (an admin's, noted with who and why) and waits briefly for it
 * to end: `reconciled` false when it had not (Meta slow or away: the portfolio goes on retrying, and says so).
 */
export async function reconcilePortfolio(
  client: Client,
  portfolioId: string,
  request: ReconcileRequest,
): Promise<{ view: PortfolioView; reconciled: boolean }> {
  const { view, seen } = await sendAndLook(client, portfolioId, {
    lastSeen: (before) => before.lastReconciliation?.at,
    send: (handle) => handle.signal(reconcileSignal, request),
    shows: (after, lastBefore) => after.lastReconciliation !== null && after.lastReconciliation.at !== lastBefore,
    withinMs: RECONCILED_WITHIN_MS,
  });
  return { view, reconciled: seen };
}

/**
 * Sends a signal to the running portfolio and reads it until it shows the signal's effect or `withinMs` passed. What
 * it showed before is read first; a portfolio that cannot be read then (no worker) is still sent the signal.
 */
async function sendAndLook<T>(
  client: Client,
  portfolioId: string,
  look: {
    lastSeen: (before: PortfolioView) => T | undefined;
    send: (handle: WorkflowHandle) => Promise<void>;
    shows: (after: PortfolioView, lastSeen: T | undefined) => boolean;
    withinMs: number;
  },
): Promise<{ view: PortfolioView; seen: boolean }> {
  const handle = client.workflow.getHandle(portfolioWorkflowId(portfolioId));
  const running = await handle.describe().then(
    (d) => d.status.name === 'RUNNING',
    () => false,
  );
  if (!running) throw new PortfolioNotFoundError(portfolioId);
  const lastSeen = await readPortfolio(client, portfolioId).then(look.lastSeen, () => undefined);
  await look.send(handle);
  const deadline = Date.now() + look.withinMs;
  for (;;) {
    const view = await readPortfolio(client, portfolioId);
    const seen = look.shows(view, lastSeen);
    if (seen || Date.now() > deadline) return { view, seen };
    await delay(100);
  }
}

/** The changes after `last` (all of them when it is no longer kept, or there was none). */
function changesSince(changes: CapChange[], last: CapChange | undefined): CapChange[] {
  if (!last) return changes;
  const same = (c: CapChange) =>
    c.at === last.at && c.cap === last.cap && c.source === last.source && c.reason === last.reason;
  const index = changes.findLastIndex(same);
  return index < 0 ? changes : changes.slice(index + 1);
}

/** A portfolio run from before the source was kept: its cap is Meta's default, or came from somewhere unknown. */
function sourceUnknown(cap: number): CapSource {
  return { source: cap === DEFAULT_NUMBER_CAP ? 'default' : 'unknown', at: null, actor: null, reason: null };
}
