// The one SQL surface numberflow's stores are written against, served by SQLite (the embedded default, a file in
// the data folder) and by PostgreSQL (a fleet). Statements use `?` placeholders and the SQL both dialects share
// (ON CONFLICT upserts, TEXT columns), so each store is written once. Schemas are versioned per component in
// `numberflow_schema`, applied under the database's own lock, so processes starting together migrate once.

export type SqlValue = string | number | null;

export interface SqlDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  /** Where the database is, without credentials, for messages. */
  readonly location: string;
  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** Runs a statement; answers how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Applies the steps of `component` that this database has not had yet, in order, once. */
  migrate(component: string, steps: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** What a migration runs on: the database inside the lock its dialect takes. */
export type SqlExecutor = Pick<SqlDatabase, 'all' | 'run'>;

/** Shared by both dialects, run inside their lock and transaction. */
export async function applySteps(db: SqlExecutor, component: string, steps: readonly string[]): Promise<void> {
  await db.run('CREATE TABLE IF NOT EXISTS numberflow_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const [row] = await db.all<{ version: number }>('SELECT version FROM numberflow_schema WHERE component = ?', [
    component,
  ]);
  const applied = row ? Number(row.version) : 0;
  if (applied > steps.length) {
    throw new Error(
      `the ${component} schema is at version ${applied}, newer than this numberflow knows (${steps.length}): upgrade numberflow`,
    );
  }
  for (const step of steps.slice(applied)) await db.run(step);
  if (applied < steps.length) {
    await db.run(
      'INSERT INTO numberflow_schema (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
      [component, steps.length],
    );
  }
}
