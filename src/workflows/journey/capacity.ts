// Stage 1: a registration slot from the portfolio, which owns Meta's registered-number cap. The first request goes
// by update, answered at once when it can (a local activity that starts the portfolio if needed; journeys from before
// FEWER_EVENTS_PATCH, and a repeat after a day of silence, by signal through an activity); a queued journey's grant
// comes back by signal, so it holds no worker slot while it waits.
import { getExternalWorkflowHandle, isCancellation, log, patched, workflowInfo } from '@temporalio/workflow';
import { journeyPolicy } from '../../domain/policy.js';
import {
  capRefusedSignal,
  portfolioWorkflowId,
  releaseSlotSignal,
  DEFAULT_NUMBER_CAP,
  type SlotAnswer,
  type SlotRequest,
} from '../../domain/portfolio.js';
import { waitText } from '../../domain/wait-texts.js';
import { plural } from '../../domain/words.js';
import type { Journey } from './journey.js';
import { end, failedByMeta } from './ending.js';
import { requestSlot } from './activity-proxies.js';
import { callMeta } from './call-meta.js';
import { wabaElsewhereOf } from './failures.js';
import { firstSlotRequest } from './in-task-calls.js';
import { CAP_REFUSAL_TO_GONE_PORTFOLIO_PATCH, SLOT_REQUEST_WAITS_PATCH } from './patches.js';

/** `registered`: Meta already counts this number (adopted CONNECTED, coexistence), so it takes a slot at once. */
export async function waitForCapacity(journey: Journey, registered = false): Promise<void> {
  journey.enter('WAITING_FOR_CAPACITY', {
    for: 'portfolio',
    reason: 'asking the portfolio for a registration slot',
    until: null,
  });
  const { portfolioId, wabaId, phoneNumber } = journey.input;
  const { workflowId, runId, firstExecutionRunId: firstRunId, startTime } = workflowInfo();
  // When the journey started orders the queue (a bulk start's journeys ask in any order). Only the request's words.
  const startedAt = startTime.toISOString();
  const request: SlotRequest = { e164: phoneNumber.e164, workflowId, runId, wabaId, registered, firstRunId, startedAt };
  // Before the call: if the journey ends while the request is in flight, the portfolio still hears of it.
  journey.slotRequested();
  const answer = await slotCall(journey, () => firstSlotRequest(journey, { portfolioId, request }), 'first');
  if (answer) slotAnswered(journey, answer);
  while (journey.state.slot !== 'held') {
    const answered = await journey.inbox.slot.next(journeyPolicy.slotAnswerWaitMs);
    if (!answered) {
      // Silence: a repeated request is answered the same way.
      await slotCall(journey, () => requestSlot({ portfolioId, request }), 'repeat');
      continue;
    }
    journey.inbox.slot.take();
    slotAnswered(journey, answered.value);
  }
}

/**
 * A slot request that starts the portfolio reads Meta with the WABA's token (the numbers it counts, the business's
 * verification): with no token the journey waits for one, as for its own Graph calls, instead of failing its run;
 * what Meta refuses for good ends it FAILED with Meta's answer. The patch is decided on the failure only: a request
 * that goes through records nothing more.
 */
async function slotCall<T>(journey: Journey, call: () => Promise<T>, which: 'first' | 'repeat'): Promise<T> {
  let failure: unknown;
  try {
    return await call();
  } catch (err) {
    if (isCancellation(err) || !patched(SLOT_REQUEST_WAITS_PATCH)) throw err;
    failure = err;
  }
  // The failure goes to callMeta as the first call's, so that it waits (a token, a rate limit) before calling again.
  let first = true;
  const again = async () => {
    if (!first) return call();
    first = false;
    throw failure;
  };
  try {
    return await callMeta(journey, again);
  } catch (err) {
    const elsewhere = wabaElsewhereOf(err);
    if (elsewhere) {
      // The first request was refused before any portfolio heard of it; a repeat's portfolio may have queued it.
      if (which === 'first') journey.slotReleased();
      throw end('WABA_IN_ANOTHER_PORTFOLIO', elsewhere);
    }
    throw failedByMeta(err, 'Starting the portfolio for the slot request');
  }
}

function slotAnswered(journey: Journey, answer: SlotAnswer): void {
  if (answer.refused) {
    journey.slotReleased(); // no portfolio was asked: none is told the journey left
    throw end('WABA_IN_ANOTHER_PORTFOLIO', answer.refused);
  }
  journey.slotAnswered(answer);
  if (answer.granted) return;
  // The place and the cap are the portfolio's when it answered: the queue moves on, and an admin may set the cap.
  journey.waitFor(
    'portfolio',
    waitText('CAP_REACHED', {
      cap: answer.cap,
      position: answer.position,
      portfolioId: journey.input.portfolioId,
      metaDefaultCap: answer.cap === DEFAULT_NUMBER_CAP,
    }),
  );
}

/**
 * Meta refused the add at the portfolio's cap with `registered` numbers registered: the portfolio takes the slot
 * back, lowers its cap to that and puts this journey at the head of its queue; the journey waits there.
 */
export async function requeueAtCap(journey: Journey, registered: number, at: string): Promise<void> {
  const { e164 } = journey.input.phoneNumber;
  journey.note(
    'numberflow',
    `Meta refused the add: the portfolio holds its cap (${plural(registered, 'registered number')}); back in the queue`,
  );
  const portfolio = getExternalWorkflowHandle(portfolioWorkflowId(journey.input.portfolioId));
  try {
    await portfolio.signal(capRefusedSignal, { e164, runId: workflowInfo().runId, registered, at });
  } catch (err) {
    // The portfolio is gone (terminated by hand): the request below starts it again, from what Meta counts.
    if (isCancellation(err) || !patched(CAP_REFUSAL_TO_GONE_PORTFOLIO_PATCH)) throw err;
    journey.note('numberflow', 'the portfolio could not be told of the refusal (it is not running); asking it again');
  }
  journey.slotReleased();
  await waitForCapacity(journey);
}

/**
 * When the journey had Meta's refusal at the cap (CapRefusal's `at`), for the portfolio to order it against Meta's
 * caps: one taken after a higher cap Meta gave since lowered that cap back, and the queue waited for nothing. No
 * patch: a signal's input is not compared on replay (a history from before, without it, replays the same), and a
 * patch decided after the add, a local activity, would be asked in replay before its marker's task.
 */
export function capRefusalDated(): string {
  return new Date().toISOString();
}

/**
 * Gives the slot (or the place in the queue) back; the portfolio lets the next number through. A number Meta still
 * counts keeps its slot, without a journey, so the portfolio and Meta agree.
 */
export async function releaseSlot(journey: Journey, stillRegistered = false): Promise<void> {
  if (journey.state.slot === 'none') return;
  journey.slotReleased();
  const portfolio = getExternalWorkflowHandle(portfolioWorkflowId(journey.input.portfolioId));
  try {
    await portfolio.signal(releaseSlotSignal, {
      e164: journey.input.phoneNumber.e164,
      runId: workflowInfo().runId,
      firstRunId: workflowInfo().firstExecutionRunId,
      ...(stillRegistered ? { stillRegistered } : {}),
      ...(journey.lastCapRefusal === null ? {} : { capRefusedAt: journey.lastCapRefusal }),
      ...(journey.lastCapRefusalAt === null ? {} : { capRefusedWhen: journey.lastCapRefusalAt }),
    });
  } catch (err) {
    // A portfolio that is gone holds no slot; its reconciliation frees what a lost release leaves behind.
    log.warn('could not release the portfolio slot', { error: String(err) });
    journey.note('numberflow', 'the portfolio could not be told that this number left it');
  }
}
