import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlSignupLedger } from '../../src/intake/signup-ledger.js';
import type { SignupRecord } from '../../src/intake/signup-record.js';
import { parseSignupRequest, signupCodeHash } from '../../src/intake/signup.js';
import { openPostgres } from '../../src/stores/postgres.js';
import type { SqlDatabase } from '../../src/stores/sql.js';
import { openSqlite } from '../../src/stores/sqlite.js';
import { freshPostgresDatabase, type TestDatabase } from '../support/postgres.js';
import { tempDir } from '../support/processes.js';

const record = (wabaId: string): SignupRecord => ({
  wabaId,
  businessId: '506914307656634',
  phoneNumberIds: ['106540352242922'],
  requestedBy: 'onboarding-service',
  signupAt: '2026-01-05T10:00:00.000Z',
  state: 'claimed',
  failure: null,
  journeys: [],
  updatedAt: '2026-01-05T10:00:00.000Z',
});

function ledgerContract(name: string, open: () => Promise<SqlDatabase>) {
  describe(`the signup ledger on ${name}`, () => {
    it('lets one claim of a code in, answers the earlier record to the others, and forgets a released claim', async () => {
      const db = await open();
      const ledger = await SqlSignupLedger.open(db);
      const hash = signupCodeHash(`AQ-code-${name}`);
      const claims = await Promise.all([ledger.claim(hash, record('1')), ledger.claim(hash, record('2'))]);
      expect(claims.filter((c) => c === null)).toHaveLength(1);
      const winner = claims[0] === null ? '1' : '2';
      expect(claims.find((c) => c !== null)).toMatchObject({ wabaId: winner, state: 'claimed' });
      await ledger.save(hash, { ...record(winner), state: 'done' });
      expect(await ledger.claim(hash, record('3'))).toMatchObject({ wabaId: winner, state: 'done' });
      await ledger.release(hash);
      expect(await ledger.claim(hash, record('3'))).toBeNull();
      const raw = JSON.stringify(await db.all('SELECT * FROM signups'));
      expect(raw).toContain(hash);
      expect(raw).not.toContain(`AQ-code-${name}`);
      await db.close();
    });
  });
}

const dir = tempDir('ledger');
ledgerContract('SQLite', () => Promise.resolve(openSqlite(join(dir, 'numberflow.sqlite'))));

let postgres: TestDatabase;
beforeAll(async () => {
  postgres = await freshPostgresDatabase();
});
afterAll(async () => {
  await postgres?.drop();
});
ledgerContract('PostgreSQL', () => openPostgres(postgres.url));

describe('the signup request (the body of POST /v1/signups)', () => {
  it('names every problem of a bad request, never its code', () => {
    const bad = { code: ' ', wabaId: 'waba-1', phoneNumberIds: [], businessId: '12', extra: true };
    expect(() => parseSignupRequest(bad)).toThrow(
      'invalid signup: code: is required; wabaId: must be a numeric Graph id; phoneNumberIds: needs at least one phone_number_id; body: Unrecognized key: "extra"',
    );
    const secret = 'AQ-secret-code-in-a-bad-request';
    expect(() => parseSignupRequest({ code: secret, wabaId: '1', phoneNumberIds: ['x'], businessId: '2' })).toThrow(
      /^invalid signup: phoneNumberIds\.0: must be a numeric Graph id$/,
    );
  });

  it('takes the popup answer, with a display name per number', () => {
    expect(
      parseSignupRequest({
        code: ' AQ123 ',
        wabaId: '1',
        phoneNumberIds: ['2', '3'],
        businessId: '4',
        displayNames: { '2': 'Acme Support' },
      }),
    ).toEqual({
      code: 'AQ123',
      wabaId: '1',
      phoneNumberIds: ['2', '3'],
      businessId: '4',
      displayNames: { '2': 'Acme Support' },
    });
  });
});
