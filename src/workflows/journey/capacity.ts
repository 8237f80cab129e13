// Stage 1: a registration slot from the portfolio, which owns Meta's registered-number cap.
import { condition, getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { portfolioWorkflowId, releaseSlotSignal } from '../../domain/portfolio.js';
import { failedByMeta } from './ending.js';
import { cluster } from './meta.js';
import type { Journey } from './state.js';

/** `registered`: Meta already counts this number (adopted CONNECTED, coexistence), so it takes a slot at once. */
export async function waitForCapacity(journey: Journey, registered = false): Promise<void> {
  journey.enter('WAITING_FOR_CAPACITY', {
    for: 'portfolio',
    reason: 'asking the portfolio for a registration slot',
    until: null,
  });
  const { portfolioId, wabaId, phoneNumber } = journey.input;
  // Before the call: if the journey ends while the request is in flight, the portfolio still hears of it.
  journey.holdsSlot = true;
  let answer;
  try {
    answer = await cluster.acquireSlot({
      portfolioId,
      wabaId,
      e164: phoneNumber.e164,
      workflowId: workflowInfo().workflowId,
      registered,
    });
  } catch (err) {
    throw failedByMeta(err, 'Asking the portfolio for a registration slot');
  }
  if (answer.granted) return;
  journey.waitFor(
    'portfolio',
    `the portfolio's cap of ${answer.cap} registered numbers is reached; place ${answer.position} in its queue ` +
      '(the cap rises to 20 once the business is verified)',
  );
  await condition(() => journey.slotGranted);
}

/** Gives the slot (or the place in the queue) back; the portfolio lets the next number through. */
export async function releaseSlot(journey: Journey): Promise<void> {
  if (!journey.holdsSlot) return;
  journey.holdsSlot = false;
  const portfolio = getExternalWorkflowHandle(portfolioWorkflowId(journey.input.portfolioId));
  try {
    await portfolio.signal(releaseSlotSignal, { e164: journey.input.phoneNumber.e164 });
  } catch (err) {
    // A portfolio that is gone holds no slot: the journey's own ending matters more.
    log.warn('could not release the portfolio slot', { error: String(err) });
    journey.note('numberflow', 'the portfolio could not be told that this number left it');
  }
}
