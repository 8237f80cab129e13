// The SDK warns of every failed activity; a person's wrong code or PIN, refused by Meta, is said at info instead.
import { ApplicationFailure } from '@temporalio/common';
import type { LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { GRAPH_FAILURE_TYPE } from '../../src/domain/meta-error.js';
import { fieldsOf, levelOf, retryLineThrottle } from '../../src/temporal/runtime-logging.js';

function activityFailed(code: number, level: LogEntry['level'] = 'WARN'): LogEntry {
  const error = ApplicationFailure.create({
    type: GRAPH_FAILURE_TYPE,
    message: `Meta error ${code}`,
    nonRetryable: true,
    details: [{ code, subcode: null }],
  });
  return { level, message: 'Activity failed', meta: { activityType: 'verifyCode', error }, timestampNanos: 0n };
}

describe("the runtime's log lines in the app's logger", () => {
  it("leave out an activity's task token, which would let a reader of the log complete the activity", () => {
    const entry = activityFailed(131000);
    const meta = { ...entry.meta, taskToken: 'CiQwMWEy', workflowId: 'number:+14155552671', attempt: 2 };
    expect(fieldsOf({ ...entry, meta })).toEqual({
      activityType: 'verifyCode',
      error: entry.meta?.error,
      workflowId: 'number:+14155552671',
      attempt: 2,
    });
    expect(fieldsOf({ level: 'INFO', message: 'Worker started', timestampNanos: 0n })).toEqual({});
    const core = { level: 'WARN' as const, message: 'Activity heartbeat failed.', timestampNanos: 0n };
    expect(fieldsOf({ ...core, meta: { task_token: 'CiQwMWEy', target: 'temporalio_sdk_core::worker' } })).toEqual({
      target: 'temporalio_sdk_core::worker',
    });
  });

  it('say a wrong or expired code and a PIN mismatch at info', () => {
    expect(levelOf(activityFailed(136025))).toBe('info');
    expect(levelOf(activityFailed(133005))).toBe('info');
  });

  it("keep the SDK's level for any other failure, and for every other line", () => {
    expect(levelOf(activityFailed(131000))).toBe('warn');
    expect(levelOf(activityFailed(136025, 'ERROR'))).toBe('error');
    const other = ApplicationFailure.create({ type: 'Other', message: 'x', details: [{ code: 136025 }] });
    expect(levelOf({ ...activityFailed(136025), meta: { error: other } })).toBe('warn');
    expect(levelOf({ level: 'WARN', message: 'Activity failed', timestampNanos: 0n })).toBe('warn');
    expect(levelOf({ level: 'INFO', message: 'Worker started', timestampNanos: 0n })).toBe('info');
  });

  it("let the core's retried-call lines through one a minute, the next saying how many were left out", () => {
    const throttle = retryLineThrottle(60_000);
    const retried = {
      level: 'WARN' as const,
      meta: { target: 'temporalio_client::retry', message: 'gRPC call poll_workflow_task_queue retried' },
    };
    const other = { level: 'WARN' as const, meta: { target: 'temporalio_sdk_core::worker' } };
    expect(throttle.pass(retried, 0)).toEqual({});
    // About 240 a minute while Temporal is away: none of them until the minute is over.
    for (let at = 250; at < 60_000; at += 250) expect(throttle.pass(retried, at)).toBeNull();
    expect(throttle.pass(other, 30_000)).toEqual({}); // any other line passes as it is
    expect(throttle.pass(retried, 60_000)).toEqual({ retryLinesLeftOut: 239 });
    expect(throttle.pass(retried, 60_001)).toBeNull();
    expect(throttle.pass(retried, 125_000)).toEqual({ retryLinesLeftOut: 1 });
    expect(throttle.pass({ level: 'WARN', meta: undefined }, 125_001)).toEqual({});
    expect(throttle.pass({ ...retried, level: 'ERROR' }, 125_002)).toEqual({}); // an error is always said
  });
});
