// The slot request's check of the WABA's owner at Meta: a WABA of another portfolio is refused with its own id and
// the journey's portfolio only — history is decoded for any reader of the journey's portfolio, and the owner may be
// another customer's — and the owner goes to the worker's log, at warn, for the admins.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createPortfolioActivities } from '../../src/activities/portfolio-activities.js';
import type { GraphClient } from '../../src/graph/client.js';

describe('the slot request of a WABA another portfolio owns at Meta', () => {
  it('is refused naming no owner, which the worker logs at warn', async () => {
    const graph = { getWabaOwner: () => Promise.resolve({ portfolioId: '777000111' }) } as unknown as GraphClient;
    const activities = createPortfolioActivities({ temporal: {} as Client, taskQueue: 'q', graph });
    const logged: LogEntry[] = [];
    const logger = new DefaultLogger('WARN', (entry) => logged.push(entry));
    const request = {
      e164: '+14155550190',
      workflowId: 'number:+14155550190',
      runId: 'r1',
      wabaId: '102290129340398',
      registered: false,
    };
    const failure = await new MockActivityEnvironment(undefined, { logger })
      .run(activities.requestSlot, { portfolioId: '123456', request })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const { message, details, nonRetryable } = failure as ApplicationFailure;
    expect(nonRetryable).toBe(true);
    expect(message).toBe('WABA 102290129340398 belongs to another business portfolio at Meta, not 123456');
    expect(details).toEqual([{ wabaId: '102290129340398', portfolioId: '123456' }]);
    expect(logged.map((entry) => entry.message)).toContain(
      'WABA 102290129340398 belongs to business portfolio 777000111 at Meta, not 123456: its journey is refused',
    );
  });
});
