// Journey inputs for tests: valid numbers (libphonenumber-valid), a fresh one per test.
import { randomInt } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { parseJourneyRequest, type JourneyRequest } from '../../src/domain/journey-input.js';
import type { Activities } from '../../src/activities/index.js';
import type { JourneyInput } from '../../src/domain/journey.js';

/** Where the files of one test run reserve blocks of numbers (set by the global setup; absent outside vitest). */
export const NUMBER_BLOCKS_ENV = 'NUMBERFLOW_TEST_NUMBER_BLOCKS';
const BLOCK_SIZE = 1_000;
const BLOCKS = 7_990; // 415 200 0000 … 415 999 9999, without the 415 555 exchange
/** The exchange no fresh number is in: tests name numbers there (+1 415 555 0000) that no journey may hold. */
const NAMED_EXCHANGE = 555;
let block = { next: 0, end: 0 };

/**
 * A valid US number no other test of the run uses: the servers are shared by all files, and random numbers
 * collided (thousands of journeys per run), starting a journey on a number another file's journey held. Each
 * process reserves a block of 1,000 numbers by creating its file exclusively; outside a test run, a random one.
 */
export function freshNumber(): string {
  const dir = process.env[NUMBER_BLOCKS_ENV];
  if (!dir) return numberAt(randomInt(0, BLOCK_SIZE * BLOCKS));
  if (block.next === block.end) block = reserveBlock(dir);
  return numberAt(block.next++);
}

/**
 * A block of 1,000 consecutive numbers no other test of the run uses (`+1 415 xxx x000` … `x999`), for a test
 * that needs many at once (a bulk file); outside a test run, a random block.
 */
export function freshNumberBlock(): string[] {
  const dir = process.env[NUMBER_BLOCKS_ENV];
  const { next } = dir ? reserveBlock(dir) : { next: randomInt(0, BLOCKS) * BLOCK_SIZE };
  return Array.from({ length: BLOCK_SIZE }, (_, row) => numberAt(next + row));
}

function reserveBlock(dir: string): { next: number; end: number } {
  for (let tried = 0, index = randomInt(0, BLOCKS); tried < BLOCKS; tried++, index = (index + 1) % BLOCKS) {
    try {
      closeSync(openSync(join(dir, String(index)), 'wx'));
      return { next: index * BLOCK_SIZE, end: (index + 1) * BLOCK_SIZE };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error('every block of test numbers is taken');
}

function numberAt(index: number): string {
  const exchange = 200 + Math.floor(index / 10_000);
  return `+1415${exchange < NAMED_EXCHANGE ? exchange : exchange + 1}${String(index % 10_000).padStart(4, '0')}`;
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
