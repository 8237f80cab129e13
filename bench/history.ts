// History events per happy journey: BENCH_HISTORY_JOURNEYS journeys (9) walked to LIVE one after another through
// the real receiver, each history counted by event type; the figure is the median journey's, with the range in its
// note (Meta's webhooks fall into more or fewer workflow tasks from one journey to the next). Also answers the
// journey's shape (activities around the code's update, signals) for the ideal workflow of bench/throughput.ts, and
// replays the walked histories with and without workflow stack traces (bench/stack-traces.ts).
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { LOCAL_ACTIVITY_MARKER } from '../src/audit/decode.js';
import { figure, middle, type Figure } from './figures.js';
import { happyJourney, type JourneyAt } from './journeys.js';
import { oddCountFrom } from './settings.js';
import { startBenchStand, type BenchStand } from './stand.js';
import { stackTraceFigures } from './stack-traces.js';
import type { CallKind, IdealJourneyShape } from './workflows.js';

const EventType = proto.temporal.api.enums.v1.EventType;

export interface HappyHistory {
  events: number;
  byType: Record<string, number>;
  shape: IdealJourneyShape;
  /** The history itself, as Temporal's protobuf (payloads as the stand's codec encrypted them). */
  encoded: Uint8Array;
}

/** The activity call an event records, if any: an activity scheduled, or a local activity's marker. */
function callOf(event: proto.temporal.api.history.v1.IHistoryEvent): CallKind | null {
  if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) return 'activity';
  return event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER ? 'local' : null;
}

/** Walks journey `i` to LIVE and reads its history. */
export async function happyHistory(stand: BenchStand, at: JourneyAt, i: number): Promise<HappyHistory> {
  const client: Client = stand.client;
  const workflowId = await happyJourney(client, stand.sandbox.admin, at, i);
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const byType: Record<string, number> = {};
  const shape: IdealJourneyShape = { before: [], after: [], signals: 0 };
  let updated = false;
  for (const event of events) {
    const type = EventType[event.eventType ?? 0] ?? 'UNKNOWN';
    const short = type.replace(/^EVENT_TYPE_/, '');
    byType[short] = (byType[short] ?? 0) + 1;
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) updated = true;
    const call = callOf(event);
    if (call) shape[updated ? 'after' : 'before'].push(call);
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) shape.signals += 1;
  }
  return {
    events: events.length,
    byType,
    shape,
    encoded: proto.temporal.api.history.v1.History.encode(history).finish(),
  };
}

export async function historyBench(): Promise<Figure[]> {
  const journeys = oddCountFrom('BENCH_HISTORY_JOURNEYS', 9, 101, 'journey');
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 2, nameReviewDelayMs: 0 });
  const taskQueue = 'bench-history';
  try {
    await stand.serve(taskQueue);
    await stand.openPortfolio(taskQueue);
    const worker = await stand.worker(taskQueue);
    const at = { taskQueue, wabaId: stand.wabaId, portfolioId: stand.portfolioId };
    const walked = await worker.runUntil(async () => {
      const histories: HappyHistory[] = [];
      for (let i = 0; i < journeys; i++) histories.push(await happyHistory(stand, at, i));
      return histories;
    });
    const median = middle(walked, (history) => history.events);
    const counts = walked.map((history) => history.events);
    const range = `${Math.min(...counts)}–${Math.max(...counts)}`;
    const kinds = Object.entries(median.byType)
      .sort(([, a], [, b]) => b - a)
      .map(([type, n]) => `${n} ${type}`)
      .join(', ');
    return [
      figure('history events per happy journey', median.events, 'events', {
        goal: { of: 'value', atMost: 50 },
        note: `the median of ${journeys} journeys (${range}); its events from start to LIVE: ${kinds}`,
      }),
      ...(await stackTraceFigures(
        walked.map((history) => history.encoded),
        stand.dataDir,
      )),
    ];
  } finally {
    await stand.close();
  }
}
