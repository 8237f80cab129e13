// Prebuilds the worker's workflow code (the Dockerfile runs it at image build time): two bundles in the folder given,
// without and with the tracing interceptors, for NUMBERFLOW_WORKFLOW_BUNDLE. A worker then starts without webpack.
//   npx tsx scripts/bundle-workflows.ts dist/workflow-bundles
import { writeWorkflowBundles } from '../src/temporal/workflow-bundle.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npx tsx scripts/bundle-workflows.ts <folder>');
  process.exit(2);
}
for (const file of await writeWorkflowBundles(dir)) console.log(`workflow bundle: ${file}`);
