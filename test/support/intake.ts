// What an intake test needs around its bench: the stores of a data folder (SQLite, the key file made there), and a
// customer's WABA with numbers added as Embedded Signup leaves them (on the WABA, not yet registered).
import { afterAll, beforeAll } from 'vitest';
import { parsePhoneNumber } from '../../src/domain/phone.js';
import { GraphClient } from '../../src/graph/client.js';
import { staticTokenProvider } from '../../src/graph/tokens.js';
import { SqlSignupLedger } from '../../src/intake/signup-ledger.js';
import type { SignupDeps } from '../../src/intake/signup.js';
import { openStores, type Stores } from '../../src/stores/open.js';
import type { Bench } from './bench.js';
import type { Harness } from './harness.js';
import { freshId, freshNumber } from './journeys.js';
import { tempDir } from './processes.js';

export interface TestStores {
  dataDir: string;
  stores: Stores;
  ledger: SqlSignupLedger;
}

/** Opens the stores of a fresh data folder before the file's benches (register it before useBench). */
export function useStores(): TestStores {
  const context = { dataDir: tempDir('intake') } as TestStores;
  beforeAll(async () => {
    context.stores = await openStores({ NUMBERFLOW_DATA_DIR: context.dataDir });
    context.ledger = await SqlSignupLedger.open(context.stores.db);
  });
  afterAll(async () => {
    await context.stores?.close();
  });
  return context;
}

export function signupDeps(t: Bench, s: TestStores): SignupDeps {
  return {
    graph: t.bench.graph,
    tokens: s.stores.tokens,
    ledger: s.ledger,
    temporal: t.env.client,
    taskQueue: t.bench.taskQueue,
  };
}

export interface CustomerWaba {
  wabaId: string;
  phoneNumberIds: string[];
  e164s: string[];
}

/**
 * A WABA of the bench's portfolio with `count` numbers added, as the customer leaves Embedded Signup; each named
 * `verifiedNames[i]` at Meta, or 'Acme Support'.
 */
export async function customerWaba(bench: Harness, count: number, verifiedNames: string[] = []): Promise<CustomerWaba> {
  const { wabaId } = bench.sandbox.admin.createWaba({ portfolioId: bench.portfolioId, wabaId: freshId() });
  // The popup adds the numbers with the customer's own rights; this token stands for them and is not numberflow's.
  const popup = new GraphClient({
    baseUrl: bench.sandbox.url,
    tokens: staticTokenProvider(bench.sandbox.admin.issueToken({ wabaIds: [wabaId] })),
  });
  const phoneNumberIds: string[] = [];
  const e164s: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const number = parsePhoneNumber(freshNumber());
      const { id } = await popup.addPhoneNumber(wabaId, {
        cc: number.countryCallingCode,
        phoneNumber: number.nationalNumber,
        verifiedName: verifiedNames[i] ?? 'Acme Support',
      });
      phoneNumberIds.push(id);
      e164s.push(number.e164);
    }
  } finally {
    await popup.close();
  }
  return { wabaId, phoneNumberIds, e164s };
}

/** What the popup hands the browser for the customer's WABA: a fresh code (30 s of sandbox time), ids. */
export function popupAnswer(bench: Harness, customer: Pick<CustomerWaba, 'wabaId' | 'phoneNumberIds'>) {
  const { code } = bench.sandbox.admin.createSignupCode({ wabaId: customer.wabaId });
  return { code, wabaId: customer.wabaId, phoneNumberIds: customer.phoneNumberIds, businessId: bench.portfolioId };
}
