// The visibility query of a journey list: every value from its closed set, and filters that could list nothing refused.
import { describe, expect, it } from 'vitest';
import { InvalidFilterError, journeyListQuery } from '../../src/journeys/index.js';

describe("a journey list's query", () => {
  it('lists those waiting for a person, in one of their stages or all of them', () => {
    expect(journeyListQuery({ awaitingInput: true })).toBe(
      "WorkflowType = 'numberJourney' AND ExecutionStatus = 'Running' AND NumberStage IN ('AWAITING_OTP', 'AWAITING_PIN', 'AWAITING_NEW_NAME')",
    );
    expect(journeyListQuery({ stage: 'AWAITING_PIN', awaitingInput: true })).toContain("NumberStage = 'AWAITING_PIN'");
    expect(journeyListQuery({ personWait: true, portfolioId: '7' })).toBe(
      "WorkflowType = 'numberJourney' AND ExecutionStatus = 'Running' AND PortfolioId = '7' AND WaitingOn IN ('token', 'deletion', 'removal')",
    );
  });

  it('refuses a stage or outcome no journey waiting for a person can be in, rather than list nothing', () => {
    for (const stage of ['FAILED', 'LIVE'] as const) {
      expect(() => journeyListQuery({ stage, awaitingInput: true })).toThrow(InvalidFilterError);
      expect(() => journeyListQuery({ stage, awaitingInput: true })).toThrow(
        `awaiting input lists journeys in AWAITING_OTP, AWAITING_PIN, AWAITING_NEW_NAME; stage ${stage} is none of them, so nothing would be listed`,
      );
    }
  });
});
