// PostgreSQL through pg, for a fleet: every worker and client shares the database named by
// NUMBERFLOW_DATABASE_URL. Migrations run in a transaction under an advisory lock, so a fleet starting at once
// migrates once.
import pg from 'pg';
import { applySteps, type SqlDatabase, type SqlValue } from './sql.js';
import { lostConnection, StoreUnavailableError } from './unavailable.js';

/** Any fixed number: the advisory lock numberflow's migrations take. */
const MIGRATION_LOCK = 7_460_210;

/** `?` placeholders become PostgreSQL's $1, $2, … (the stores' SQL has no `?` of its own). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The URL without its password, for messages and logs. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'NUMBERFLOW_DATABASE_URL (not a URL)';
  }
}

export async function openPostgres(url: string): Promise<SqlDatabase> {
  const location = describeDatabaseUrl(url);
  // A server that stops answering (a partition, a frozen primary in a failover) is bounded as one that refuses:
  // 5 s to connect, 30 s for an answer (migrations apart, below); TCP keepalive finds a peer gone in minutes.
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: 5_000,
    query_timeout: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle connection that breaks (a restarted server) must not end the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end();
    const failure = new Error(
      `cannot reach PostgreSQL at ${location} (NUMBERFLOW_DATABASE_URL): ${err instanceof Error ? err.message : String(err)}`,
    );
    // A server away now may answer later (the command line exits 75); a wrong password or database will not.
    throw lostConnection(err) ? Object.assign(failure, { tryAgain: true }) : failure;
  }
  // A query the server never answered (a restart, a failover) is said as the store away, not as a failure of its own.
  // The pool drops a connection whose query failed, a timed-out one too.
  const query = async (client: pg.Pool | pg.Client, sql: string, params: readonly SqlValue[]) => {
    try {
      return await client.query(numbered(sql), [...params]);
    } catch (err) {
      throw lostConnection(err) ? new StoreUnavailableError(location, err) : err;
    }
  };
  const on = (client: pg.Pool | pg.Client) => ({
    all: async <R>(sql: string, params: readonly SqlValue[] = []) => (await query(client, sql, params)).rows as R[],
    run: async (sql: string, params: readonly SqlValue[] = []) => (await query(client, sql, params)).rowCount ?? 0,
  });
  return {
    dialect: 'postgres',
    location,
    ...on(pool),
    async migrate(component, steps) {
      // A connection of its own, outside the pool and its 30 s answer bound: a migration (or the wait for another
      // replica's, under the lock) may take longer. Its errors are heard, so a connection lost mid-way fails the step.
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await applySteps(on(client), component, steps);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    close: () => pool.end(),
  };
}
