// The add activity when Meta refuses a number at the portfolio's cap: the count it reports is the portfolio's, the
// journey's portfolio lowering its cap to it, though the WABA's token reads the numbers of its own WABA only.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphActivities } from '../../src/activities/graph-activities.js';
import { GraphClient } from '../../src/graph/index.js';
import { parsePhoneNumber } from '../../src/domain/phone.js';
import { staticTokenProvider } from '../../src/graph/tokens.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

let sandbox: Sandbox;
let graph: GraphClient;
let wabaId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ appSecret: 'cap-refusal-secret', seed: 12 });
  const { portfolioId } = sandbox.admin.createPortfolio({ maxPhoneNumbers: 2 });
  wabaId = sandbox.admin.createWaba({ portfolioId }).wabaId;
  // The portfolio's two registered numbers are on its other WABA, whose numbers this WABA's token does not read.
  const other = sandbox.admin.createWaba({ portfolioId }).wabaId;
  for (const e164 of ['+14155550181', '+14155550182'])
    sandbox.admin.linkCoexistenceNumber({ wabaId: other, e164, verifiedName: 'Acme Other' });
  graph = new GraphClient({
    baseUrl: sandbox.url,
    tokens: staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [wabaId] })),
  });
});
afterAll(() => sandbox.close());

describe('the add activity at the portfolio cap (Graph sandbox)', () => {
  it("reports the limit Meta's refusal states, not the registered numbers of the journey's WABA alone", async () => {
    const { addPhoneNumber } = createGraphActivities({ graph });
    const phoneNumber = parsePhoneNumber('+14155550183');
    const failure = await new MockActivityEnvironment()
      .run(addPhoneNumber, { wabaId, phoneNumber, verifiedName: 'Acme Support' })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const { details, nonRetryable } = failure as ApplicationFailure;
    expect(nonRetryable).toBe(true);
    expect(details?.[0]).toMatchObject({ code: 200000 });
    // This WABA holds none registered: before, the portfolio lowered its cap to 0 (here) or 5 of 6 (QA's case).
    expect(details?.[1]).toEqual({ registeredNumbers: 2 });
  });
});
