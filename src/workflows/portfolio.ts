// The business portfolio as an entity workflow, id `portfolio:<portfolioId>`: it owns Meta's registered-number
// cap (2, raised to 20 by business_capability_update) as a FIFO queue, so a third number waits instead of failing.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { slotGrantedSignal } from '../domain/messages.js';
import {
  acquireSlotUpdate,
  capabilityUpdateSignal,
  DEFAULT_NUMBER_CAP,
  portfolioQuery,
  releaseSlotSignal,
  type PortfolioInput,
  type PortfolioState,
  type SlotAnswer,
  type SlotRequest,
} from '../domain/portfolio.js';

export async function portfolio(input: PortfolioInput): Promise<void> {
  const now = () => new Date().toISOString();
  const state: PortfolioState = input.state ?? {
    cap: input.cap ?? DEFAULT_NUMBER_CAP,
    holders: (input.preregistered ?? []).map((e164) => ({ e164, workflowId: null, since: now() })),
    queue: [],
    admissions: 0,
  };
  const hasRoom = () => state.holders.length < state.cap && state.queue.length > 0;

  setHandler(portfolioQuery, () => state);

  setHandler(
    acquireSlotUpdate,
    (request: SlotRequest): SlotAnswer => {
      const holder = state.holders.find((h) => h.e164 === request.e164);
      if (holder) {
        holder.workflowId = request.workflowId; // a journey adopting a number registered before it
        return answer(state, true, null);
      }
      const queued = state.queue.findIndex((q) => q.e164 === request.e164);
      if (queued >= 0 && !request.registered) return answer(state, false, queued + 1);
      const hasRoom = state.holders.length < state.cap && state.queue.length === 0;
      if (hasRoom || request.registered) {
        if (queued >= 0) state.queue.splice(queued, 1);
        state.holders.push({ e164: request.e164, workflowId: request.workflowId, since: now() });
        state.admissions += 1;
        return answer(state, true, null);
      }
      state.queue.push({ e164: request.e164, workflowId: request.workflowId, since: now() });
      return answer(state, false, state.queue.length);
    },
    {
      validator: (request: SlotRequest) => {
        if (!/^\+\d{6,15}$/.test(request?.e164 ?? '')) throw new Error('e164 must be a number in E.164 form');
        if (!request.workflowId) throw new Error('workflowId is required');
      },
    },
  );

  setHandler(releaseSlotSignal, ({ e164 }) => {
    state.holders = state.holders.filter((h) => h.e164 !== e164);
    state.queue = state.queue.filter((q) => q.e164 !== e164);
  });

  setHandler(capabilityUpdateSignal, ({ maxPhoneNumbers }) => {
    if (Number.isInteger(maxPhoneNumbers) && maxPhoneNumbers > 0) state.cap = maxPhoneNumbers;
    else log.warn('ignored a capability update without a valid cap', { maxPhoneNumbers });
  });

  for (;;) {
    await condition(() => hasRoom() || workflowInfo().continueAsNewSuggested);
    while (hasRoom()) {
      const next = state.queue.shift();
      if (!next) break;
      state.holders.push({ e164: next.e164, workflowId: next.workflowId, since: now() });
      state.admissions += 1;
      try {
        await getExternalWorkflowHandle(next.workflowId).signal(slotGrantedSignal, { portfolioId: input.portfolioId });
      } catch (err) {
        // The journey ended while queued without releasing: free its slot again.
        log.warn('a queued journey is gone; its slot is freed', { workflowId: next.workflowId, error: String(err) });
        state.holders = state.holders.filter((h) => h.e164 !== next.e164);
      }
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof portfolio>({ portfolioId: input.portfolioId, state });
    }
  }
}

function answer(state: PortfolioState, granted: boolean, position: number | null): SlotAnswer {
  return { granted, position, cap: state.cap, held: state.holders.length };
}
