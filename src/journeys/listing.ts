// Journeys as visibility lists them (a page at a time): what the search attributes and the run say, no query needed.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import {
  NumberStage,
  PhoneNumberE164,
  PhoneNumberId,
  PortfolioId,
  WabaId,
  WaitingOn,
  WaitingSince,
} from '../domain/search-attributes.js';
import { isJourneyOutcome, type JourneyOutcome } from '../domain/stages.js';
import { closedOutsideJourney } from './closed-runs.js';
import { runsEndedByReset } from './reset-runs.js';
import { attributeOf, statusName } from '../temporal/listed-runs.js';
import { protoDate, type ProtoTime } from '../temporal/proto-time.js';

type RawExecution = proto.temporal.api.workflow.v1.IWorkflowExecutionInfo;
const { WorkflowExecutionStatus } = proto.temporal.api.enums.v1;

/** One run of a journey, from visibility. */
export interface JourneyListing {
  e164: string | null;
  workflowId: string;
  runId: string;
  /** The stage the run last showed (NumberStage), or its outcome once it ended. */
  stage: string | null;
  /** How the journey ended, for a run that ended it; null while running (or closed by continue-as-new). */
  outcome: JourneyOutcome | null;
  portfolioId: string | null;
  wabaId: string | null;
  phoneNumberId: string | null;
  /** Temporal's status of the run: RUNNING, COMPLETED, CANCELED, FAILED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT. */
  status: string;
  startedAt: string | null;
  closedAt: string | null;
  /** A person's wait no stage names ('token', 'deletion', 'removal'; WaitingOn), and since when; null when none is shown. */
  waitingOn: string | null;
  waitingSince: string | null;
}

export interface ListingPage {
  items: JourneyListing[];
  /** Opaque; null on the last page. */
  nextPageToken: Uint8Array | null;
}

/** One page of `query` (a visibility query built from checked values only), newest first. */
export async function listPage(
  client: Client,
  query: string,
  pageSize: number,
  pageToken: Uint8Array | null = null,
): Promise<ListingPage> {
  const answer = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query,
    pageSize,
    nextPageToken: pageToken,
  });
  const token = answer.nextPageToken;
  const executions = answer.executions ?? [];
  const terminated = executions
    .filter((raw) => raw.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED)
    .map((raw) => ({ workflowId: raw.execution?.workflowId ?? '', runId: raw.execution?.runId ?? '' }));
  const reset = terminated.length === 0 ? new Set<string>() : await runsEndedByReset(client, terminated);
  return {
    items: executions.map((raw) => listingOf(raw, reset.has(raw.execution?.runId ?? ''))),
    nextPageToken: token && token.length > 0 ? token : null,
  };
}

/**
 * One execution of a visibility listing as a journey's line. A run a reset ended (`endedByReset`) is no ending: it
 * shows the stage it was in, as a run continued as new does, for the journey goes on in the run the reset made.
 */
export function listingOf(raw: RawExecution, endedByReset = false): JourneyListing {
  // Search attributes are stored as plain JSON payloads (the codec never encrypts them).
  const fields = raw.searchAttributes?.indexedFields ?? {};
  const attribute = (name: string): string | null => attributeOf(fields, { name }) ?? null;
  // Closed: ended some way, with a close time (a run Temporal paused is not).
  const closed = raw.status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING && Boolean(raw.closeTime);
  // A run closed outside the journey kept the stage it was in: it reads as its view does (read.ts).
  const lastStage = attribute(NumberStage.name);
  const outside = closed && !endedByReset && !isJourneyOutcome(lastStage) ? closedOutsideJourney(raw.status) : null;
  const stage = outside?.outcome ?? lastStage;
  return {
    e164: attribute(PhoneNumberE164.name),
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    stage,
    outcome: closed && !endedByReset && isJourneyOutcome(stage) ? stage : null,
    portfolioId: attribute(PortfolioId.name),
    wabaId: attribute(WabaId.name),
    phoneNumberId: attribute(PhoneNumberId.name),
    status: statusName(raw),
    startedAt: iso(raw.startTime),
    closedAt: closed ? iso(raw.closeTime) : null,
    // A closed run waits for nobody, whatever wait its attributes last showed (a removal's deletion, say).
    waitingOn: closed ? null : attribute(WaitingOn.name) || null,
    waitingSince: closed ? null : sameIso(attribute(WaitingSince.name)),
  };
}

/**
 * A Datetime attribute as Temporal gives it back (RFC 3339 with the fraction's trailing zeros dropped: …45.12Z) in
 * the form numberflow writes times (…45.120Z), which also sorts as text in time order.
 */
function sameIso(time: string | null): string | null {
  const ms = time === null ? Number.NaN : Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString();
}

function iso(time: ProtoTime): string | null {
  return protoDate(time)?.toISOString() ?? null;
}
