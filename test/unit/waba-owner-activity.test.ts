// The slot request's check of the WABA's owner at Meta (the Graph sandbox): a WABA of another portfolio is refused
// with its own id and the journey's portfolio only — history is decoded for any reader of the journey's portfolio,
// and the owner may be another customer's — and the owner goes to the worker's log, at warn, for the admins.
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortfolioActivities } from '../../src/activities/portfolio-activities.js';
import { GraphClient } from '../../src/graph/index.js';
import { staticTokenProvider } from '../../src/graph/tokens.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ appSecret: 'waba-owner-secret', seed: 13 });
});
afterAll(() => sandbox.close());

describe('the slot request of a WABA another portfolio owns at Meta (Graph sandbox)', () => {
  it('is refused naming no owner, which the worker logs at warn', async () => {
    const { portfolioId: owner } = sandbox.admin.createPortfolio({ maxPhoneNumbers: 2 });
    const { wabaId } = sandbox.admin.createWaba({ portfolioId: owner });
    const graph = new GraphClient({
      baseUrl: sandbox.url,
      tokens: staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [wabaId] })),
    });
    // Not used on the way to the refusal: no portfolio is asked.
    const activities = createPortfolioActivities({ temporal: {} as Client, taskQueue: 'q', graph });
    const logged: LogEntry[] = [];
    const logger = new DefaultLogger('WARN', (entry) => logged.push(entry));
    const request = { e164: '+14155550190', workflowId: 'number:+14155550190', runId: 'r1', wabaId, registered: false };
    const failure = await new MockActivityEnvironment(undefined, { logger })
      .run(activities.requestSlot, { portfolioId: '123456', request })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const { message, details, nonRetryable } = failure as ApplicationFailure;
    expect(nonRetryable).toBe(true);
    expect(message).toBe(`WABA ${wabaId} belongs to another business portfolio at Meta, not 123456`);
    expect(details).toEqual([{ wabaId, portfolioId: '123456' }]);
    expect(JSON.stringify(failure)).not.toContain(owner);
    expect(logged.map((entry) => entry.message)).toContain(
      `WABA ${wabaId} belongs to business portfolio ${owner} at Meta, not 123456: its journey is refused`,
    );
    await graph.close();
  });
});
