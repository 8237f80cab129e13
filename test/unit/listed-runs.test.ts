// A run as visibility lists it, read without its memo: the SDK's names of statuses, times, plain search attributes.
import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { PortfolioId, WaitingSince } from '../../src/domain/search-attributes.js';
import { listedRun } from '../../src/temporal/listed-runs.js';

const { WorkflowExecutionStatus } = proto.temporal.api.enums.v1;
// A protobuf Timestamp as the client's decoder gives it (seconds a Long; a number reads the same here).
const at = (ms: number) =>
  proto.google.protobuf.Timestamp.fromObject({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

describe('a listed run', () => {
  it("reads as the SDK's list did, its memo left encrypted and unread", () => {
    const closed = listedRun({
      execution: { workflowId: 'number:+14155550100', runId: 'r1' },
      status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
      startTime: at(Date.parse('2026-12-06T10:00:00.123Z')),
      closeTime: at(Date.parse('2026-12-06T11:00:00.456Z')),
      memo: { fields: { idempotencyScope: { metadata: { encoding: new TextEncoder().encode('binary/encrypted') } } } },
      searchAttributes: {
        indexedFields: {
          PortfolioId: defaultPayloadConverter.toPayload('506914307656634'),
          WaitingSince: defaultPayloadConverter.toPayload('2026-12-06T10:30:00Z'),
        },
      },
    });
    expect(closed).toMatchObject({
      workflowId: 'number:+14155550100',
      runId: 'r1',
      status: 'CANCELLED', // as the SDK names it
      startTime: new Date('2026-12-06T10:00:00.123Z'),
      closeTime: new Date('2026-12-06T11:00:00.456Z'),
    });
    expect(closed.attribute(PortfolioId)).toBe('506914307656634');
    expect(Date.parse(closed.attribute(WaitingSince) ?? '')).toBe(Date.parse('2026-12-06T10:30:00Z'));

    const running = listedRun({
      execution: { workflowId: 'portfolio:1', runId: 'r2' },
      status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      startTime: at(0),
    });
    expect(running).toMatchObject({ status: 'RUNNING', closeTime: null });
    expect(running.attribute(PortfolioId)).toBeUndefined();
  });
});
