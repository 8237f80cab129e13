// The worker's workflowsPath: every workflow the worker runs is exported here.
export { numberJourney } from './number-journey.js';
export { portfolio } from './portfolio.js';
export { keyCheck } from './key-check.js';
export { customerIdentity } from './customer-identity.js';
