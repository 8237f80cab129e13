// A worker joining a cluster with its stores in SQLite is told so at start: the tokens the service stores (Embedded
// Signup, `token set` through it) would never reach it.
import { describe, expect, it } from 'vitest';
import { storeOfItsOwn } from '../../src/worker.js';

describe("a worker's token store", () => {
  it('warns a worker of a cluster without the shared database, and no other', () => {
    expect(storeOfItsOwn({ TEMPORAL_ADDRESS: 'temporal:7233' })).toMatch(
      /^this worker keeps Meta's tokens in SQLite in its data folder, shared only with the processes on that folder: .*NUMBERFLOW_DATABASE_URL \(unset here\)/,
    );
    expect(
      storeOfItsOwn({ TEMPORAL_ADDRESS: 'temporal:7233', NUMBERFLOW_DATABASE_URL: 'postgres://db/nf' }),
    ).toBeNull();
    expect(storeOfItsOwn({})).toBeNull(); // the embedded default: the worker and the service share the data folder
  });
});
