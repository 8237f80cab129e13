// The business portfolio as an entity workflow, id `portfolio:<portfolioId>`: it owns Meta's registered-number
// cap (2, raised to 20 by business_capability_update) as a FIFO queue, so a third number waits instead of failing.
// Journeys ask by update (or signal, answered by signal); holders are reconciled with the journeys on a schedule.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  acquireSlotUpdate,
  capabilityUpdateSignal,
  capRefusedSignal,
  moveToTaskQueueSignal,
  portfolioQuery,
  reconcileSignal,
  releaseSlotSignal,
  requestSlotSignal,
  slotAnswerSignal,
  type AcquireSlotRequest,
  type PortfolioInput,
  type SlotRequest,
  type TaskQueueMove,
} from '../domain/portfolio.js';
import { portfolioSignalProblem, SLOT_E164, type CheckedSignal } from '../domain/portfolio-signals.js';
import { PortfolioBook } from './portfolio/book.js';
import {
  ADMIN_CAP_STAYS_PATCH,
  CARRIES_OWED_ANSWERS_PATCH,
  LATE_META_CAP_PATCH,
  LEARNS_COUNTED_NUMBERS_PATCH,
  META_CAP_OVER_EARLIER_REFUSAL_PATCH,
  META_TIMES_ORDER_CAPS_PATCH,
  MOVES_QUEUE_PATCH,
  QUEUE_BY_START_PATCH,
  RECONCILE_FAILURE_KEEPS_PATCH,
  RECONCILE_KEEPS_REQUEUED_PATCH,
  REFUSED_IN_ORDER_PATCH,
  RELEASE_MATCHES_JOURNEY_PATCH,
  PORTFOLIO_SIGNALS_CHECKED_PATCH,
} from './portfolio/patches.js';

// Retried while Graph or Temporal is away, for 15 minutes at most: the loop that admits and answers waits for it.
const { reconcileHolders } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  scheduleToCloseTimeout: '15m',
  retry: { initialInterval: '5s', maximumInterval: '5m' },
});

/** Answers sent at once, at most: well under the server's limit on a workflow's pending outgoing signals. */
const DELIVERY_BATCH = 100;

export async function portfolio(input: PortfolioInput): Promise<void> {
  const book = new PortfolioBook(input, () => patched(RELEASE_MATCHES_JOURNEY_PATCH));
  const { state } = book;
  let moveTo: string | null = null; // the task queue the next run continues on (moveToTaskQueue)

  /** A signal the portfolio cannot read (sent by hand) is noted and dropped: it failed every task after it before. */
  const onSignal = <T>(signal: SignalDefinition<[T]>, name: CheckedSignal, handler: (arg: T) => void) =>
    setHandler(signal, (arg: T) => {
      const problem = portfolioSignalProblem(name, arg);
      if (problem !== null && patched(PORTFOLIO_SIGNALS_CHECKED_PATCH)) return book.ignored(name, problem);
      handler(arg);
    });

  setHandler(portfolioQuery, () => state);
  const keepsStartOrder = () => patched(QUEUE_BY_START_PATCH);
  onSignal(requestSlotSignal, 'requestSlot', (request) => {
    const answer = book.request(request, keepsStartOrder);
    if (answer) book.owe(request.workflowId, answer);
  });
  // The first version's update: clients that send only e164 and workflowId are answered as before.
  const legacy = (r: AcquireSlotRequest): SlotRequest => ({ runId: '', wabaId: '', registered: false, ...r });
  setHandler(acquireSlotUpdate, (request) => book.request(legacy(request), keepsStartOrder) ?? refuse(), {
    validator: (request) => {
      if (!SLOT_E164.test(request?.e164 ?? '')) throw new Error('e164 must be a number in E.164 form');
      if (!request.workflowId) throw new Error('workflowId is required');
      if (book.releasedRun(legacy(request).runId)) throw new Error(REQUEST_AFTER_RELEASE);
    },
  });
  onSignal(releaseSlotSignal, 'releaseSlot', (release) =>
    book.release(release, () => patched(META_CAP_OVER_EARLIER_REFUSAL_PATCH)),
  );
  onSignal(capabilityUpdateSignal, 'capabilityUpdate', (update) => {
    const { maxPhoneNumbers } = update;
    const keepsAdminCap = () => patched(ADMIN_CAP_STAYS_PATCH);
    const ignoresLate = () => patched(LATE_META_CAP_PATCH);
    const ignoresNearlyAsLate = () => patched(META_TIMES_ORDER_CAPS_PATCH);
    if (!book.setCap(maxPhoneNumbers, update, keepsAdminCap, ignoresLate, ignoresNearlyAsLate)) {
      log.warn('ignored a capability update without a valid cap', { maxPhoneNumbers });
    }
  });
  onSignal(capRefusedSignal, 'capRefused', (refusal) =>
    book.capRefused(
      refusal,
      () => patched(REFUSED_IN_ORDER_PATCH),
      () => patched(LEARNS_COUNTED_NUMBERS_PATCH),
      () => patched(META_CAP_OVER_EARLIER_REFUSAL_PATCH),
    ),
  );
  setHandler(reconcileSignal, (request) => {
    state.reconcileRequested = true;
    book.reconcileAskedBy(request);
  });
  setHandler(moveToTaskQueueSignal, (move) => {
    const taskQueue = queueOf(move);
    if (taskQueue === null) log.warn('ignored a move without a task queue: taskQueue must be a non-empty string');
    else if (taskQueue !== workflowInfo().taskQueue && patched(MOVES_QUEUE_PATCH)) moveTo = taskQueue;
  });

  /** Whether the run continues as new with answers still owed (the patch, asked only when some are). */
  const carriesOwed = () => state.outbox.length > 0 && patched(CARRIES_OWED_ANSWERS_PATCH);
  /** Whether delivering stops here for the continue-as-new Temporal suggests, the rest carried. */
  const carriesOwedAnswers = () => workflowInfo().continueAsNewSuggested && carriesOwed();
  const carriedDue = state.reconcileDueAt === undefined ? Number.NaN : Date.parse(state.reconcileDueAt);
  let reconcileAt = Number.isNaN(carriedDue) ? Date.now() + state.reconcileEveryMs : carriedDue;
  state.reconcileDueAt = new Date(reconcileAt).toISOString();
  for (;;) {
    await condition(
      () =>
        book.hasRoomForQueue ||
        state.outbox.length > 0 ||
        state.reconcileRequested === true ||
        moveTo !== null ||
        workflowInfo().continueAsNewSuggested,
      Math.max(0, reconcileAt - Date.now()),
    );
    book.admitFromQueue();
    await deliver(book, carriesOwedAnswers);
    // Answers carried into the next run go first: it reconciles once they are out (what is due or asked is carried),
    // unless the reconciliation is a whole period overdue (a burst that outlasts runs does not put it off for good).
    const putOff = () => Date.now() < reconcileAt + state.reconcileEveryMs && carriesOwedAnswers();
    if ((state.reconcileRequested === true || Date.now() >= reconcileAt) && !putOff()) {
      state.reconcileRequested = false;
      book.beginReconciliation();
      await reconcile(book, input.portfolioId);
      reconcileAt = Date.now() + state.reconcileEveryMs;
      state.reconcileDueAt = new Date(reconcileAt).toISOString();
    }
    if ((workflowInfo().continueAsNewSuggested || moveTo !== null) && (state.outbox.length === 0 || carriesOwed())) {
      await condition(allHandlersFinished);
      // Answers owed to requests that came in meanwhile: delivered first by runs before the patch.
      if (state.outbox.length > 0 && !carriesOwed()) continue;
      if (moveTo !== null) book.moving(workflowInfo().taskQueue, moveTo);
      const next = makeContinueAsNewFunc<typeof portfolio>({ taskQueue: moveTo ?? undefined });
      await next({ portfolioId: input.portfolioId, state });
    }
  }
}

/**
 * Signals the owed answers; one that cannot be delivered (the journey is gone) frees what it granted. After a first
 * batch, stops when `carried` says the rest go with the run's continue-as-new: each pass delivers some, so a chain of
 * runs each suggested to continue at once still answers.
 */
async function deliver(book: PortfolioBook, carried: () => boolean): Promise<void> {
  const { outbox } = book.state;
  for (let first = true; outbox.length > 0 && (first || !carried()); first = false) {
    const batch = outbox.splice(0, DELIVERY_BATCH);
    await Promise.all(
      batch.map(({ workflowId, answer }) =>
        getExternalWorkflowHandle(workflowId)
          .signal(slotAnswerSignal, answer)
          .catch((err: unknown) => {
            log.warn('a journey could not be answered; it is gone', { workflowId, error: String(err) });
            book.undeliverable(workflowId, answer);
          }),
      ),
    );
    book.admitFromQueue();
  }
}

/** Frees the slots no running journey holds and Meta does not count (terminated runs, lost releases). */
async function reconcile(book: PortfolioBook, portfolioId: string): Promise<void> {
  const { holders, queue } = book.state;
  if (holders.length === 0 && queue.length === 0) return book.nothingToReconcile();
  const checked = new Map(holders.map((h) => [h.e164, h.runId]));
  const queueChecked = {
    runs: new Map(queue.map((q) => [q.e164, q.runId])),
    keepsRequeued: () => patched(RECONCILE_KEEPS_REQUEUED_PATCH),
  };
  // The refusal admissions wait for as it begins: a later one is not ended by what this one reads.
  const learningRound = book.state.learning === true ? book.state.learningRound : Number.NaN;
  try {
    const report = await reconcileHolders({
      portfolioId,
      holders: holders.map(({ e164, workflowId, wabaId }) => ({ e164, workflowId, wabaId })),
      queue: queue.map(({ e164, workflowId }) => ({ e164, workflowId })),
      // Every WABA the portfolio knows of: the numbers Meta counts there that hold no slot take one.
      wabas: [...new Set([...holders, ...queue].flatMap(({ wabaId }) => (wabaId ? [wabaId] : [])))],
    });
    book.applyReconciliation(report, checked, learningRound, queueChecked);
  } catch (err) {
    if (!(err instanceof ActivityFailure) || isCancellation(err) || !patched(RECONCILE_FAILURE_KEEPS_PATCH)) throw err;
    book.reconciliationFailed(innermostMessage(err));
  }
}

/** What went wrong at the bottom of a failure (a timeout's last attempt, say), not only that it timed out. */
function innermostMessage(err: Error): string {
  let failure: Error = err;
  for (let depth = 0; failure.cause instanceof Error && depth < 5; depth++) failure = failure.cause;
  return failure.message;
}

/** The queue a move names, or null when it names none (the signal comes from outside: its shape is not trusted). */
function queueOf(move: TaskQueueMove | undefined): string | null {
  const taskQueue: unknown = move?.taskQueue;
  return typeof taskQueue === 'string' && taskQueue.trim() !== '' ? taskQueue : null;
}

const REQUEST_AFTER_RELEASE = 'the request came after its journey released the slot';

/** Refuses the update (a plain error would fail the portfolio's workflow task, again at every retry). */
function refuse(): never {
  throw ApplicationFailure.nonRetryable(REQUEST_AFTER_RELEASE, 'SlotReleased');
}
