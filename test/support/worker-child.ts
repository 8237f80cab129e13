// A numberflow worker as a process of its own, for tests that kill it (SIGKILL) and start it again. It runs the
// real activities against the sandbox the test holds (GRAPH_BASE_URL, META_ACCESS_TOKEN) on the test's server
// (TEMPORAL_ADDRESS) and task queue (TEMPORAL_TASK_QUEUE), with the prebuilt bundle WORKFLOW_BUNDLE_PATH.
import { createActivities } from '../../src/activities/index.js';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { codecKeysFor } from '../../src/codec/keys.js';
import { secretsKeysFor } from '../../src/codec/secrets-keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { installTemporalLogging } from '../../src/temporal/runtime-logging.js';
import { graphClientFromConfig } from '../../src/graph/from-config.js';
import { staticTokenProvider } from '../../src/graph/tokens.js';
import { openDatabase } from '../../src/stores/open.js';
import { SqlIdentityStore } from '../../src/stores/sql-identity-store.js';
import { connectClient, connectWorkerConnection } from '../../src/temporal/connection.js';
import { createNumberflowWorker } from '../../src/worker.js';

const codePath = process.env.WORKFLOW_BUNDLE_PATH;
if (!codePath) throw new Error('WORKFLOW_BUNDLE_PATH is not set');
const config = loadConfig();
installTemporalLogging(createLogger(config.LOG_LEVEL)); // its log lines on stdout, as `npm run worker` writes them
const dataConverter = createDataConverter(codecKeysFor(config), secretsKeysFor(config, { unseal: true }));
const graph = graphClientFromConfig(config, staticTokenProvider(config.META_ACCESS_TOKEN ?? ''));
const client = await connectClient(config, dataConverter);
const connection = await connectWorkerConnection(config);
const identities = await SqlIdentityStore.open(await openDatabase(config));
const activities = createActivities({ graph, identities, temporal: client, taskQueue: config.TEMPORAL_TASK_QUEUE });
const worker = await createNumberflowWorker({
  connection,
  config,
  activities,
  dataConverter,
  workflowBundle: { codePath },
});
console.log(JSON.stringify({ msg: 'worker running', pid: process.pid }));
await worker.run(); // the test ends it with SIGKILL (or SIGTERM: the runtime drains it)
await graph.close();
await client.connection.close();
await connection.close();
