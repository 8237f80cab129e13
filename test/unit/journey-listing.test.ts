import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { listingOf } from '../../src/journeys/listing.js';

const { WorkflowExecutionStatus } = proto.temporal.api.enums.v1;

function running(attributes: Record<string, string>) {
  const indexedFields = Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, defaultPayloadConverter.toPayload(value)]),
  );
  return listingOf({
    execution: { workflowId: 'journey-+14155550100', runId: 'r1' },
    status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
    searchAttributes: { indexedFields },
  });
}

describe('a journey listed from visibility', () => {
  it('gives the time a wait began as numberflow writes times, which Temporal gives back without trailing zeros', () => {
    const listed = running({
      NumberStage: 'AWAITING_OTP',
      WaitingOn: 'operator',
      WaitingSince: '2026-12-05T13:00:45.12Z',
    });
    expect(listed.waitingSince).toBe('2026-12-05T13:00:45.120Z');
    // Both forms sort as text in time order now: 45.12 came after 45.123 as written by Temporal.
    expect([running({ WaitingSince: '2026-12-05T13:00:45.123Z' }), listed].map((l) => l.waitingSince).sort()).toEqual([
      '2026-12-05T13:00:45.120Z',
      '2026-12-05T13:00:45.123Z',
    ]);
  });

  it('leaves a value it cannot read as a time as it is', () => {
    expect(running({ WaitingSince: 'soon' }).waitingSince).toBe('soon');
  });
});
