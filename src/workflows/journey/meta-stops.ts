// Meta's events that stop a number's sends, and those that bring it back: the partner removed (a coexistence
// number's disconnection from the app among them), a WABA disabled, deleted, offboarded, reconnected, a partner added.
// State only — what the view says and whether sends are paused; live.ts decides what a disconnection for good ends.
// What changes is decided here and written by Journey's methods.
import { workflowInfo } from '@temporalio/workflow';
import type { NumberEvent } from '../../domain/events.js';
import type { MetaStop } from '../../domain/journey.js';
import type { Journey } from './journey.js';

/** Account updates that stop a number's sends: a WABA disabled (its ban state DISABLE), deleted or offboarded. */
function accountStops(event: Extract<NumberEvent, { kind: 'account' }>): boolean {
  if (event.event === 'DISABLED_UPDATE') return event.banState === 'DISABLE';
  return event.event === 'ACCOUNT_DELETED' || event.event === 'ACCOUNT_OFFBOARDED';
}

/** Account updates that bring a stopped number back: a ban lifted (REINSTATE), the account or partner back. */
function accountResumes(event: Extract<NumberEvent, { kind: 'account' }>): boolean {
  if (event.event === 'DISABLED_UPDATE') return event.banState === 'REINSTATE';
  return event.event === 'ACCOUNT_RECONNECTED' || event.event === 'PARTNER_ADDED';
}

/** Meta's disconnection reasons after which the number may come back by itself (its docs: a reconnection follows). */
const RECONNECTABLE_DISCONNECTIONS: readonly string[] = ['PRIMARY_INACTIVITY', 'USER_RE_REGISTERED'];

/** Whether Meta may reconnect a number after a disconnection for `reason` (else it is for good). */
export function reconnectable(reason: string): boolean {
  return RECONNECTABLE_DISCONNECTIONS.includes(reason);
}

/**
 * Whether a resuming update lifts the stop standing: a ban only by its REINSTATE (a partner or an account coming back
 * lifted it too), the others only by a partner or an account coming back.
 */
function resumes(event: Extract<NumberEvent, { kind: 'account' }>, stop: MetaStop | null | undefined): boolean {
  if (!stop) return true;
  // A ban's REINSTATE lifts the ban alone; the ban, nothing else.
  return (stop.event === BAN) === (event.event === BAN);
}

/** The stop a WABA's ban is (DISABLED_UPDATE with the ban state DISABLE). */
const BAN = 'DISABLED_UPDATE';

/** Account updates a note says (the others are only recorded in recentEvents). */
const SAID_ACCOUNT_EVENTS: readonly string[] = [
  'DISABLED_UPDATE',
  'ACCOUNT_VIOLATION',
  'ACCOUNT_DELETED',
  'ACCOUNT_OFFBOARDED',
  'ACCOUNT_RECONNECTED',
  'ACCOUNT_REVIEW_UPDATE',
];

/** Meta removed the partner (numberflow's app) from the WABA, or a coexistence number from the app. */
export function receivePartnerRemoved(
  journey: Journey,
  event: Extract<NumberEvent, { kind: 'partner_removed' }>,
): void {
  const detail = event.reason ? `${event.reason}, by ${event.initiatedBy ?? 'unknown'}` : null;
  journey.note('meta', `partner removed${detail ? ` (${detail})` : ''}`);
  metaStopped(journey, { event: 'PARTNER_REMOVED', detail, at: event.at });
  // A coexistence number's disconnection from the app (state only: live.ts decides what it ends) — not one
  // dated before this journey began, an earlier journey's delivered again (Meta retries for days; it dates its
  // webhooks to the second, so one of this journey's first second is its own).
  const { disconnection } = journey.state;
  const ofThisJourney = Date.parse(event.at) >= Math.floor(workflowInfo().startTime.getTime() / 1000) * 1000;
  const latest = !disconnection || event.at >= disconnection.at;
  if (event.reason && journey.state.coexistence && ofThisJourney && latest) {
    journey.disconnectedFromApp({ reason: event.reason, initiatedBy: event.initiatedBy, at: event.at });
  }
}

/** An update of the WABA's account: what stops the number sending, or brings it back, is for people to see. */
export function receiveAccountUpdate(journey: Journey, event: Extract<NumberEvent, { kind: 'account' }>): void {
  // Partner and billing events are only recorded (recentEvents).
  if (SAID_ACCOUNT_EVENTS.includes(event.event)) {
    journey.note('meta', `account update ${event.event}${event.detail ? ` (${event.detail})` : ''}`);
  }
  if (accountStops(event)) metaStopped(journey, { event: event.event, detail: event.detail ?? null, at: event.at });
  if (accountResumes(event) && resumes(event, journey.state.stoppedByMeta)) {
    const lifted = journey.state.stoppedByMeta;
    metaStopped(journey, null, event.at);
    if (lifted && !journey.state.stoppedByMeta)
      journey.note('meta', `${event.event}: sends resumed (${lifted.event} lifted)`);
  }
}

/**
 * Meta stopped the number's sends (its WABA disabled, deleted or offboarded, the partner removed): the view says so,
 * and pauses sends, until an event brings it back. State only: the journey's steps do not change (Meta refuses
 * what it no longer allows, and the journey meets that as any refusal).
 */
function metaStopped(journey: Journey, stop: MetaStop | null, at = stop?.at ?? ''): void {
  const { state } = journey;
  // By Meta's dates: a stop delivered again after the event that lifted it (Meta retries for days) changes nothing.
  const last = state.metaStopChangedAt;
  if (last !== undefined && Date.parse(at) < Date.parse(last)) return;
  // A ban standing outranks another stop: that one's lift (a partner added) must not end the ban.
  if (stop && stop.event !== BAN && state.stoppedByMeta?.event === BAN) return;
  journey.metaStopChanged(stop, at);
}
