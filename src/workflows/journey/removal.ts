// Stage 11: removal. Meta has no delete API: sends are paused, the number is deregistered (not coexistence
// numbers), Meta's 30-day block after a paid message is waited out, then a portfolio admin deletes it in
// WhatsApp Manager and the journey sees it gone. A restriction blocks the removal with its reason.
import { condition, isCancellation } from '@temporalio/workflow';
import type { JourneyResult } from '../../domain/journey.js';
import type { RemovalRequest } from '../../domain/messages.js';
import { journeyPolicy } from '../../domain/policy.js';
import { releaseSlot } from './capacity.js';
import { answer } from './inbox.js';
import { callMeta, graph, limited, metaErrorOf } from './meta.js';
import type { Journey } from './state.js';

export async function remove(journey: Journey, request: RemovalRequest): Promise<JourneyResult> {
  journey.enter('REMOVING');
  journey.removalRequest = null;
  journey.sendsPaused = true; // senders read it from the journey query before using the number
  journey.note(request.actor, `requested the removal (${request.reason}); sends paused`);
  answer(journey, 'newName', { accepted: false, message: 'the number is being removed', attemptsLeft: null });
  if (!journey.isCoexistence) await deregister(journey);
  await waitOutPaidMessageBlock(journey);
  await awaitDeletion(journey);
  await releaseSlot(journey);
  return {
    outcome: 'REMOVED',
    reasonCode: 'REMOVED',
    reason: `removed at the request of ${request.actor}; deleted in WhatsApp Manager${journey.deletionConfirmedBy ? ` (confirmed by ${journey.deletionConfirmedBy})` : ''}`,
    remediation:
      'To onboard the number again, start a new journey; for a few minutes after deletion Meta answers 133015 and numberflow waits.',
    actor: request.actor,
    metaError: null,
  };
}

async function deregister(journey: Journey): Promise<void> {
  for (;;) {
    if (journey.restriction) await blocked(journey);
    try {
      await callMeta(journey, () => limited.deregisterNumber(journey.ref));
      journey.status = 'DISCONNECTED';
      journey.deregistered = true;
      return;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const meta = metaErrorOf(err);
      journey.restriction = {
        reason: meta
          ? `Meta refused the deregistration: error ${meta.code} (${meta.message})`
          : `the deregistration failed: ${String(err)}`,
        remediation:
          meta?.remediation ?? 'Look at the workflow history for the failure, then request the removal again.',
      };
    }
  }
}

/** Meta refuses deletion for 30 days after a paid message; one sent during the wait moves the end. */
async function waitOutPaidMessageBlock(journey: Journey): Promise<void> {
  for (;;) {
    const lastPaid = journey.lastPaidMessageAt;
    if (lastPaid === null) return;
    journey.deletionAllowedAt = lastPaid + journeyPolicy.paidMessageBlockMs;
    const wait = journey.deletionAllowedAt - Date.now();
    if (wait <= 0) return;
    journey.waitFor('meta', 'Meta refuses deletion for 30 days after a paid message', journey.deletionAllowedAt);
    await condition(() => journey.lastPaidMessageAt !== lastPaid, wait);
  }
}

async function awaitDeletion(journey: Journey): Promise<void> {
  for (;;) {
    if (journey.restriction) await blocked(journey);
    journey.waitFor(
      'admin',
      'a portfolio admin must delete the number in WhatsApp Manager → Phone numbers (trash icon; a CONNECTED number asks for its PIN), then confirm',
    );
    await condition(
      () => journey.deletionConfirmedBy !== null || journey.restriction !== null,
      journeyPolicy.deletionPollMs,
    );
    if (journey.restriction) continue;
    const snapshot = await callMeta(journey, () => graph.readNumber(journey.ref)).catch((err: unknown) => {
      if (isCancellation(err)) throw err;
      return null; // unreadable now: look again at the next poll
    });
    if (snapshot?.gone) return;
    if (journey.deletionConfirmedBy) {
      journey.note(journey.deletionConfirmedBy, 'confirmed the deletion, but Meta still shows the number; waiting');
      journey.deletionConfirmedBy = null;
    }
  }
}

/** Blocked until an admin resolves the restriction and requests the removal again. */
async function blocked(journey: Journey): Promise<void> {
  const restriction = journey.restriction;
  if (!restriction) return;
  journey.waitFor('admin', `removal blocked: ${restriction.reason}. ${restriction.remediation}`);
  journey.note('meta', `removal blocked: ${restriction.reason}`);
  await condition(() => journey.restriction === null);
  journey.note(journey.removalRequest?.actor ?? 'admin', 'asked to try the removal again');
  journey.removalRequest = null;
}

/**
 * A journey that ends before going live (cancelled, failed, expired) leaves Meta and the portfolio tidy: a number
 * it registered is deregistered, then its slot is released. A number that stays registered keeps its slot.
 */
export async function leaveTidy(journey: Journey): Promise<void> {
  if (journey.registered && !journey.deregistered) {
    if (journey.isCoexistence) {
      journey.note('numberflow', 'the coexistence number stays linked at Meta and keeps its portfolio slot');
      return;
    }
    try {
      await limited.deregisterNumber(journey.ref);
      journey.deregistered = true;
      journey.note('numberflow', 'deregistered the number, as its journey ended before going live');
    } catch (err) {
      const why = metaErrorOf(err)?.message ?? (err instanceof Error ? err.message : String(err));
      journey.note(
        'numberflow',
        `could not deregister the number (${why}): it stays registered at Meta and keeps its portfolio slot; remove it in WhatsApp Manager`,
      );
      return;
    }
  }
  await releaseSlot(journey);
}
