// Journey inputs for tests: valid numbers (libphonenumber-valid), a fresh one per test.
import { parseJourneyRequest, type JourneyRequest } from '../../src/domain/journey-input.js';
import type { JourneyInput } from '../../src/domain/journey.js';

let sequence = 0;

/** A valid US number that no other test in this run uses (+1 415 555 0000..9999 are all valid). */
export function freshNumber(): string {
  sequence += 1;
  const suffix = String((process.pid * 7 + sequence) % 10_000).padStart(4, '0');
  return `+1415555${suffix}`;
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
