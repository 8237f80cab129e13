// Activities are built by a factory that receives their clients, so tests inject a Graph client pointed at
// the sandbox (and the test cluster's client) instead of mocking modules.
import type { GraphClient } from '../graph/client.js';
import type { NumberRef, NumberSnapshot } from '../domain/number.js';
import { createGraphActivities } from './graph-activities.js';
import { createIdentityActivities, type IdentityActivityDeps } from './identity-activities.js';
import { createPinActivities } from './pin-activities.js';
import { createPortfolioActivities, type PortfolioActivityDeps } from './portfolio-activities.js';

export interface ActivityDeps extends PortfolioActivityDeps, IdentityActivityDeps {
  graph: GraphClient;
}

export function createActivities(deps: ActivityDeps) {
  const graph = createGraphActivities(deps);
  // The owner check is the adoption's read's first step (below) and the slot request's: no workflow schedules it.
  const { checkWabaOwner, ...portfolios } = createPortfolioActivities(deps);
  return {
    ...graph,
    ...createPinActivities(deps),
    ...portfolios,
    ...createIdentityActivities(deps),

    /**
     * The number at Meta. A journey adopting it names its portfolio (`adoptedIn`): the WABA's owner is read first, and
     * a WABA of another portfolio refused (WABA_ELSEWHERE_TYPE) before anything of the number is read with its token.
     */
    async readNumber({ adoptedIn, ...ref }: NumberRef & { adoptedIn?: string }): Promise<NumberSnapshot> {
      if (adoptedIn !== undefined) await checkWabaOwner({ portfolioId: adoptedIn, wabaId: ref.wabaId });
      return graph.readNumber(ref);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
