// The journey's and the portfolio's ways to each other, through our own cluster: a slot request sent to
// `portfolio:<id>` by update or signal (started on first use, seeded with the numbers Meta already shows registered), the
// reconciliation of the portfolio's holders with the journeys, and a journey run's request for its own cancel.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure, log } from '@temporalio/activity';
import pLimit from 'p-limit';
import {
  acquireSlotUpdate,
  capOfVerification,
  portfolioWorkflowId,
  requestSlotSignal,
  slotAnswerSignal,
  WABA_ELSEWHERE_TYPE,
  wabaElsewhereText,
  type WabaElsewhere,
  type PortfolioInput,
  type ReconcileReport,
  type OwnerUnread,
  type SlotAnswer,
  type SlotRequest,
} from '../domain/portfolio.js';
import { journeyWorkflowId } from '../domain/journey.js';
import { PortfolioId, WabaId } from '../domain/search-attributes.js';
import type { GraphClient } from '../graph/client.js';
import type { portfolio } from '../workflows/portfolio.js';
import { graphCall } from './failures.js';
import { countedByMeta, countedNumbers, numberStatuses, registeredNumbers } from './graph-activities.js';
import { within } from '../within.js';
import { turnsPerKey } from './turns.js';

/** How a journey's slot request goes by update: see `askForSlot`. */
export interface SlotAskLimits {
  /**
   * How long the request may wait for the portfolio's answer, its turn included: the journey's workflow task waits on
   * it (a local activity), so a portfolio slow under a burst is asked by signal instead.
   */
  answerWithinMs: number;
  /**
   * Updates this process keeps in flight to one portfolio. Under a burst of asks to one portfolio the server loses
   * the speculative workflow tasks that carry them and aborts the updates ("workflow update was aborted"), each then
   * asked again by signal: the work done twice. Asks beyond this wait their turn, within the same window.
   */
  inFlightPerPortfolio: number;
  /**
   * An update whose turn leaves less of the window than this is not sent: the portfolio could take it just as the
   * ask gives up and goes by signal, the work done twice again.
   */
  minLeftMs: number;
}

const slotAskLimits: Readonly<SlotAskLimits> = { answerWithinMs: 1_000, inFlightPerPortfolio: 4, minLeftMs: 250 };

export interface PortfolioActivityDeps {
  temporal: Client;
  taskQueue: string;
  /** Where a portfolio this worker starts runs (src/config.ts portfolioTaskQueue); the journeys' queue if not given. */
  portfolioTaskQueue?: string;
  graph: GraphClient;
  /** Tests only: other limits than numberflow's (`slotAskLimits`). */
  slotAsks?: SlotAskLimits;
}

/**
 * A new portfolio's cap from its business's verification status, where the Graph API reports it (verified: 20,
 * else 2); Meta's default when it does not say, or refuses the field.
 */
async function capOfBusiness(graph: GraphClient, wabaId: string): Promise<Pick<PortfolioInput, 'cap' | 'capSource'>> {
  try {
    const { status } = await graphCall(() => graph.getBusinessVerification(wabaId));
    return status === null ? {} : { cap: capOfVerification(status), capSource: 'business_verification' };
  } catch (err) {
    if (err instanceof ApplicationFailure && err.nonRetryable) return {}; // a permanent refusal: the default stands
    throw err;
  }
}

/** How long a WABA's owner read from Meta stands in this process: a WABA changes owner only by a migration. */
const OWNER_KNOWN_MS = 10 * 60_000;
/**
 * How long the first request waits for the owner inside the journey's task; past it the requestSlot activity asks
 * (the read goes on, and fills the cache for it).
 */
const OWNER_IN_TASK_MS = 2_500;

/**
 * Which portfolio owns each WABA at Meta, read once per OWNER_KNOWN_MS (a burst pays one Graph call): a slot
 * request whose WABA another portfolio owns is refused, for its journey would count against the wrong cap, queue
 * behind the wrong journeys, and be seen by another portfolio's principals.
 */
function wabaOwners(graph: GraphClient, now: () => number = Date.now) {
  // The Graph call alone is shared: each caller waits on it in its own activity (its heartbeat, its cancel).
  const known = new Map<string, { owner: Promise<string>; at: number }>();
  const ownerOf = (wabaId: string): Promise<string> => {
    const hit = known.get(wabaId);
    if (hit && now() - hit.at < OWNER_KNOWN_MS) return hit.owner;
    const owner = graph.getWabaOwner(wabaId).then((o) => o.portfolioId);
    known.set(wabaId, { owner, at: now() });
    owner.catch(() => {
      if (known.get(wabaId)?.owner === owner) known.delete(wabaId); // a failed read is not kept
    });
    return owner;
  };
  /** The refusal of a request whose WABA another portfolio owns; null when it is the request's own. */
  return async (portfolioId: string, wabaId: string): Promise<WabaElsewhere | null> => {
    if (!wabaId) return null; // a request of the first version names no WABA
    const owner = await graphCall(() => ownerOf(wabaId));
    if (owner === portfolioId) return null;
    ownerToAdmins(wabaId, portfolioId, owner);
    return { wabaId, portfolioId };
  };
}

/**
 * The owner, which the journey never holds (its history is decoded for any reader of its portfolio, and the owner may
 * be another customer's), in the worker's log at warn: its readers are admins, and a refused journey is theirs to act
 * on. Outside an activity (a test calling it directly) there is no activity log to write to.
 */
function ownerToAdmins(wabaId: string, portfolioId: string, owner: string): void {
  warn(`WABA ${wabaId} belongs to business portfolio ${owner} at Meta, not ${portfolioId}: its journey is refused`, {
    wabaId,
    portfolioId,
    owner,
  });
}

/** The activity's log at warn; outside an activity (a test calling it directly) there is none to write to. */
function warn(message: string, attributes: Record<string, unknown>): void {
  try {
    log.warn(message, attributes);
  } catch {
    // not in an activity
  }
}

function refusal(elsewhere: WabaElsewhere): ApplicationFailure {
  return ApplicationFailure.create({
    type: WABA_ELSEWHERE_TYPE,
    nonRetryable: true,
    message: wabaElsewhereText(elsewhere),
    details: [elsewhere],
  });
}

/** How many of Temporal's describes a reconciliation has under way at once. */
const RECONCILE_ASKS_IN_FLIGHT = 16;

export function createPortfolioActivities(deps: PortfolioActivityDeps) {
  const { temporal, taskQueue, portfolioTaskQueue, graph, slotAsks = slotAskLimits } = deps;
  const turns = turnsPerKey(slotAsks.inFlightPerPortfolio, slotAsks.minLeftMs);
  const elsewhereOf = wabaOwners(graph);
  const isRunning = (workflowId: string) =>
    temporal.workflow
      .getHandle(workflowId)
      .describe()
      .then(
        (d) => d.status.name === 'RUNNING',
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      );

  /**
   * The number's running journey in `portfolioId`, if one runs (its run, to be told apart from a later one; its WABA).
   * One of another portfolio (the number moved since) is not this slot's.
   */
  const runningJourneyOf = (e164: string, portfolioId: string) =>
    temporal.workflow
      .getHandle(journeyWorkflowId(e164))
      .describe()
      .then(
        (d) => {
          const attributes = d.typedSearchAttributes;
          if (d.status.name !== 'RUNNING' || attributes.get(PortfolioId) !== portfolioId) return null;
          return { workflowId: d.workflowId, runId: d.runId, wabaId: attributes.get(WabaId) ?? null };
        },
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return null;
          throw err;
        },
      );

  /**
   * Refuses (WABA_ELSEWHERE_TYPE) a journey whose WABA another portfolio owns at Meta: asked by every slot request,
   * and by an adopted number's read (activities/index.ts) before anything of the number is read with the WABA's token.
   * Meta not answering the owner's read fails it as any Graph call, for the journey to wait.
   */
  async function checkWabaOwner({ portfolioId, wabaId }: { portfolioId: string; wabaId: string }): Promise<void> {
    const elsewhere = await elsewhereOf(portfolioId, wabaId);
    if (elsewhere) throw refusal(elsewhere);
  }

  /** Signals the request; the portfolio answers the journey by signal. Returns at once: no slot is held here. */
  async function requestSlot(slot: { portfolioId: string; request: SlotRequest }): Promise<void> {
    await checkWabaOwner({ portfolioId: slot.portfolioId, wabaId: slot.request.wabaId });
    await signalSlotRequest(slot);
  }

  /** `seed`: the new portfolio's start, when the caller read it already (one read of Meta per ask). */
  async function signalSlotRequest(
    { portfolioId, request }: { portfolioId: string; request: SlotRequest },
    seed?: PortfolioInput,
  ) {
    const workflowId = portfolioWorkflowId(portfolioId);
    if (await isRunning(workflowId)) {
      await temporal.workflow.getHandle(workflowId).signal(requestSlotSignal, request);
      return;
    }
    // Another journey may have started it meanwhile: then this only signals it.
    await temporal.workflow.signalWithStart<typeof portfolio, [SlotRequest]>('portfolio', {
      taskQueue: portfolioTaskQueue ?? taskQueue,
      workflowId,
      args: [seed ?? (await newPortfolio(portfolioId, request.wabaId))],
      signal: requestSlotSignal,
      signalArgs: [request],
    });
  }

  /** A portfolio's start: the numbers Meta already shows registered on the WABA, and its business's cap. */
  async function newPortfolio(portfolioId: string, wabaId: string): Promise<PortfolioInput> {
    const preregistered = await graphCall(() => registeredNumbers(graph, wabaId));
    const learnt = await capOfBusiness(graph, wabaId);
    return { portfolioId, preregistered, preregisteredWabaId: wabaId, ...learnt };
  }

  /**
   * The first ask of a portfolio not running yet starts it with the ask as its first update (update-with-start), so
   * that this ask too is answered at once; another journey's start meanwhile is used as it is.
   */
  function startedByAsk(seed: PortfolioInput, request: SlotRequest): Promise<SlotAnswer> {
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof portfolio>('portfolio', {
      taskQueue: portfolioTaskQueue ?? taskQueue,
      workflowId: portfolioWorkflowId(seed.portfolioId),
      args: [seed],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return temporal.workflow.executeUpdateWithStart(acquireSlotUpdate, { args: [request], startWorkflowOperation });
  }

  return {
    requestSlot,
    checkWabaOwner,

    /**
     * Asks the portfolio by update, so its answer (granted, or the place in the queue) comes back at once and no
     * answer is signalled; a grant from the queue still comes by signal. A portfolio not running yet is started with
     * the ask (update-with-start). Where the update cannot be taken (one with as many updates in flight as the server
     * allows, under a burst; a server refusing update-with-start) the request goes by signal as before, and null says
     * that the answer will come that way. At most `inFlightPerPortfolio` updates go
     * to one portfolio at once; an ask whose turn does not start with `minLeftMs` of its window left goes by signal
     * (as soon as that is so, if it is still waiting), never by update.
     *
     * A WABA of another portfolio is answered by signal, as a refusal (SlotAnswer.refused), and no portfolio is asked.
     * An owner it could not read is answered OwnerUnread: the journey asks by the requestSlot activity, which reads it
     * again with retries.
     */
    async askForSlot({
      portfolioId,
      request,
    }: {
      portfolioId: string;
      request: SlotRequest;
    }): Promise<SlotAnswer | OwnerUnread | null> {
      // Before the window: the owner's read is not the portfolio's turn.
      let refused: WabaElsewhere | null;
      try {
        refused = await within(
          elsewhereOf(portfolioId, request.wabaId),
          OWNER_IN_TASK_MS,
          'the owner was not read in time',
        );
      } catch {
        return { ownerUnread: true };
      }
      if (refused) {
        const answer: SlotAnswer = { granted: false, position: null, cap: 0, held: 0, refused };
        await temporal.workflow.getHandle(request.workflowId, request.runId).signal(slotAnswerSignal, answer);
        return null;
      }
      const portfolio = temporal.workflow.getHandle(portfolioWorkflowId(portfolioId));
      /** An update within its own window and turn. */
      const inTurn = (update: () => Promise<SlotAnswer>) => {
        const deadline = Date.now() + slotAsks.answerWithinMs;
        return turns.run(portfolioId, deadline, () => temporal.withDeadline(deadline, update));
      };
      // A new portfolio's start, read of Meta before its window (the read is no turn's) and once: the signal after
      // a failed start takes the same.
      let seed: PortfolioInput | undefined;
      try {
        return await inTurn(() => portfolio.executeUpdate(acquireSlotUpdate, { args: [request] }));
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          // Meta not answering fails the attempt here, after one read, as any Graph call: the journey asks again.
          const started = await newPortfolio(portfolioId, request.wabaId);
          seed = started;
          try {
            return await inTurn(() => startedByAsk(started, request));
          } catch (startErr) {
            // Slow, busy, or a server without update-with-start: the ask goes by signal, as before it.
            warn('the first ask of a new portfolio was not answered by update-with-start: it is asked by signal', {
              portfolioId,
              error: startErr instanceof Error ? startErr.message : String(startErr),
            });
          }
        }
        // Busy, slow, no turn in time, not started in time, or the request came after a release (which the signal's
        // handler ignores too). An update the portfolio took after all is answered again by signal: a repeated request gets
        // the same answer.
        await signalSlotRequest({ portfolioId, request }, seed);
        return null;
      }
    },

    /** For each holder and queued journey: is its journey still running, and if not, does Meta count the number? */
    async reconcileHolders(input: {
      /** Absent from runs before it was sent: no running journey is looked for. */
      portfolioId?: string;
      holders: { e164: string; workflowId: string | null; wabaId: string | null }[];
      queue: { e164: string; workflowId: string }[];
      /** The portfolio's WABAs whose registered numbers are all looked at; absent from runs before it was sent. */
      wabas?: string[];
    }): Promise<ReconcileReport> {
      const report: ReconcileReport = { free: [], registeredWithoutJourney: [], goneFromQueue: [] };
      const statusesByWaba = new Map<string, Promise<Map<string, string>>>();
      const statusesOn = (wabaId: string) => {
        if (!statusesByWaba.has(wabaId))
          statusesByWaba.set(
            wabaId,
            graphCall(() => numberStatuses(graph, wabaId)),
          );
        return statusesByWaba.get(wabaId) as Promise<Map<string, string>>;
      };
      const unread = new Map<string, string>();
      // A WABA Meta refuses to show for good is noted unread and skipped (null); a failure a retry may mend fails the
      // activity, which Temporal retries.
      const readable = (wabaId: string) =>
        statusesOn(wabaId).catch((err: unknown) => {
          if (!(err instanceof ApplicationFailure && err.nonRetryable)) throw err;
          unread.set(wabaId, err.message);
          return null;
        });
      // Temporal asked about every holder and queued journey, several at once: one by one, 12,000 queued would take
      // minutes at a cluster's round trips of 10–20 ms, near the activity's 5-minute limit.
      const asking = pLimit(RECONCILE_ASKS_IN_FLIGHT);
      const runningNow = (workflowIds: readonly (string | null)[]) =>
        Promise.all(workflowIds.map((id) => (id ? asking(() => isRunning(id)) : false)));
      const [holdersRunning, queuedRunning] = await Promise.all([
        runningNow(input.holders.map((h) => h.workflowId)),
        runningNow(input.queue.map((q) => q.workflowId)),
      ]).catch((err: unknown) => {
        asking.clearQueue(); // one failed (Temporal busy, away): the rest are not asked for an attempt already lost
        throw err;
      });
      for (const [i, holder] of input.holders.entries()) {
        if (holdersRunning[i]) continue;
        if (!holder.workflowId && input.portfolioId !== undefined) {
          const running = await runningJourneyOf(holder.e164, input.portfolioId);
          if (running) {
            (report.journeysFound ??= []).push({ e164: holder.e164, ...running });
            continue;
          }
        }
        // No journey (or none known): Meta decides. A holder of unknown WABA is kept: nothing can be checked.
        if (!holder.wabaId) {
          (report.unchecked ??= []).push(holder.e164);
          continue;
        }
        // A WABA Meta refuses to show for good keeps its holders; the others are still reconciled.
        const numbers = await readable(holder.wabaId);
        if (numbers === null) continue;
        // Flagged, restricted or limited, a number is still registered: Meta's cap counts it.
        if (countedByMeta(numbers.get(holder.e164))) {
          if (holder.workflowId) report.registeredWithoutJourney.push(holder.e164);
        } else report.free.push(holder.e164);
      }
      input.queue.forEach((queued, i) => {
        if (!queuedRunning[i]) report.goneFromQueue.push(queued.e164);
      });
      // Numbers Meta counts that hold no slot (registered outside numberflow): Meta's cap counts them too.
      const known = new Set([...input.holders, ...input.queue].map((n) => n.e164));
      for (const wabaId of new Set(input.wabas ?? [])) {
        // As in the holders' pass (the count a refused journey waits for must not be skipped on a blip).
        const numbers = await readable(wabaId);
        for (const e164 of countedNumbers(numbers ?? new Map()).filter((n) => !known.has(n))) {
          known.add(e164);
          (report.countedWithoutSlot ??= []).push({ e164, wabaId });
        }
      }
      if (unread.size > 0) report.unread = [...unread].map(([wabaId, why]) => ({ wabaId, why }));
      return report;
    },

    /** Asks Temporal to cancel a journey's own run, so a cancelled onboarding shows as Canceled, with its reason. */
    async cancelRun({
      workflowId,
      runId,
      reason,
    }: {
      workflowId: string;
      runId: string;
      reason: string;
    }): Promise<void> {
      await temporal.workflowService.requestCancelWorkflowExecution({
        namespace: temporal.options.namespace,
        workflowExecution: { workflowId, runId },
        identity: 'numberflow',
        requestId: randomUUID(),
        reason,
      });
    },
  };
}
