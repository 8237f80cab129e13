// An admin reads back the two-step PIN numberflow set on a number: the journey's `revealPin` update notes who and
// why in its history; the answer comes back sealed and is opened here, with the private secrets key. The log
// records the reveal, never the PIN. Shared by the CLI (reveal-pin) and the HTTP service.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { unsealsSecrets } from './codec/data-converter.js';
import { isSealedEnvelope } from './codec/sealing.js';
import { journeyWorkflowId } from './domain/journey.js';
import { revealPinUpdate, type PinRevealRequest } from './domain/messages.js';
import { notRunning } from './journeys/index.js';

export class PinRevealError extends Error {
  override readonly name = 'PinRevealError';
}

/** A service that cannot open the PIN says where it can be read back (the API's 501, the console's). */
export const elsewhere = (err: PinRevealError): string =>
  `${err.message}. This service process cannot open the PIN: reveal it where NUMBERFLOW_SECRETS_KEY is set (npm start, or \`numberflow reveal-pin\` in direct mode on an admin's machine)`;

export async function revealPin(
  client: Client,
  e164: string,
  request: PinRevealRequest,
  logger: Pick<Logger, 'info' | 'warn'>,
): Promise<string> {
  const who = { e164, actor: request.actor, role: request.role, reason: request.reason };
  // Refused before the journey notes a reveal nobody here could read.
  if (!unsealsSecrets(client)) {
    throw new PinRevealError(
      'revealing a PIN needs the private secrets key here (NUMBERFLOW_SECRETS_KEY); the public key only seals',
    );
  }
  let pin: unknown; // a sealed envelope where this process holds another secrets key
  try {
    ({ pin } = await client.workflow
      .getHandle(journeyWorkflowId(e164))
      .executeUpdate(revealPinUpdate, { args: [request] }));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      logger.warn({ ...who, why: err.cause?.message }, 'PIN reveal refused');
    // An ended journey keeps its PIN only in its sealed result, which a later journey of the number reads itself.
    if (err instanceof WorkflowNotFoundError) throw await notRunning(client, e164, endedAnswer(e164));
    throw err;
  }
  if (typeof pin !== 'string') {
    const kid = isSealedEnvelope(pin) ? pin.kid : 'unknown';
    throw new PinRevealError(
      `the PIN is sealed with secrets key '${kid}', which NUMBERFLOW_SECRETS_KEY here does not hold`,
    );
  }
  logger.info(who, 'two-step PIN revealed');
  return pin;
}

const endedAnswer = (e164: string) => (status: string) =>
  `the journey of ${e164} has ended (${status}) and reveals no PIN; if it set one, the number's next journey in the same portfolio tries that PIN by itself when Meta asks for the old one (133005)`;
