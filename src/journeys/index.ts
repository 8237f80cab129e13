// The journey operations, shared by the CLI's direct mode and the HTTP API: start, read, list, act.
export { notRunning, submitToJourney, type SubmitOptions } from './act.js';
export { journeyActionUpdates, type JourneyActionName } from './actions.js';
export { IdempotencyConflictError, JourneyConflictError, JourneyEndedError, JourneyNotFoundError } from './errors.js';
export {
  awaitingInputStages,
  InvalidFilterError,
  journeyListQuery,
  withoutResetRuns,
  listJourneys,
  type JourneyFilter,
} from './list.js';
export { endOf, followJourney, journeyChanges, type JourneyEvent } from './follow.js';
export { listPage, type JourneyListing, type ListingPage } from './listing.js';
export { describeJourney, describeStarted, journeyPortfolio, journeyRuns } from './read.js';
export { startRequestHashes } from './request-hash.js';
export { createStartOnce, type StartOnce, type StartOutcome } from './start-once.js';
export { startJourney, type Idempotency, type JourneyMemo, type StartedJourney, type StartOptions } from './start.js';
export {
  checkRows,
  rowNumber,
  type BatchRow,
  type CheckedRow,
  type CheckedRows,
  type RowProblems,
} from './batch-rows.js';
export { DEFAULT_PACE, MAX_RATE, startRows, type Pace, type RowOutcome, type RowResult } from './batch-start.js';
export { summarizeJourneys, type JourneySummary, type PortfolioCounts, type WaitingJourney } from './summary.js';
