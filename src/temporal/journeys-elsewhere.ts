// npm start's data folder belongs to the namespace its journeys run in: a start with another TEMPORAL_NAMESPACE
// would leave them with no worker (their timers and codes waiting) and drop Meta's webhooks about them, unsaid.
// Its dev server is the folder's own, so the other namespaces holding running journeys are listed and named.
import type { Client } from '@temporalio/client';

/** The namespaces other than the client's with running journeys, and how many each holds (a few calls, at start). */
export async function journeysElsewhere(client: Client): Promise<{ namespace: string; running: number }[]> {
  const found: { namespace: string; running: number }[] = [];
  const { namespaces } = await client.workflowService.listNamespaces({ pageSize: 100 });
  for (const described of namespaces ?? []) {
    const namespace = described.namespaceInfo?.name ?? '';
    if (namespace === '' || namespace === client.options.namespace || namespace === 'temporal-system') continue;
    const { count } = await client.workflowService.countWorkflowExecutions({
      namespace,
      query: `WorkflowType = 'numberJourney' AND ExecutionStatus = 'Running'`,
    });
    const running = Number(count ?? 0);
    if (running > 0) found.push({ namespace, running });
  }
  return found;
}

/** Warns, naming them, of the journeys this start leaves without a worker in other namespaces of the folder's server. */
export async function warnOfJourneysElsewhere(client: Client, warn: (message: string) => void): Promise<void> {
  const elsewhere = await journeysElsewhere(client).catch(() => []); // a guard: never a reason not to start
  if (elsewhere.length === 0) return;
  const held = elsewhere.map(({ namespace, running }) => `${running} in namespace "${namespace}"`).join(', ');
  warn(
    `this data folder's dev server holds running journeys in other namespaces (${held}), and this start serves namespace "${client.options.namespace}" (TEMPORAL_NAMESPACE): theirs have no worker while it runs, and Meta's webhooks about their numbers are not routed to them. Start with their TEMPORAL_NAMESPACE to go on with them`,
  );
}
