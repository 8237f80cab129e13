// Which number sends, from its journey's view: only a live one (also while a rename verifies it again), with its
// identity-check setting.
import { pausedWords, sendsMessages, type JourneyView } from '../domain/journey.js';
import type { SendRequest } from './guarded-send.js';

export class NumberNotLiveError extends Error {
  override readonly name = 'NumberNotLiveError';
}

export function sendRequestOf(view: JourneyView, message: { to: string; text: string }): SendRequest {
  if (!sendsMessages(view) || !view.phoneNumberId) {
    throw new NumberNotLiveError(`${view.e164} is not live (stage ${view.stage}): it cannot send messages`);
  }
  // Meta refuses what it stopped; numberflow pauses its own sends as the view says.
  if (view.sendsPaused) throw new NumberNotLiveError(`${view.e164} cannot send messages: ${pausedWords(view)}`);
  return {
    e164: view.e164,
    ref: { wabaId: view.wabaId, phoneNumberId: view.phoneNumberId },
    identityCheck: view.identityCheck === 'on',
    ...message,
  };
}
