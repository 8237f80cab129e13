// A portfolio as its people see it and correct it, shared by the CLI's direct mode and the HTTP API: its cap and
// where that came from, the numbers holding slots, the queue in order; an admin's new cap or reconciliation now,
// noted with who and why.
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  capabilityUpdateSignal,
  DEFAULT_NUMBER_CAP,
  portfolioQuery,
  portfolioWorkflowId,
  RECONCILED_WITHIN_MS,
  reconcileSignal,
  type CapChange,
  type CapSource,
  type PortfolioState,
  type ReconcileRequest,
} from '../domain/portfolio.js';
import { stoppedText, type Stopped } from './stopped.js';

/** The portfolio without its bookkeeping (outbox, released runs, reconcile period). */
export type PortfolioView = Pick<PortfolioState, 'cap' | 'holders' | 'queue' | 'admissions' | 'notes'> & {
  portfolioId: string;
  capSource: CapSource;
  /** When the last reconciliation ran, what it found, whether it failed; null before the first (or in older runs). */
  lastReconciliation: { at: string; found: string; failed: boolean } | null;
  /** Nobody is let through until the numbers Meta counts are read (a refusal at the cap found some unknown). */
  readingMetaCount: boolean;
  /** The cap's changes, oldest first (the latest 100; none kept by runs from before). */
  capChanges: CapChange[];
  /** Its workflow ended outside numberflow (terminated by hand, say): how and when; null while it runs. */
  stopped: Stopped | null;
};

export class PortfolioNotFoundError extends Error {
  override readonly name = 'PortfolioNotFoundError';
  constructor(portfolioId: string) {
    super(`no portfolio ${portfolioId}`);
  }
}

/** A cap or a reconciliation asked of a portfolio whose workflow ended outside numberflow: nothing runs to take it. */
export class PortfolioStoppedError extends Error {
  override readonly name = 'PortfolioStoppedError';
  constructor(portfolioId: string, stopped: Stopped) {
    super(`portfolio ${portfolioId}: ${stoppedText(stopped, 'asked')}`);
  }
}

/** How long a new cap is looked for in the portfolio before it is answered as sent. */
const CAP_SEEN_WITHIN_MS = 5_000;

export async function readPortfolio(client: Client, portfolioId: string): Promise<PortfolioView> {
  const [state, run] = await Promise.all([readState(client, portfolioId), runOf(client, portfolioId)]);
  return { ...viewOf(portfolioId, state), stopped: run === 'running' || run === 'never started' ? null : run };
}

/** Whether its workflow runs, was never started, or how and when it ended. */
async function runOf(client: Client, portfolioId: string): Promise<'running' | 'never started' | Stopped> {
  return client.workflow
    .getHandle(portfolioWorkflowId(portfolioId))
    .describe()
    .then(
      ({ status, closeTime }) =>
        status.name === 'RUNNING' ? 'running' : { status: status.name, at: closeTime?.toISOString() ?? null },
      (err: unknown) => (err instanceof WorkflowNotFoundError ? 'never started' : Promise.reject(err)),
    );
}

async function readState(client: Client, portfolioId: string, deadline?: number): Promise<PortfolioState> {
  const query = () => client.workflow.getHandle(portfolioWorkflowId(portfolioId)).query(portfolioQuery);
  try {
    return await (deadline === undefined ? query() : client.withDeadline(deadline, query));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new PortfolioNotFoundError(portfolioId);
    throw err;
  }
}

function viewOf(portfolioId: string, state: PortfolioState): PortfolioView {
  const { cap, capSource, holders, queue, admissions, notes, lastReconciliation } = state;
  return {
    portfolioId,
    cap,
    capSource: capSource ?? sourceUnknown(cap),
    holders,
    queue,
    admissions,
    notes,
    lastReconciliation: lastReconciliation
      ? { at: lastReconciliation.at, found: lastReconciliation.found, failed: lastReconciliation.failed === true }
      : null,
    readingMetaCount: state.learning === true,
    capChanges: state.capChanges ?? [],
    stopped: null,
  };
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
  const ours = (c: CapChange) => c.cap === cap && c.source === 'admin' && c.actor === actor && c.reason === reason;
  // Where to look from; a portfolio that cannot be read now (no worker) is still sent the cap, and looked at whole.
  const lastBefore = await readState(client, portfolioId).then(
    (state) => state.capChanges?.at(-1),
    () => undefined,
  );
  const { view, shown } = await signalUntilShown(client, portfolioId, CAP_SEEN_WITHIN_MS, {
    send: (handle) => handle.signal(capabilityUpdateSignal, { maxPhoneNumbers: cap, source: 'admin', actor, reason }),
    shows: (state) => changesSince(state.capChanges ?? [], lastBefore).some(ours),
  });
  return { view, taken: shown };
}

/**
 * Asks the running portfolio for a reconciliation now (an admin's, noted with who and why) and waits briefly for the
 * one that begins after the ask to end — not one under way already, which it names not. `reconciled` false when it
 * had not (Meta slow or away: the portfolio retries it for up to 15 minutes, then notes it failed).
 */
export async function reconcilePortfolio(
  client: Client,
  portfolioId: string,
  request: { actor: string; reason: string },
): Promise<{ view: PortfolioView; reconciled: boolean }> {
  const ask: ReconcileRequest = { ...request, id: randomUUID() };
  const { view, shown } = await signalUntilShown(client, portfolioId, RECONCILED_WITHIN_MS, {
    send: (handle) => handle.signal(reconcileSignal, ask),
    shows: (state) => state.lastReconciliation?.asks?.includes(ask.id as string) === true,
  });
  return { view, reconciled: shown };
}

/**
 * Signals the running portfolio, then reads it until it shows the signal's effect or `withinMs` passed (each read
 * bounded by what is left of it, a second at least: a portfolio whose worker is away fails the read, not the wait).
 */
async function signalUntilShown(
  client: Client,
  portfolioId: string,
  withinMs: number,
  look: { send: (handle: WorkflowHandle) => Promise<void>; shows: (state: PortfolioState) => boolean },
): Promise<{ view: PortfolioView; shown: boolean }> {
  const handle = client.workflow.getHandle(portfolioWorkflowId(portfolioId));
  const run = await runOf(client, portfolioId);
  if (run === 'never started') throw new PortfolioNotFoundError(portfolioId);
  if (run !== 'running') throw new PortfolioStoppedError(portfolioId, run);
  await look.send(handle);
  const deadline = Date.now() + withinMs;
  for (;;) {
    const state = await readState(client, portfolioId, Math.max(deadline, Date.now() + 1_000));
    const shown = look.shows(state);
    if (shown || Date.now() > deadline) return { view: viewOf(portfolioId, state), shown };
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
