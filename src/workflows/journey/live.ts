// Stage 10: LIVE. The journey stays open as the number's entity: it records Meta's events, answers the
// current phone_number_id, takes display-name changes, and waits for a removal request.
import { allHandlersFinished, condition, continueAsNew, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { JourneyInput, JourneyResult } from '../../domain/journey.js';
import type { RemovalRequest } from '../../domain/messages.js';
import { changeDisplayName } from './display-name.js';
import { callMeta, graph, metaErrorOf } from './meta.js';
import type { CarriedJourney, Journey } from './state.js';

type JourneyWorkflow = (input: JourneyInput, carried?: CarriedJourney) => Promise<JourneyResult>;

export async function enableIdentityCheck(journey: Journey): Promise<void> {
  journey.enter('ENABLING_IDENTITY_CHECK');
  try {
    await callMeta(journey, () => graph.enableIdentityCheck(journey.ref));
    journey.note('numberflow', 'turned on the identity-change check');
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The number works without it; an operator can turn it on later.
    journey.note('meta', `refused the identity-change check: ${metaErrorOf(err)?.message ?? String(err)}`);
  }
}

export async function live(journey: Journey): Promise<RemovalRequest> {
  journey.wentLive = true;
  for (;;) {
    journey.enter('LIVE');
    await condition(
      () => journey.removalRequest !== null || journey.newName !== null || workflowInfo().continueAsNewSuggested,
    );
    if (journey.removalRequest) return journey.removalRequest;
    if (journey.newName) {
      await changeDisplayName(journey);
      continue;
    }
    // History grows with every event this number sees: start afresh, carrying the state.
    await condition(allHandlersFinished);
    return continueAsNew<JourneyWorkflow>(journey.input, journey.carry());
  }
}
