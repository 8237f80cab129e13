// Routes Meta's webhook events to the workflows they concern: number events to `number:<E.164>` (with the WABA they
// came from, which the journey checks), the cap to `portfolio:<id>`, customers' identity hashes to the identity store
// (./identity-capture.ts). A change no workflow waits for is dropped; duplicates are harmless (handlers are
// idempotent).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { NumberEvent } from '../domain/events.js';
import { journeyWorkflowId } from '../domain/journey.js';
import { journeyPolicy } from '../domain/policy.js';
import { numberEventSignal } from '../domain/messages.js';
import { capabilityUpdateSignal, portfolioWorkflowId, type CapabilityUpdate } from '../domain/portfolio.js';
import { PortfolioId } from '../domain/search-attributes.js';
import { registeredNumbers } from '../activities/graph-activities.js';
import type { GraphClient } from '../graph/client.js';
import type { MessagesValue } from '../graph/webhook-fields.js';
import type { WebhookEvent } from '../graph/webhooks.js';
import { mismatchReporter } from '../identity/report-mismatch.js';
import type { IdentityStore } from '../stores/identity-store.js';
import { captureIdentities } from './identity-capture.js';
import { isGraphId, numberDigits } from './webhook-keys.js';
import type { portfolio } from '../workflows/portfolio.js';
import { listedRuns } from '../temporal/listed-runs.js';

export interface RoutedEvent {
  field: string;
  target: string | null;
  /** What happened: "signalled", or why nothing was. */
  outcome: string;
}

export interface WebhookRouterOptions {
  client: Client;
  taskQueue: string;
  /** Where a portfolio started by a capability update runs (src/config.ts portfolioTaskQueue); else taskQueue. */
  portfolioTaskQueue?: string;
  /** Finds the portfolio of a WABA no journey knows yet, and the numbers it already has registered. */
  graph: GraphClient;
  /** Where customers' identity hashes are kept (left out: hashes are not read, 137000s not acted on). */
  identities?: IdentityStore;
}

/**
 * What routing learnt while routing a batch of deliveries, all received before it began. A workflow found not
 * running gets nothing more from the batch: a journey started after that check was not running when any of the
 * batch's changes arrived, and routed on arrival they would not have reached it either. So the batch's later changes
 * for it are answered "no running journey" without asking Temporal again (a number no journey manages — on a WABA
 * shared with another onboarding path — may send thousands of statuses).
 */
export class RoutingBatch {
  readonly notRunning = new Set<string>();
}

/**
 * Paid messages matter to a journey only for Meta's 30-day deletion block: one signal an hour per number will do (the
 * journey waits an hour more than the block for it).
 */
const PAID_MESSAGE_SIGNAL_EVERY_MS = journeyPolicy.paidMessageHeardEveryMs;

export function createWebhookRouter({
  client,
  taskQueue,
  portfolioTaskQueue,
  graph,
  identities,
}: WebhookRouterOptions) {
  const reportMismatch = mismatchReporter(client, taskQueue);
  const lastPaidSignal = new Map<string, number>(); // WABA and display_phone_number → when its journey last heard
  /** A number's event, with the WABA it came from: the journey ignores one of another WABA than its own. */
  const toNumber = async (
    displayPhoneNumber: string,
    event: NumberEvent,
    wabaId: string,
    batch?: RoutingBatch,
  ): Promise<RoutedEvent> => {
    // E.164 has at most 15 digits: anything else names no journey (and would make an overlong workflow id).
    const digits = numberDigits(displayPhoneNumber);
    if (digits === null) return { field: event.kind, target: null, outcome: 'not a phone number' };
    const target = journeyWorkflowId(`+${digits}`);
    const routed = { ...event, wabaId };
    return signal(target, event.kind, () => client.workflow.getHandle(target).signal(numberEventSignal, routed), batch);
  };

  /** WABA-wide events go to every running journey of that WABA (listed once), each in order. */
  const toWaba = async (wabaId: string, events: readonly NumberEvent[]): Promise<RoutedEvent[]> => {
    const routed: RoutedEvent[] = [];
    for await (const execution of listedRuns(client, `WabaId = '${wabaId}' AND ExecutionStatus = 'Running'`)) {
      for (const event of events) {
        routed.push(
          await signal(execution.workflowId, event.kind, () =>
            client.workflow.getHandle(execution.workflowId).signal(numberEventSignal, event),
          ),
        );
      }
    }
    return routed;
  };

  /**
   * Meta sends the cap when a WABA is created, before any journey of it exists: the portfolio is started then. The
   * owner is Meta's. When Meta cannot be asked (no token for the WABA, one revoked, Graph down), the portfolio that
   * admitted a running journey of the WABA stands in — its admission read the owner at Meta — never one a journey
   * merely names (started there by mistake, it is refused or waits for capacity); with none, the update fails.
   */
  const toPortfolio = async (wabaId: string, maxPhoneNumbers: number, at?: string): Promise<RoutedEvent> => {
    const portfolioId = await graph.getWabaOwner(wabaId).then(
      (owner) => owner.portfolioId,
      async (err: unknown) => (await admittingPortfolio(client, wabaId)) ?? Promise.reject(err),
    );
    const workflowId = portfolioWorkflowId(portfolioId);
    const running = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then(
        (d) => d.status.name === 'RUNNING',
        () => false,
      );
    // Seeded as the journeys' acquireSlot seeds it; a running portfolio ignores the start arguments.
    const preregistered = running ? [] : await registeredNumbers(graph, wabaId);
    await client.workflow.signalWithStart<typeof portfolio, [CapabilityUpdate]>('portfolio', {
      workflowId,
      taskQueue: portfolioTaskQueue ?? taskQueue,
      args: [
        {
          portfolioId,
          cap: maxPhoneNumbers,
          capSource: 'meta_webhook',
          capAt: at,
          preregistered,
          preregisteredWabaId: wabaId,
        },
      ],
      signal: capabilityUpdateSignal,
      signalArgs: [{ maxPhoneNumbers, at }],
    });
    return { field: 'business_capability_update', target: workflowId, outcome: 'signalled' };
  };

  /** `batch`: the routing of several deliveries at once, received before it began (the inbox's drain). */
  return async function route(event: WebhookEvent, batch?: RoutingBatch): Promise<RoutedEvent[]> {
    // Ids go into visibility queries: only Graph's numeric ids are accepted.
    if (!isGraphId(event.wabaId)) return [{ field: event.field, target: null, outcome: 'not a WABA id' }];
    if (event.field === 'unknown') {
      const outcome = event.issues === undefined ? 'not routed' : `refused: ${event.issues}`;
      return [{ field: event.rawField, target: null, outcome }];
    }
    // Without entry.time, the event is dated when it was received, not when it is routed (an inbox may hold it long).
    const at = new Date(event.time === undefined ? event.receivedAt : event.time * 1000).toISOString();
    switch (event.field) {
      case 'phone_number_name_update':
        return [
          await toNumber(
            event.value.display_phone_number,
            {
              kind: 'name',
              decision: event.value.decision,
              requestedName: event.value.requested_verified_name,
              rejectionReason: event.value.rejection_reason ?? null,
              at,
              ...(event.time === undefined ? { undated: true } : {}),
            },
            event.wabaId,
            batch,
          ),
        ];
      case 'phone_number_quality_update':
        return [
          await toNumber(
            event.value.display_phone_number,
            {
              kind: 'quality',
              event: event.value.event,
              currentLimit: event.value.current_limit ?? null,
              at,
            },
            event.wabaId,
            batch,
          ),
        ];
      case 'business_capability_update': {
        // The portfolio's cap is the business's; a per-WABA figure is not a cap on the portfolio's numbers.
        const cap = Number(event.value.max_phone_numbers_per_business);
        if (!Number.isInteger(cap) || cap <= 0) {
          const perWaba = event.value.max_phone_numbers_per_waba;
          const outcome =
            perWaba === undefined
              ? 'no registered-number cap in it'
              : `no registered-number cap of the business in it (max_phone_numbers_per_waba ${String(perWaba).slice(0, 20)} is the WABA's, not the portfolio's)`;
          return [{ field: event.field, target: null, outcome }];
        }
        // Only Meta's own date orders caps (one dated when received could pass over a later one of Meta's).
        const sentAt = event.time === undefined ? undefined : at;
        return [await toPortfolio(event.wabaId, cap, sentAt)];
      }
      case 'account_update': {
        // An update naming a number (a coexistence number's disconnection) is that number's; else the WABA's.
        const events = accountEvents(event.value, at);
        const number = event.value.phone_number;
        if (number === undefined) return toWaba(event.wabaId, events);
        const routed: RoutedEvent[] = [];
        for (const one of events) routed.push(await toNumber(number, one, event.wabaId, batch));
        return routed;
      }
      case 'account_review_update':
        return toWaba(event.wabaId, [
          {
            kind: 'account',
            event: 'ACCOUNT_REVIEW_UPDATE',
            detail: `decision ${event.value.decision}`.slice(0, 200),
            at,
          },
        ]);
      case 'messages': {
        const captured = identities
          ? await captureIdentities({ client, identities, reportMismatch }, event.wabaId, event.value, event.receivedAt)
          : [];
        return [...captured, ...(await paidMessage(event.wabaId, event.value, batch))];
      }
      default:
        return [{ field: event.field, target: null, outcome: 'not routed' }];
    }
  };

  /** Paid messages matter to a journey only for Meta's 30-day deletion block. */
  async function paidMessage(wabaId: string, value: MessagesValue, batch?: RoutingBatch): Promise<RoutedEvent[]> {
    const number = value.metadata.display_phone_number;
    const latestPaid = Math.max(
      0,
      ...(value.statuses ?? [])
        .filter((status) => status.pricing?.billable === true)
        .map((status) => Number(status.timestamp) * 1000),
    );
    // Never later than now: a paid message dated ahead would hold Meta's 30-day deletion block longer.
    const paidAt = Math.min(latestPaid, Date.now());
    const heard = `${wabaId}:${number}`;
    if (paidAt === 0 || paidAt - (lastPaidSignal.get(heard) ?? 0) < PAID_MESSAGE_SIGNAL_EVERY_MS) return [];
    const paid: NumberEvent = { kind: 'paid_message', at: new Date(paidAt).toISOString() };
    const routed = await toNumber(number, paid, wabaId, batch);
    // Only a journey that heard counts as told: with none running yet, the next billable status is sent again.
    if (routed.outcome === 'signalled') lastPaidSignal.set(heard, paidAt);
    return [routed];
  }
}

/** An account update as the journeys hear it: a restriction each, when Meta lists several at once. */
function accountEvents(value: Extract<WebhookEvent, { field: 'account_update' }>['value'], at: string): NumberEvent[] {
  if (value.event === 'ACCOUNT_RESTRICTION') {
    const restrictions = value.restriction_info?.length ? value.restriction_info : [undefined];
    return restrictions.map((restriction) => ({
      kind: 'restriction',
      restrictionType: restriction?.restriction_type ?? 'UNKNOWN',
      expiration: restriction?.expiration == null ? null : String(restriction.expiration),
      at,
    }));
  }
  if (value.event === 'PARTNER_REMOVED') {
    return [
      {
        kind: 'partner_removed',
        reason: value.disconnection_info?.reason ?? null,
        initiatedBy: value.disconnection_info?.initiated_by ?? null,
        at,
      },
    ];
  }
  const banState = value.ban_info ? ([value.ban_info.waba_ban_state].flat().at(-1) ?? null) : null;
  return [{ kind: 'account', event: value.event, detail: accountDetail(value), ...(banState ? { banState } : {}), at }];
}

/** What Meta said with an account update beside its name, in a few words (null when nothing). */
function accountDetail(value: Extract<WebhookEvent, { field: 'account_update' }>['value']): string | null {
  const words: string[] = [];
  if (value.ban_info) {
    const states = [value.ban_info.waba_ban_state].flat().join('/');
    words.push(
      `waba_ban_state ${states}${value.ban_info.waba_ban_date ? ` from ${value.ban_info.waba_ban_date}` : ''}`,
    );
  }
  if (value.violation_info) words.push(`violation ${value.violation_info.violation_type}`);
  return words.length > 0 ? words.join(', ').slice(0, 200) : null;
}

async function signal(
  target: string,
  what: string,
  send: () => Promise<void>,
  batch?: RoutingBatch,
): Promise<RoutedEvent> {
  const notRunning = { field: what, target, outcome: 'no running journey' };
  if (batch?.notRunning.has(target)) return notRunning;
  try {
    await send();
    return { field: what, target, outcome: 'signalled' };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    batch?.notRunning.add(target);
    return notRunning;
  }
}

/**
 * The portfolio that admitted a running journey of the WABA: one past `WAITING_FOR_CAPACITY` (a journey's admission
 * reads the WABA's owner at Meta first), from its search attributes. Null when none runs so.
 */
async function admittingPortfolio(client: Client, wabaId: string): Promise<string | null> {
  const query = `WabaId = '${wabaId}' AND ExecutionStatus = 'Running' AND NumberStage != 'WAITING_FOR_CAPACITY'`;
  for await (const execution of listedRuns(client, query, 1)) {
    const portfolioId = execution.attribute(PortfolioId);
    if (portfolioId) return portfolioId;
  }
  return null;
}
