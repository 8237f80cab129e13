// The HTTP app as the tests build it: on a harness's Temporal client, task queue and Graph client, signed with the
// harness's app secret, logging nothing unless a test says otherwise.
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildHttpApp, type HttpAppOptions } from '../../src/http/app.js';
import { APP_SECRET, type Harness } from './harness.js';

export function harnessHttpApp(harness: Harness, options: Partial<HttpAppOptions> = {}): Promise<FastifyInstance> {
  return buildHttpApp({
    client: harness.env.client,
    taskQueue: harness.taskQueue,
    appSecret: APP_SECRET,
    verifyToken: 'test-verify-token',
    logger: pino({ level: 'silent' }),
    graph: harness.graph,
    ...options,
  });
}
