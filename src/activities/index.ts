// Activities are built by a factory that receives their clients, so tests inject a Graph client pointed at
// the sandbox (and the test cluster's client) instead of mocking modules.
import type { GraphClient } from '../graph/client.js';
import { createGraphActivities } from './graph-activities.js';
import { createIdentityActivities, type IdentityActivityDeps } from './identity-activities.js';
import { createPinActivities } from './pin-activities.js';
import { createPortfolioActivities, type PortfolioActivityDeps } from './portfolio-activities.js';

export interface ActivityDeps extends PortfolioActivityDeps, IdentityActivityDeps {
  graph: GraphClient;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createGraphActivities(deps),
    ...createPinActivities(deps),
    ...createPortfolioActivities(deps),
    ...createIdentityActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
