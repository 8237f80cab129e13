// npm start's warning of the journeys a start in another namespace leaves without a worker (dev server).
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../src/domain/journey.js';
import { warnOfJourneysElsewhere } from '../../src/temporal/journeys-elsewhere.js';
import { journeyInput } from '../support/journeys.js';
import { until } from '../support/listed.js';
import { connectDevServer, testDataConverter, uniqueTaskQueue, type TestEnv } from '../support/temporal.js';

describe("the journeys of the folder's other namespaces, at npm start (dev server)", () => {
  let env: TestEnv;
  const ours = `ours-${randomUUID().slice(0, 8)}`;
  const theirs = `theirs-${randomUUID().slice(0, 8)}`;
  const inNamespace = (namespace: string) =>
    new Client({ connection: env.client.connection, namespace, dataConverter: testDataConverter });

  beforeAll(async () => {
    env = await connectDevServer();
    for (const namespace of [ours, theirs])
      await env.client.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(86_400_000),
      });
  });
  afterAll(async () => env?.teardown());

  it('names the namespaces that hold running journeys and how many, and says nothing of its own', async () => {
    const input = journeyInput();
    const workflowId = journeyWorkflowId(input.phoneNumber.e164);
    const elsewhere = inNamespace(theirs);
    await until(
      () =>
        elsewhere.workflow
          .start('numberJourney', { taskQueue: uniqueTaskQueue('nobody'), workflowId, args: [input] })
          .then(
            () => true,
            () => null, // a namespace just made takes a moment to be served
          ),
      'a journey started in the other namespace',
    );
    const query = `WorkflowType = 'numberJourney' AND ExecutionStatus = 'Running'`;
    await until(async () => ((await elsewhere.workflow.count(query)).count === 1 ? true : null), 'listed');
    const warnings: string[] = [];
    await warnOfJourneysElsewhere(inNamespace(ours), (message) => warnings.push(message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`1 in namespace "${theirs}"`);
    expect(warnings[0]).toContain(
      `and this start serves namespace "${ours}" (TEMPORAL_NAMESPACE): theirs have no worker while it runs, and Meta's webhooks about their numbers are not routed to them. Start with their TEMPORAL_NAMESPACE to go on with them`,
    );
    // Started in its own namespace, it would not name that one.
    const fromTheirs: string[] = [];
    await warnOfJourneysElsewhere(elsewhere, (message) => fromTheirs.push(message));
    expect(fromTheirs.join('\n')).not.toContain(`in namespace "${theirs}"`);
    await elsewhere.workflow.getHandle(workflowId).terminate('test done');
  }, 60_000);
});
