// The PostgreSQL of the tests: the throw-away cluster scripts/install-test-deps.sh starts (npm test runs it), or
// NUMBERFLOW_TEST_DATABASE_URL. Each test file gets a database of its own, dropped afterwards. A test that needs
// PostgreSQL and finds none fails, saying how to get one: it never skips silently.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const URL_FILE = join(import.meta.dirname, '../../.data-test/postgres.url');

export function testPostgresUrl(): string {
  const fromEnv = process.env.NUMBERFLOW_TEST_DATABASE_URL;
  if (fromEnv) return fromEnv;
  if (existsSync(URL_FILE)) return readFileSync(URL_FILE, 'utf8').trim();
  throw new Error(
    'no PostgreSQL for the tests: run `bash scripts/install-test-deps.sh` (npm test does), or set NUMBERFLOW_TEST_DATABASE_URL',
  );
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `the tests' PostgreSQL at ${testPostgresUrl()} does not answer (${String(err)}): run \`bash scripts/install-test-deps.sh\``,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function freshPostgresDatabase(): Promise<TestDatabase> {
  const name = `numberflow_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
