// The dead letters' answers, as the service sends them and the command line reads them.
import { z } from 'zod';

const iso = z.string().describe('ISO 8601 time');

const replica = z
  .string()
  .optional()
  .describe(
    "the service process whose webhook inbox holds them, as host:port: each replica keeps its own dead letters, so a fleet's admin asks each replica at its own address",
  );

export const deadLetterSchema = z
  .object({
    id: z.number().int().describe("the delivery's id in the inbox (its place in the order received)"),
    receivedAt: iso,
    deadAt: iso.describe('when it was given up on'),
    attempts: z.number().int().describe('routings tried'),
    reason: z.string().describe('why it was given up on'),
    keptUntil: iso.describe(
      'when the service discards it, body and all, unless an admin replays or discards it first (WEBHOOK_DEAD_LETTER_DAYS after deadAt)',
    ),
    wabas: z
      .array(
        z.object({
          wabaId: z.string(),
          fields: z.array(z.string()).describe('the fields of its changes, each once, in order'),
          changes: z.number().int(),
        }),
      )
      .describe('the WABAs of its entries (its body, which holds customers’ messages, is never shown)'),
  })
  .meta({ id: 'DeadLetter' });

export const deadLettersAnswer = z
  .object({
    replica,
    deadLetters: z.array(deadLetterSchema).describe('oldest first'),
    total: z.number().int().describe('dead letters kept in all'),
    nextAfter: z.number().int().nullable().describe('`after` for the next page; null on the last'),
  })
  .meta({ id: 'DeadLetters' });

export const deadLetterActionAnswer = z
  .object({
    replica,
    id: z.number().int(),
    outcome: z
      .enum(['routed', 'dead_lettered', 'waiting', 'discarded'])
      .describe(
        'routed; dead_lettered: it failed again and is back in the dead letters; waiting: still in the inbox when the answer was due, routed in its turn; discarded',
      ),
    reason: z.string().optional().describe('why it is back in the dead letters, or still waiting'),
    message: z.string(),
  })
  .meta({ id: 'DeadLetterAction' });
