// Updates and signals in a run: people's actions with the journey's answer, Meta's webhook events, the portfolio's
// answers, the slot the journey gave back, and a cancel asked through Temporal. Signals a person or Meta sent are
// marked for the journey's notes (a refusal is only there).
import proto from '@temporalio/proto';
import { secretSentInClear } from '../codec/clear-secrets.js';
import { describeInClear } from '../codec/undecryptable.js';
import { SEND_ANSWER_MS } from '../domain/identity.js';
import { isMessageObject, notAnObject } from '../domain/operator-input.js';
import { describeMessage, knownMessage, plainAnswers, secretAnswers, type Described } from './actions.js';
import {
  actorField,
  allowed,
  answerMessageField,
  capRefusalFields,
  outcomeFields,
  slotReleaseFields,
} from './payloads.js';
import { channelOf } from '../temporal/client-identity.js';
import type { TimelineEntry } from './types.js';
import type { At, Walk } from './walk.js';

const SignalFailed = proto.temporal.api.enums.v1.SignalExternalWorkflowExecutionFailedCause;
const AdmittedOrigin = proto.temporal.api.enums.v1.UpdateAdmittedEventOrigin;

export class Messages {
  private readonly updates = new Map<string, { entry: TimelineEntry; name: string }>();
  /** Meta's events the run took, as they came: the same one again is said to be a copy. */
  private readonly webhooksSeen = new Set<string>();

  constructor(private readonly walk: Walk) {}

  /** The entry of an update's request, kept by its id for its completion. */
  private async updateEntry(
    at: At,
    request: proto.temporal.api.update.v1.IRequest | null | undefined,
    id: string,
    accepted = true,
  ): Promise<{ entry: TimelineEntry; name: string }> {
    const name = request?.input?.name ?? '';
    const arg = knownMessage(name) ? await this.walk.reader.first(request?.input?.args?.payloads, at.where) : undefined;
    const update = {
      entry: at.add(throughChannel(describeMessage(name, arg, 'update'), request?.meta?.identity)),
      name,
    };
    this.updates.set(id, update);
    if (accepted) this.cancelAsked(update);
    return update;
  }

  /** Whether the run took this very event (every field alike, its date among them) before. */
  private copyOfAnEarlier(name: string, arg: unknown): boolean {
    const key = `${name}\u0000${JSON.stringify(arg)}`;
    if (this.webhooksSeen.has(key)) return true;
    this.webhooksSeen.add(key);
    return false;
  }

  /** An accepted cancel names who asked, for the ending Temporal's cancel then gives. */
  private cancelAsked({ entry, name }: { entry: TimelineEntry; name: string }): void {
    if (name === 'cancelJourney' && entry.actor) this.walk.cancel.actor = entry.actor;
  }

  /** Takes the event if it is an update's, a signal's or a cancel request's. */
  async take(at: At): Promise<boolean> {
    const { event } = at;
    const { reader } = this.walk;
    // An update a reset applies again is admitted first, with its request; its acceptance (if the journey takes it
    // where the reset took it back to) names only its id.
    const admitted = event.workflowExecutionUpdateAdmittedEventAttributes;
    if (admitted) {
      const reapplied = admitted.origin === AdmittedOrigin.UPDATE_ADMITTED_EVENT_ORIGIN_REAPPLY;
      const { entry } = await this.updateEntry(at, admitted.request, admitted.request?.meta?.updateId ?? '', false);
      if (reapplied) entry.what = `${entry.what}, applied again by a reset`;
      entry.outcome = reapplied
        ? 'not taken: the journey was not waiting for it where the reset took it back to'
        : 'not taken by the journey';
      return true;
    }
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    if (accepted) {
      const id = accepted.acceptedRequest?.meta?.updateId ?? accepted.protocolInstanceId ?? '';
      const readmitted = this.updates.get(id);
      if (readmitted) {
        delete readmitted.entry.outcome; // taken after all: its answer comes with its completion
        this.cancelAsked(readmitted);
        return true;
      }
      await this.updateEntry(at, accepted.acceptedRequest, id);
      return true;
    }
    const completed = event.workflowExecutionUpdateCompletedEventAttributes;
    if (completed) {
      const update = this.updates.get(completed.meta?.updateId ?? '');
      if (!update) return true;
      const { entry } = update;
      if (completed.outcome?.failure) {
        entry.outcome = `failed: ${completed.outcome.failure.message ?? 'unknown failure'}`;
        return true;
      }
      const secret = secretAnswers.get(update.name);
      if (secret) {
        entry.outcome = secret;
        return true;
      }
      const answer = await reader.first(completed.outcome?.success?.payloads, at.where);
      if (plainAnswers.has(update.name)) {
        const plain = allowed(answerMessageField, answer);
        if (plain) entry.outcome = `accepted: ${plain.message}`;
        return true;
      }
      const outcome = allowed(outcomeFields, answer);
      if (!outcome) return true;
      entry.outcome = `${outcome.pending ? 'received' : outcome.accepted ? 'accepted' : 'refused'}: ${outcome.message}`;
      if (outcome.attemptsLeft !== null) entry.attemptsLeft = outcome.attemptsLeft;
      return true;
    }
    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (signaled) {
      const name = signaled.signalName ?? '';
      const gaps = reader.gaps.length;
      const arg = knownMessage(name) ? await reader.first(signaled.input?.payloads, at.where) : undefined;
      const described = describeMessage(name, arg, 'signal');
      // A payload that cannot be read here: one no key opens (malformed, sent by hand) the worker dropped too; one of
      // a key missing here the worker may have held (its notes say). Who sent it is what Temporal recorded.
      const unread = reader.gaps.length > gaps ? reader.gaps.at(-1) : undefined;
      const shown =
        unread !== undefined && !described.actor ? { ...described, actor: signaled.identity || 'temporal' } : described;
      const entry = at.add(throughChannel(withinSend(shown, at.ms), signaled.identity));
      if (described.kind === 'webhook' && arg !== undefined && this.copyOfAnEarlier(name, arg)) {
        entry.outcome =
          'delivered again: the same event as an earlier delivery (Meta retries, and each service replica keeps its own inbox; or a replica that stopped abruptly routed it again at its next start)';
      }
      if (unread !== undefined) {
        const why = unread.replace(/^[^:]*: /, '');
        entry.outcome =
          reader.lastUnreadable?.reason === 'malformed'
            ? `ignored: it could not be read (${why}); no key opens it, so the workflow dropped it unread`
            : `could not be read here (${why}): the worker may hold that key, and its notes say whether it took it`;
      }
      const personOrMeta = described.kind === 'action' || described.kind === 'webhook';
      // Read, but no object (sent by hand, `null` or no input): the journey noted it and dropped it, and so does this.
      if (unread === undefined && knownMessage(name) && personOrMeta && !isMessageObject(arg)) {
        entry.outcome = `ignored: ${notAnObject(arg)}`;
      }
      // The journey dropped it unread (src/workflows/undecryptable-guard.ts): said, as the sender should know.
      const inClear = secretSentInClear(signaled.input?.payloads);
      if (inClear) entry.outcome = `ignored: ${describeInClear({ field: inClear })}; treat the ${inClear} as exposed`;
      // People and Meta's webhooks are what the journey notes about; the portfolio's answers it does not.
      // Matched to the journey's notes by the sender as sent (attachNotes names both sides alike), not as shown.
      if (described.actor && personOrMeta) at.noted(entry, allowed(actorField, arg)?.actor ?? described.actor);
      if (name === 'cancel' && described.actor) this.walk.cancel.actor = described.actor;
      return true;
    }
    const external = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
    if (external) {
      if (external.signalName === 'capRefused') {
        const refusal = allowed(capRefusalFields, await reader.first(external.input?.payloads, at.where));
        const count = refusal ? ` with ${refusal.registered} registered` : '';
        at.add({ kind: 'portfolio', what: `told the portfolio Meta refused the add at its cap${count}` });
        return true;
      }
      if (external.signalName !== 'releaseSlot') return true;
      const release = allowed(slotReleaseFields, await reader.first(external.input?.payloads, at.where));
      // A journey still waiting for capacity held a place in the queue, not a slot.
      const what = release?.stillRegistered
        ? 'kept its portfolio slot: Meta still counts the number as registered'
        : this.walk.stage === 'WAITING_FOR_CAPACITY'
          ? "left its place in the portfolio's queue"
          : 'gave its registration slot back to the portfolio';
      const cap = release?.capRefusedAt === undefined ? '' : `, telling it Meta's cap holds ${release.capRefusedAt}`;
      at.add({ kind: 'portfolio', what: what + cap });
      return true;
    }
    // A signal to the portfolio Temporal could not deliver (the portfolio was not running).
    const undelivered = event.signalExternalWorkflowExecutionFailedEventAttributes;
    if (undelivered) {
      const cause = SignalFailed[undelivered.cause ?? 0] ?? 'UNSPECIFIED';
      const why =
        cause === 'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND'
          ? 'it was not running'
          : `Temporal refused the signal (${cause.replace('SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_', '')})`;
      at.add({ kind: 'portfolio', what: `the portfolio could not be told: ${why}` });
      return true;
    }
    const cancel = event.workflowExecutionCancelRequestedEventAttributes;
    if (!cancel) return false;
    if (cancel.cause) this.walk.cancel.cause = cancel.cause;
    // The journey's own request (its cancelRun activity, identity numberflow) is already its `step` entry.
    if (cancel.identity === 'numberflow') return true;
    const entry = at.add(
      throughChannel(
        {
          kind: 'action',
          actor: cancel.identity || 'temporal',
          what: `cancelled the run through Temporal${cancel.cause ? `: ${cancel.cause}` : ''}`,
        },
        cancel.identity,
      ),
    );
    at.noted(entry, 'temporal'); // the journey notes Temporal's cancel under that name
    this.walk.cancel.actor ??= entry.actor; // who asked, on the ending too (an operator's cancel before it stays)
    return true;
  }
}

/**
 * A person's action with the way it came (webhooks and the portfolio's answers come only one way); none where the
 * actor is that identity already (a cancel through Temporal names its client).
 */
function throughChannel(described: Described, identity: string | null | undefined): Described {
  const via = described.kind === 'action' && described.actor !== identity ? channelOf(identity) : null;
  return via === null ? described : { ...described, via };
}

/**
 * A send told to a workflow after it was made is dated by the sender's clock, which may not be Temporal's: placed no
 * later than history recorded the signal, nor earlier than a send takes (SEND_ANSWER_MS), the sender's own time
 * said beside it then (a service 7 minutes ahead put the cause after its effects).
 */
function withinSend(described: Described, recordedMs: number): Described {
  if (described.at === undefined) return described;
  const saidMs = Date.parse(described.at);
  if (Number.isNaN(saidMs)) return described;
  const placedMs = Math.min(recordedMs, Math.max(recordedMs - SEND_ANSWER_MS, saidMs));
  if (placedMs === saidMs) return described;
  return { ...described, at: new Date(placedMs).toISOString(), sentAt: described.at };
}
