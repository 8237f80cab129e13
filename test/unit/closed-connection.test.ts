// A call nobody waits for any more (a /metrics count a scrape gave up on while Temporal was away) may be between two
// of the SDK's gRPC retries when its connection closes: its next attempt threw "Channel has been shut down" from a
// timer, where nothing catches it, and a service stopping on purpose died with exit 1. With the guard inside the
// retries, the call ends, CANCELLED, and its caller hears of it.
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { grpcInterceptors } from '../../src/temporal/connection.js';
import { freePorts } from '../support/processes.js';

describe("a client connection's close", () => {
  it('ends a call still retrying against a Temporal that is away, instead of throwing from its retry timer', async () => {
    // A real client of a stopped server (nothing listens on the port), with the interceptors every client gets.
    const [port] = await freePorts(1);
    const connection = Connection.lazy({ address: `127.0.0.1:${port}`, interceptors: grpcInterceptors() });
    const counting = new Client({ connection }).workflow.count(`WorkflowType = 'numberJourney'`);
    const ended = counting.then(
      () => 'answered',
      (err: unknown) => err,
    );
    // The first attempts fail at once (connection refused): the retries have begun, one due on a timer.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await connection.close();
    // Without the guard the call never ends: its retry timer throws where nothing catches it.
    const error = await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 10_000, 'never ended'))]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error & { cause?: { details?: string } }).cause?.details).toBe(
      'the connection to Temporal was closed',
    );
  });

  it('ends a call made after the close as CANCELLED too, instead of crashing in the retries', async () => {
    const [port] = await freePorts(1);
    const connection = Connection.lazy({ address: `127.0.0.1:${port}`, interceptors: grpcInterceptors() });
    await connection.close();
    const error = await new Client({ connection }).workflow.count(`WorkflowType = 'numberJourney'`).then(
      () => 'answered',
      (err: unknown) => err,
    );
    expect((error as Error & { cause?: { details?: string } }).cause?.details).toBe(
      'the connection to Temporal was closed',
    );
  });
});
