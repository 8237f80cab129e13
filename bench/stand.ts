// What every benchmark runs on: a dev server of its own, a Graph sandbox on loopback with one portfolio and WABA,
// and a Graph client with the WABA's token. `close` stops them in reverse.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { customSearchAttributes } from '../src/domain/search-attributes.js';
import { GraphClient } from '../src/graph/client.js';
import { staticTokenProvider } from '../src/graph/tokens.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/index.js';
import { SqlIdentityStore } from '../src/stores/sql-identity-store.js';
import { openSqlite } from '../src/stores/sqlite.js';
import { resolveBinary, toSdkExecutable } from '../src/temporal/binaries.js';

export interface BenchStand {
  env: TestWorkflowEnvironment;
  sandbox: Sandbox;
  graph: GraphClient;
  /** Customers' identity hashes, in a SQLite file of the stand's own. */
  identities: SqlIdentityStore;
  portfolioId: string;
  wabaId: string;
  close(): Promise<void>;
}

export async function startBenchStand(sandboxOptions: SandboxOptions): Promise<BenchStand> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: toSdkExecutable(resolveBinary('cli')),
      ip: '127.0.0.1',
      searchAttributes: customSearchAttributes,
    },
  });
  const sandbox = await startSandbox(sandboxOptions);
  const { portfolioId } = sandbox.admin.createPortfolio({ maxPhoneNumbers: 1_000_000 });
  const { wabaId } = sandbox.admin.createWaba({ portfolioId });
  const graph = new GraphClient({
    baseUrl: sandbox.url,
    tokens: staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [wabaId] })),
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-bench-'));
  const db = openSqlite(join(dataDir, 'numberflow.sqlite'));
  const identities = await SqlIdentityStore.open(db);
  return {
    env,
    sandbox,
    graph,
    identities,
    portfolioId,
    wabaId,
    close: async () => {
      await graph.close();
      await sandbox.close();
      await env.teardown();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
