// Stage 1: a registration slot from the portfolio, which owns Meta's registered-number cap.
import { condition, getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import { portfolioWorkflowId, releaseSlotSignal } from '../../domain/portfolio.js';
import { cluster } from './meta.js';
import type { Journey } from './state.js';

export async function waitForCapacity(journey: Journey): Promise<void> {
  journey.enter('WAITING_FOR_CAPACITY', {
    for: 'portfolio',
    reason: 'asking the portfolio for a registration slot',
    until: null,
  });
  const { portfolioId, wabaId, phoneNumber } = journey.input;
  const answer = await cluster.acquireSlot({
    portfolioId,
    wabaId,
    e164: phoneNumber.e164,
    workflowId: workflowInfo().workflowId,
  });
  journey.holdsSlot = true; // granted or queued: either way the portfolio must hear when this journey ends
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
  await getExternalWorkflowHandle(portfolioWorkflowId(journey.input.portfolioId)).signal(releaseSlotSignal, {
    e164: journey.input.phoneNumber.e164,
  });
}
