// Stub activities that take a journey to its code request with no Graph: a slot granted at once (by the signal the
// portfolio would send), a number added, a PIN drawn. Tests override what their stage needs.
import type { Client } from '@temporalio/client';
import type { Activities } from '../../src/activities/index.js';
import { slotAnswerSignal, type SlotRequest } from '../../src/domain/portfolio.js';

export function journeyStubs(client: Client, overrides: Partial<Activities>): Partial<Activities> {
  return {
    requestSlot: async ({ request }: { portfolioId: string; request: SlotRequest }) => {
      await client.workflow
        .getHandle(request.workflowId)
        .signal(slotAnswerSignal, { granted: true, position: null, cap: 2, held: 1 });
    },
    askForSlot: async () => ({ granted: true, position: null, cap: 2, held: 1 }),
    addPhoneNumber: async () => ({ phoneNumberId: '1001', alreadyAdded: false }),
    generatePin: async () => ({ pin: '123456' }),
    ...overrides,
  };
}
