// `customerIdentity`, id `identity:<phone_number_id>:<wa_id>`: started by the first 137000 for a customer (signal-
// with-start), it exists only while the customer is untrusted (docs/identity.md). Untrusted → an operator confirms
// who they are outside WhatsApp (the update, zod-checked) → the next send goes without the hash → its status
// brings the new hash → trusted again. Nobody confirming within 30 days ends it with a note, and so does no send
// bringing the new hash within 30 days of the confirmation, which lapses then.
import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  CONFIRMATION_WINDOW_MS,
  confirmIdentityUpdate,
  customerIdentityQuery,
  checkConfirmation,
  checkNewConfirmation,
  identityHashStoredSignal,
  identityMismatchSignal,
  identitySignalProblem,
  identityUnhashedSendSignal,
  type CustomerIdentityInput,
  type IdentityOutcome,
} from '../domain/identity.js';
import { CustomerIdentity } from './identity/customer.js';
import { CONFIRMATION_LAPSES_PATCH, IDENTITY_SIGNALS_CHECKED_PATCH } from './identity/patches.js';

const { markUntrusted, allowUnhashedSend, lapseConfirmation, restoreTrust } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export async function customerIdentity(input: CustomerIdentityInput): Promise<IdentityOutcome> {
  const customer = new CustomerIdentity(input);
  setHandler(customerIdentityQuery, () => customer.view());
  /** A signal's input of another shape than numberflow sends is noted and dropped (it failed the task, or was taken). */
  const onSignal = <T>(
    signal: SignalDefinition<[T], Parameters<typeof identitySignalProblem>[0]>,
    handle: (input: T) => void,
  ) =>
    setHandler(signal, (input) => {
      const problem = identitySignalProblem(signal.name, input);
      if (problem !== null && patched(IDENTITY_SIGNALS_CHECKED_PATCH))
        return customer.note('numberflow', `signal ${signal.name} ignored: ${problem}`);
      handle(input);
    });
  onSignal(identityMismatchSignal, (mismatch) => customer.mismatched(mismatch));
  onSignal(identityHashStoredSignal, (stored) => customer.hashStored(stored));
  // Only noted (no command): a history recorded before this handler replays the same.
  onSignal(identityUnhashedSendSignal, (sent) => customer.unhashedSent(sent));
  setHandler(
    confirmIdentityUpdate,
    async (confirmation) => {
      customer.confirm(checkConfirmation(confirmation));
      // Answered once the store lets sends go without the hash: a send right after the answer is not refused.
      await condition(() => customer.stage !== 'CONFIRMED');
      return { message: 'confirmed: the next send to the customer goes without the identity hash' };
    },
    {
      validator: (confirmation) => {
        checkNewConfirmation(confirmation);
        const refused = customer.confirmationRefusal();
        if (refused) throw new Error(refused);
      },
    },
  );

  await markUntrusted(customer.key, 'Meta answered 137000: the identity key hash no longer matches');
  customer.note('numberflow', 'marked the customer untrusted: sends to them are refused until an operator confirms');
  if (!(await condition(() => customer.confirmation !== null, CONFIRMATION_WINDOW_MS))) {
    customer.timedOut(CONFIRMATION_WINDOW_MS / (24 * 60 * 60 * 1000));
    await condition(allHandlersFinished);
    return { stage: 'TIMED_OUT', notes: customer.notes };
  }
  const by = customer.confirmation;
  await allowUnhashedSend(customer.key, `confirmed by ${by?.actor ?? 'an operator'} (${by?.method ?? 'unknown'})`);
  customer.awaitNewHash();
  const heard = () => customer.newHash !== null;
  if (!patched(CONFIRMATION_LAPSES_PATCH)) await condition(heard);
  else if (!(await condition(heard, CONFIRMATION_WINDOW_MS))) {
    const days = CONFIRMATION_WINDOW_MS / (24 * 60 * 60 * 1000);
    await lapseConfirmation(customer.key, customer.confirmationLapsed(days));
    // A send's status may bring the hash while the lapse is stored: it is the new one all the same.
    if (!heard()) {
      await condition(allHandlersFinished);
      return { stage: 'TIMED_OUT', notes: customer.notes, confirmationLapsed: true };
    }
  }
  await restoreTrust(customer.key);
  customer.trusted();
  await condition(allHandlersFinished);
  const restored = customer.newHash?.hashPrefix;
  return { stage: 'TRUSTED', notes: customer.notes, ...(restored ? { restoredHashPrefix: restored } : {}) };
}
