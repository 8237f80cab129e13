// Temporal, or a journey's worker, not answering reads the same to an HTTP caller and on the command line: a query
// no worker picks up ends as the SDK's ServiceError caused by a DEADLINE_EXCEEDED, which was a 500 "failed".
import { QueryNotRegisteredError, ServiceError } from '@temporalio/client';
import { KeyMissingInReplay } from '../../src/codec/undecryptable.js';
import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { failureOf } from '../../src/cli/failure.js';
import { GraphError } from '../../src/graph/errors.js';
import { MissingTokenError, TokenStoreUnavailableError } from '../../src/graph/tokens.js';
import { lostConnection, StoreUnavailableError } from '../../src/stores/unavailable.js';
import { apiErrorOf } from '../../src/http/errors.js';
import { temporalNotAnswering, temporalRefusedRequest, WORKFLOW_TASK_FAILING } from '../../src/temporal/unanswered.js';
import type { WebhookEvent } from '../../src/graph/webhooks.js';
import { handOver, type Route } from '../../src/http/webhook-handover.js';
import { pino } from 'pino';

/** A gRPC status error as @grpc/grpc-js makes one: its message starts with the code. */
function grpcError(code: number, name: string): Error {
  return Object.assign(new Error(`${code} ${name}: context deadline exceeded`), { code, details: '', metadata: {} });
}

const queryUnanswered = new ServiceError('Failed to query Workflow', { cause: grpcError(4, 'DEADLINE_EXCEEDED') });

describe("Temporal's not answering", () => {
  it('is told from the error, through the causes the SDK wraps it in, and from nothing else', () => {
    expect(temporalNotAnswering(queryUnanswered)).toBe('timed_out');
    expect(temporalNotAnswering(grpcError(14, 'UNAVAILABLE'))).toBe('unreachable');
    expect(
      temporalNotAnswering(new Error('x', { cause: new Error('14 UNAVAILABLE: No connection established') })),
    ).toBe('unreachable');
    expect(temporalNotAnswering(grpcError(5, 'NOT_FOUND'))).toBeNull();
    expect(temporalNotAnswering(Object.assign(new Error('bad'), { code: 'FST_ERR_BAD_URL' }))).toBeNull();
    expect(temporalNotAnswering('4 DEADLINE_EXCEEDED')).toBeNull(); // not an error
    // Meta's codes are numbers too: its 4 is the app's rate limit, not Temporal's deadline.
    const metaRateLimit = new GraphError({ code: 4, message: 'Application request limit reached', httpStatus: 400 });
    expect(temporalNotAnswering(metaRateLimit)).toBeNull();
    expect(temporalNotAnswering(new Error('routing failed', { cause: metaRateLimit }))).toBeNull();
  });

  it('answers an HTTP caller 503 temporal_unavailable, saying to check the worker, and the command line the same', () => {
    const answer = apiErrorOf(queryUnanswered as unknown as FastifyError);
    expect({ status: answer.status, code: answer.code, message: answer.message }).toEqual({
      status: 503,
      code: 'temporal_unavailable',
      message:
        "Temporal or the journey's worker did not answer in time; try again shortly, and check that a worker is running",
    });
    expect(apiErrorOf(grpcError(14, 'UNAVAILABLE') as FastifyError).message).toBe(
      'Temporal cannot be reached now; try again shortly',
    );
    expect(failureOf(queryUnanswered)).toEqual({ lines: [`numberflow: ${answer.message}`], exitCode: 75 });
    expect(apiErrorOf(grpcError(5, 'NOT_FOUND') as FastifyError).status).toBe(500);
  });

  it("answers 503 key_missing, naming the key, when the journey's worker cannot replay it without a key", () => {
    // As the client receives a query the worker failed (the SDK's class for it, the worker's words).
    const missing = new KeyMissingInReplay({ keyId: 'local-1', reason: 'unknown-key' });
    const queryFailed = new QueryNotRegisteredError(missing.message, 3 as never);
    const answer = apiErrorOf(queryFailed as unknown as FastifyError);
    expect({ status: answer.status, code: answer.code }).toEqual({ status: 503, code: 'key_missing' });
    expect(answer.message).toBe(
      "the journey cannot be read now: cannot replay this workflow's history: a payload encrypted with key 'local-1', " +
        'which this worker does not hold — put it back in NUMBERFLOW_CODEC_KEYS (a key stays while a run that used it ' +
        'is open); a running workflow waits, its workflow task retried, until a worker holds it',
    );
  });
});

describe('a journey whose workflow task fails', () => {
  it('answers 503 workflow_task_failing, not 500', () => {
    const failing = Object.assign(new Error('9 FAILED_PRECONDITION: Workflow Task in failed state.'), { code: 9 });
    const answer = apiErrorOf(failing as unknown as FastifyError);
    expect({ status: answer.status, code: answer.code }).toEqual({ status: 503, code: 'workflow_task_failing' });
    expect(answer.message).toContain(
      "its workflow task fails on the worker (the worker's log says why: a key it lacks, say, or a history a worker older than the one that wrote it cannot replay)",
    );
  });

  it('answers so when the client says only "Failed to query Workflow", its cause saying why', () => {
    const cause = Object.assign(
      new Error('9 FAILED_PRECONDITION: Unable to query workflow due to Workflow Task in failed state.'),
      { code: 9 },
    );
    const failed = new Error('Failed to query Workflow', { cause });
    const answer = apiErrorOf(failed as unknown as FastifyError);
    expect({ status: answer.status, code: answer.code }).toEqual({ status: 503, code: 'workflow_task_failing' });
    // The command line says the same, where it said "Failed to query Workflow".
    expect(failureOf(failed).lines).toEqual([`numberflow: ${WORKFLOW_TASK_FAILING}`]);
    // Core's nondeterminism error replaying the run for the query (an update the worker cannot open): the same.
    const diverged = new QueryNotRegisteredError(
      '[TMPRL1100] Nondeterminism error: No command scheduled for event HistoryEvent(id: 23, TimerCanceled)',
      3 as never,
    );
    expect(apiErrorOf(diverged as unknown as FastifyError)).toMatchObject({
      status: 503,
      code: 'workflow_task_failing',
    });
  });
});

describe("Temporal's refusal of a webhook change's request", () => {
  const change = { field: 'unknown', rawField: 'x', wabaId: '1', receivedAt: 0 } as unknown as WebhookEvent;

  it('drops the change, and hands the rest of the delivery over: sent again, it would be refused again', async () => {
    // The server's own words (its frontend's errors).
    const tooLong = Object.assign(new Error('3 INVALID_ARGUMENT: WorkflowId length exceeds limit.'), {
      code: 3,
      details: '',
      metadata: {},
    });
    expect(temporalRefusedRequest(new Error('signal failed', { cause: tooLong }))).toBe(tooLong.message);
    expect(temporalRefusedRequest(new Error('3 INVALID_ARGUMENT: Blob data size exceeds limit.'))).not.toBeNull();
    // As the dev server of this project answers a signal-with-start of a 2,011-character id.
    const devServer = '3 INVALID_ARGUMENT: WorkflowId exceeds maximum allowed length (2011/1000)';
    expect(
      temporalRefusedRequest(new Error('Failed to signalWithStart Workflow', { cause: new Error(devServer) })),
    ).toBe(devServer);
    expect(temporalRefusedRequest(grpcError(14, 'UNAVAILABLE'))).toBeNull();
    // Mended by configuration, not by what the change carries: delivered again.
    const unregistered = new Error("3 INVALID_ARGUMENT: invalid query: unable to find search attribute 'WabaId'");
    expect(temporalRefusedRequest(unregistered)).toBeNull();
    expect(temporalRefusedRequest(new Error('3 INVALID_ARGUMENT: TaskQueue length exceeds limit.'))).toBeNull();
    const routed: string[] = [];
    const route = async (_event: WebhookEvent) => {
      if (routed.length === 0) {
        routed.push('refused');
        throw new Error('signal failed', { cause: tooLong });
      }
      routed.push('routed');
      return [{ field: 'messages', target: null, outcome: 'signalled' }];
    };
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    expect(await handOver([change, change], route as Route, logger)).toBe('routed');
    expect(routed).toEqual(['refused', 'routed']);
    expect(lines.join('')).toContain('webhook change refused by Temporal; dropped');
    // Temporal away is still a failure, delivered again.
    const away = async () => Promise.reject(grpcError(14, 'UNAVAILABLE'));
    expect(await handOver([change], away as Route, logger)).toBe('unavailable');
    // So are the stores' database away, and a Meta token that could not be read from it: not the delivery's fault.
    const storeAway = new StoreUnavailableError('postgres://db/numberflow', new Error('connect ECONNREFUSED'));
    const tokenUnread = async () => Promise.reject(new TokenStoreUnavailableError('1', storeAway));
    expect(await handOver([change], tokenUnread as Route, logger)).toBe('unavailable');
    // A WABA with no token yet is delivered again too, said at warn without a stack: it is expected until its signup.
    lines.length = 0;
    const tokenless = async () => Promise.reject(new MissingTokenError('102290129340398'));
    expect(await handOver([change], tokenless as Route, logger)).toBe('failed');
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 40,
        wabaId: '1', // the change's WABA, for whoever follows it up
        why: 'no Meta token is stored for WABA 102290129340398 yet',
        msg: 'webhook change not routed; its delivery is tried again, or dead-lettered past its tries',
      }),
    );
    expect(lines.join('')).not.toContain('stack');
  });
});

describe("the stores' database not answering", () => {
  it('answers an HTTP caller 503 store_unavailable, and the command line exits 75', () => {
    const away = new StoreUnavailableError('postgres://db/numberflow', new Error('connect ECONNREFUSED 10.0.0.5:5432'));
    const answer = apiErrorOf(new Error('identity lookup failed', { cause: away }) as unknown as FastifyError);
    expect(answer).toMatchObject({
      status: 503,
      code: 'store_unavailable',
      message: "the stores' database (PostgreSQL) does not answer now: send it again shortly",
    });
    expect(failureOf(away).exitCode).toBe(75);
  });

  it('is the connection lost, not a statement refused', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', '08006', '57P01', '57P03'])
      expect(lostConnection(coded(code))).toBe(true);
    expect(lostConnection(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['42P01', '23505', '40001']) expect(lostConnection(coded(code))).toBe(false);
  });
});

describe('a Meta token this service does not hold', () => {
  it('answers 501 not_configured, naming the WABA and the shared store, not 500 internal', () => {
    const answer = apiErrorOf(new MissingTokenError('102290129340398') as unknown as FastifyError);
    expect(answer).toMatchObject({ status: 501, code: 'not_configured' });
    expect(answer.message).toMatch(
      /^no access token for WABA 102290129340398 in this service's token store: .* replicas share one, NUMBERFLOW_DATABASE_URL\.\)$/,
    );
  });
});
