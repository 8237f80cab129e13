// Shared by the webhook receiver's tests: signed posts, Meta's envelope, and what a workflow was signalled.
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { signWebhookBody } from '../../src/graph/signature.js';
import type { Harness } from '../support/harness.js';

export function post(app: FastifyInstance, body: string | Buffer, signature: string | null) {
  return app.inject({
    method: 'POST',
    url: '/webhooks/meta',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
    payload: body,
  });
}

export function postSigned(app: FastifyInstance, body: string, secret: string) {
  return post(app, body, signWebhookBody(body, secret));
}

export interface Change {
  field: string;
  value: unknown;
}

export function envelope(entries: { id: string; time?: number; changes: Change[] }[]): string {
  return JSON.stringify({ object: 'whatsapp_business_account', entry: entries });
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The signals a workflow's history holds (its run's events, read from the server). */
export async function signalCount(client: Client, workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
}

/** A pino logger whose lines are kept, to bound what a webhook makes the service log. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

export function billableStatus(displayPhoneNumber: string, timestamp: string): Change {
  return {
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: displayPhoneNumber, phone_number_id: '1' },
      statuses: [
        { id: 'wamid.1', status: 'sent', timestamp, recipient_id: '15551234567', pricing: { billable: true } },
      ],
    },
  };
}

export function qualityUpdate(displayPhoneNumber: string): Change {
  return {
    field: 'phone_number_quality_update',
    value: { display_phone_number: displayPhoneNumber, event: 'ONBOARDING' },
  };
}

/** A journey waiting for its code: a running workflow whose history shows every signal routed to it. */
export async function waitingJourney(harness: Harness) {
  const input = harness.input();
  const journey = await harness.start(input);
  await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
  return { journey, digits: input.phoneNumber.e164.slice(1) };
}
