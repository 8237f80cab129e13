// Stage 11: removal. Meta has no delete API: sends are paused, the number is deregistered (not coexistence
// numbers), Meta's 30-day block after a paid message is waited out, then a portfolio admin deletes it in
// WhatsApp Manager and the journey sees it gone. A restriction blocks the removal with its reason.
import { condition, isCancellation, patched } from '@temporalio/workflow';
import { endingResult } from '../../domain/endings.js';
import { PAID_MESSAGE_BLOCK, REMOVAL_BLOCKED, type JourneyResult } from '../../domain/journey.js';
import type { RemovalRequest } from '../../domain/messages.js';
import { isRegisteredAtMeta, type NumberSnapshot } from '../../domain/number.js';
import { journeyPolicy } from '../../domain/policy.js';
import { DEREGISTERED_ALREADY, waitText } from '../../domain/wait-texts.js';
import { reasonWords } from '../../domain/words.js';
import { releaseSlot } from './capacity.js';
import type { Submission } from './inbox.js';
import type { Journey } from './journey.js';
import { readNumber } from './activity-proxies.js';
import { callMeta, WaitEnded, type CallOptions, type DuringWait } from './call-meta.js';
import { metaErrorOf, whyFailed } from './failures.js';
import { limitedAndRegistered } from './limited.js';
import { registrationCall } from './registration.js';
import { deletionTakenFrom } from './state.js';
import {
  DELETION_DURING_DEREGISTER_PATCH,
  DISCONNECTION_DURING_REMOVAL_PATCH,
  PAID_BLOCK_MARGIN_PATCH,
  SLOT_AT_DEREGISTER_PATCH,
  TIDY_UP_NO_TOKEN_WAIT_PATCH,
  TIDY_UP_READS_META_PATCH,
} from './patches.js';

export async function remove(journey: Journey, request: Submission<RemovalRequest>): Promise<JourneyResult> {
  journey.enter('REMOVING');
  journey.inbox.removal.take();
  journey.pauseSends(); // senders read it from the journey query before using the number
  journey.note(request.actor, `requested the removal${reasonWords(request.value.reason)}; sends paused`);
  journey.inbox.displayName.answer({ accepted: false, message: 'the number is being removed', attemptsLeft: null });
  let deletedMeanwhile: DeletionTaken | null = null;
  if (!journey.state.coexistence) {
    deletedMeanwhile = await deregister(journey);
    // Meta counts a deregistered number no more: the slot goes back now, not after Meta's 30-day block and the
    // admin's deletion (the queue behind waited for both). A coexistence number stays counted until it is gone.
    if (patched(SLOT_AT_DEREGISTER_PATCH)) await releaseSlot(journey);
  }
  if (!deletedMeanwhile) await waitOutPaidMessageBlock(journey);
  const confirmedBy = deletedMeanwhile ? deletedMeanwhile.by : await awaitDeletion(journey);
  const disconnection = journey.disconnectedForGood;
  if (confirmedBy === DISCONNECTED_MEANWHILE && disconnection) return disconnected(journey, disconnection);
  await releaseSlot(journey);
  return endingResult(
    'REMOVED',
    { actor: request.actor, confirmedBy: confirmedBy === DISCONNECTED_MEANWHILE ? null : confirmedBy },
    { actor: request.actor },
  );
}

/**
 * The business disconnected the coexistence number from numberflow's app for good (Meta's PARTNER_REMOVED with its
 * reason): Meta's word, nothing to read or deregister — sends paused, the slot freed, the journey ends.
 */
export async function disconnected(
  journey: Journey,
  { reason, initiatedBy }: { reason: string; initiatedBy: string | null },
): Promise<JourneyResult> {
  journey.pauseSends();
  await releaseSlot(journey);
  return endingResult('DISCONNECTED_BY_BUSINESS', { reason, initiatedBy }, { actor: 'meta' });
}

/** The number deleted in WhatsApp Manager, as Meta showed it; `by` who confirmed it. */
interface DeletionTaken {
  by: string | null;
}

/** A deletion confirmed during the deregistration's wait for Meta: Meta read at once; gone, the call is given up. */
function deletionDuringWait(journey: Journey): DuringWait {
  const { deletionConfirmation } = journey.inbox;
  return {
    ready: () => deletionConfirmation.busy && patched(DELETION_DURING_DEREGISTER_PATCH),
    handle: async () => {
      const confirming = deletionConfirmation.peek()?.actor ?? 'operator';
      journey.waitFor('meta', waitText('DELETION_CHECK', { confirming }));
      const snapshot = await readOrNull(journey);
      if (snapshot?.gone) return true; // taken by the deregistration, which ends
      journey.note(confirming, 'confirmed the deletion during the deregistration, but Meta still shows the number');
      deletionConfirmation.answer({
        accepted: false,
        message: snapshot
          ? 'Meta still shows the number: numberflow deregisters it first, once Meta lets it (its register limit); delete it in WhatsApp Manager, then confirm again'
          : 'Meta could not be read to check the deletion (it refused, or did not answer): confirm again later',
        attemptsLeft: null,
      });
      return false;
    },
  };
}

/** Meta shows the number gone: the confirmation held, if any, is answered, and its sender named. */
function deletionSeen(journey: Journey): DeletionTaken {
  const { deletionConfirmation } = journey.inbox;
  const by = deletionConfirmation.peek()?.actor ?? null;
  journey.seenAtMeta(null); // no status: Meta shows no number (the view kept CONNECTED for a coexistence number)
  deletionConfirmation.answer({
    accepted: true,
    message: 'Meta no longer shows the number: the journey ends REMOVED',
    attemptsLeft: null,
  });
  return { by };
}

/** Meta's "Account not registered". */
const NOT_REGISTERED = 133010;

/** Deregisters the number; answers the deletion when an admin deleted it while Meta's limit was waited out. */
async function deregister(journey: Journey): Promise<DeletionTaken | null> {
  for (let repeat = false; ; repeat = true) {
    await unblocked(journey);
    try {
      await callMeta(journey, (afterWait) => registrationCall(journey, 'deregister', repeat || afterWait), {
        duringWait: deletionDuringWait(journey),
      });
      journey.deregisteredAtMeta();
      return null;
    } catch (err) {
      if (isCancellation(err)) throw err;
      if (err instanceof WaitEnded) return deletionSeen(journey);
      const meta = metaErrorOf(err);
      journey.restrict(
        meta
          ? `Meta refused the deregistration: error ${meta.code} (${meta.message})`
          : `the deregistration failed: ${String(err)}`,
        meta?.code === NOT_REGISTERED
          ? DEREGISTERED_ALREADY
          : (meta?.remediation ?? 'Look at the workflow history for the failure, then request the removal again.'),
      );
    }
  }
}

/** Until when a deletion confirmation is refused (state.ts, `deletionTakenFrom`); null once past. Validators never replay. */
export function deletionRefusedUntil(journey: Journey): number | null {
  const until = deletionTakenFrom(journey.state);
  return until !== null && until > Date.now() ? until : null;
}

/** Meta refuses deletion for 30 days after a paid message; one sent during the wait moves the end. */
async function waitOutPaidMessageBlock(journey: Journey): Promise<void> {
  for (;;) {
    const lastPaid = journey.state.lastPaidMessageAt;
    if (lastPaid === null) return;
    const { paidMessageBlockMs, paidMessageHeardEveryMs } = journeyPolicy;
    const blockEnds = lastPaid + paidMessageBlockMs;
    if (blockEnds + paidMessageHeardEveryMs <= Date.now()) {
      journey.deletionAllowedFrom(blockEnds); // over, margin and all: nothing to decide
      return;
    }
    const allowedAt = blockEnds + (patched(PAID_BLOCK_MARGIN_PATCH) ? paidMessageHeardEveryMs : 0);
    journey.deletionAllowedFrom(allowedAt);
    const wait = allowedAt - Date.now();
    if (wait <= 0) return;
    journey.waitFor('meta', PAID_MESSAGE_BLOCK, allowedAt);
    await condition(() => journey.state.lastPaidMessageAt !== lastPaid, wait);
  }
}

/** The removal's wait for the deletion ended by the business disconnecting the number (coexistence). */
const DISCONNECTED_MEANWHILE = Symbol('disconnected meanwhile');

/**
 * Waits until Meta shows the number gone; answers who confirmed the deletion, if anyone did, or that the business
 * disconnected the number meanwhile.
 */
async function awaitDeletion(journey: Journey): Promise<string | null | typeof DISCONNECTED_MEANWHILE> {
  const { deletionConfirmation } = journey.inbox;
  for (;;) {
    await unblocked(journey);
    journey.showPersonWait('deletion');
    // The PIN WhatsApp Manager asks for is numberflow's only where it set one (not a coexistence or adopted number's).
    journey.waitFor(
      'admin',
      waitText('DELETION', { e164: journey.input.phoneNumber.e164, numberPin: Boolean(journey.numberPin) }),
    );
    const disconnectedNow = () => journey.disconnectedForGood !== null && patched(DISCONNECTION_DURING_REMOVAL_PATCH);
    await condition(
      () => deletionConfirmation.busy || journey.state.restriction !== null || disconnectedNow(),
      journeyPolicy.deletionPollMs,
    );
    if (disconnectedNow()) return DISCONNECTED_MEANWHILE;
    if (journey.state.restriction) continue;
    const confirming = deletionConfirmation.peek()?.actor;
    // Meta slow to answer: the wait meanwhile is Meta's, not the admin who has just confirmed.
    if (confirming) journey.waitFor('meta', waitText('DELETION_CHECK', { confirming }));
    const snapshot = await readOrNull(journey);
    const confirmedBy = deletionConfirmation.peek()?.actor ?? null;
    // A confirmation that came as an update is answered with what Meta showed.
    if (snapshot?.gone) return deletionSeen(journey).by;
    if (confirmedBy) {
      // Meta not read (refused, or away) is not Meta showing the number: the admin is told which.
      const every = `every ${journeyPolicy.deletionPollMs / 3_600_000} hours`;
      journey.note(
        confirmedBy,
        snapshot
          ? 'confirmed the deletion, but Meta still shows the number; waiting'
          : 'confirmed the deletion, but Meta could not be read to check it; waiting',
      );
      deletionConfirmation.answer({
        accepted: false,
        message: snapshot
          ? `Meta still shows the number: delete it in WhatsApp Manager → Phone numbers, then confirm again (the journey also looks ${every})`
          : `Meta could not be read to check the deletion (it refused, or did not answer): confirm again later (the journey also looks ${every})`,
        attemptsLeft: null,
      });
    }
  }
}

/** Blocked until an admin resolves the restriction and requests the removal again. */
async function unblocked(journey: Journey): Promise<void> {
  const restriction = journey.state.restriction;
  if (!restriction) return;
  journey.waitFor('admin', waitText('REMOVAL_BLOCKED', restriction));
  journey.note('meta', `${REMOVAL_BLOCKED}: ${restriction.reason}`);
  await condition(() => journey.state.restriction === null);
}

/** The number as Meta shows it, or null when Meta cannot be read now. */
async function readOrNull(journey: Journey, options: CallOptions = {}): Promise<NumberSnapshot | null> {
  return callMeta(journey, () => readNumber(journey.ref), options).catch((err: unknown) => {
    if (isCancellation(err)) throw err;
    return null;
  });
}

/**
 * A journey that ends before going live (cancelled, failed, expired) leaves Meta and the portfolio agreeing. It
 * reads the number at Meta first, whatever its own flags say (a register may have taken while an error was waited
 * out): a number its register calls may have registered is deregistered; one Meta counts otherwise (registered
 * before the journey, coexistence, or a deregister that failed) keeps its slot without a journey.
 */
export async function leaveTidy(journey: Journey): Promise<void> {
  const { attempts, phoneNumberId, coexistence } = journey.state;
  let stillRegistered = false;
  const mayBeRegistered = attempts.registerCalls > 0 || journey.state.registered;
  // A held slot of a number the journey never registered: read Meta too, but never wait days for a token to do it.
  if (phoneNumberId && (mayBeRegistered || (journey.state.slot === 'held' && patched(TIDY_UP_READS_META_PATCH)))) {
    // A person cancelling a journey that waits for a token must not find its ending waiting for one too.
    const skipsTokenWait = () => patched(TIDY_UP_NO_TOKEN_WAIT_PATCH);
    const snapshot = await readOrNull(journey, { noTokenWait: mayBeRegistered ? skipsTokenWait : true });
    if (!snapshot) {
      journey.note(
        'numberflow',
        'could not read the number at Meta to tidy up: if WhatsApp Manager shows it registered, deregister or delete it there',
      );
    }
    stillRegistered = snapshot
      ? isRegisteredAtMeta(snapshot) || (!snapshot.gone && limitedAndRegistered(snapshot.status))
      : journey.state.registered;
    if (stillRegistered && attempts.registerCalls > 0 && !coexistence) {
      try {
        await callMeta(journey, (afterWait) => registrationCall(journey, 'deregister', afterWait || !snapshot), {
          noTokenWait: skipsTokenWait,
        });
        journey.deregisteredAtMeta();
        stillRegistered = false;
        journey.note('numberflow', 'deregistered the number, as its journey ended before going live');
      } catch (err) {
        const why = whyFailed(err);
        journey.note('numberflow', `could not deregister the number (${why}); remove it in WhatsApp Manager`);
      }
    }
    if (stillRegistered) {
      journey.note('numberflow', 'Meta still counts the number as registered: it keeps its portfolio slot');
    }
  }
  await releaseSlot(journey, stillRegistered);
}
