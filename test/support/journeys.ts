// Journey inputs for tests: valid numbers (libphonenumber-valid), a fresh one per test.
import { randomInt } from 'node:crypto';
import { parseJourneyRequest, type JourneyRequest } from '../../src/domain/journey-input.js';
import type { Activities } from '../../src/activities/index.js';
import type { JourneyInput } from '../../src/domain/journey.js';

/** A valid US number unlikely to be used by any other test of the run (the servers are shared by all files). */
export function freshNumber(): string {
  return `+1415${randomInt(200, 1000)}${String(randomInt(0, 10_000)).padStart(4, '0')}`;
}

/** A numeric Graph-style id, unique enough for a test run. */
export function freshId(): string {
  return String(randomInt(100_000_000, 999_999_999)) + String(randomInt(100_000, 999_999));
}

export function journeyInput(overrides: Partial<JourneyRequest> = {}, now = new Date()): JourneyInput {
  return parseJourneyRequest(
    {
      wabaId: '102290129340398',
      portfolioId: '506914307656634',
      phoneNumber: freshNumber(),
      displayName: 'Acme Support',
      requestedBy: 'test-suite',
      ...overrides,
    },
    now,
  );
}

/**
 * For tests that only start journeys and read them, with no portfolio or Graph behind the worker: the slot request
 * (a local activity, so it must be registered) answers that the cap is reached, and the journey stays
 * WAITING_FOR_CAPACITY, first in the queue.
 */
export const queuedAtCapacity: Pick<Activities, 'askForSlot'> = {
  askForSlot: async () => ({ granted: false, position: 1, cap: 2, held: 2 }),
};
