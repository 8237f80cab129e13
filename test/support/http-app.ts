// The HTTP app as the tests build it: on a harness's Temporal client, task queue and Graph client, signed with the
// harness's app secret, logging nothing unless a test says otherwise.
import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
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

/** A logger whose every line (JSON text) is pushed onto `lines`: what a test reads the service's log from. */
export function loggerInto(lines: string[], level = 'info'): Logger {
  return pino(
    { level },
    new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }),
  );
}
