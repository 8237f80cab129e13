// The webhook inbox keeps a delivery it gave up on for WEBHOOK_DEAD_LETTER_DAYS (30), then discards it, body and
// all: customers' messages are not kept for ever. Checked when the service opens the inbox and every hour after;
// each dead letter says until when it is kept; the log says how many went, never what they held.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Route } from '../../src/http/webhook-handover.js';
import { WebhookInbox } from '../../src/http/webhook-inbox.js';
import { openWebhookInbox } from '../../src/http/webhook-routes.js';
import { freshId } from '../support/journeys.js';
import { inboxFiles, eventually } from './inbox-support.js';
import { capturedLogger, envelope, type Change } from './support.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A customer's message, told apart by `tag`: what a dead letter's body holds. */
const inbound = (tag: string): Change => ({
  field: 'messages',
  value: {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550001111', phone_number_id: freshId() },
    messages: [{ from: '15551234567', id: 'wamid.1', timestamp: '1767225600', type: 'text', text: { body: tag } }],
  },
});

/** Dead letters given up on `daysAgo` days before now, each holding its customer's words: their ids. */
async function buried(file: string, daysAgo: readonly number[], tags: readonly string[]): Promise<number[]> {
  const inbox = WebhookInbox.open(file);
  const ids: number[] = [];
  for (const [i, days] of daysAgo.entries()) {
    await inbox.put(Buffer.from(envelope([{ id: freshId(), changes: [inbound(tags[i]!)] }])), Date.now() - 40 * DAY_MS);
    const [row] = inbox.oldest(1);
    inbox.deadLetter(row!.id, 'routing failed 20 times', Date.now() - days * DAY_MS);
    ids.push(row!.id);
  }
  inbox.close();
  return ids;
}

const neverRouted = (() => Promise.reject(new Error('no delivery waits: nothing is routed'))) as unknown as Route;

describe("the webhook inbox's dead letters are kept for a number of days", () => {
  const files = inboxFiles('dead-letter-keeping');
  afterAll(() => files.remove());

  it('discards those past their days when the inbox opens, then as each passes them, saying how many', async () => {
    const file = files.next();
    const tags = [`old ${freshId()}`, `recent ${freshId()}`, `new ${freshId()}`];
    const [, recent, fresh] = await buried(file, [31, 29, 0], tags);
    const { logger, lines } = capturedLogger();
    const opened = openWebhookInbox({ file, deadLetterDays: 30 }, { route: neverRouted, logger });
    try {
      const page = opened.deadLetters.page(0, 10);
      expect(page.deadLetters.map((l) => l.id)).toEqual([recent, fresh]);
      expect(page.total).toBe(2);
      for (const letter of page.deadLetters) {
        expect(Date.parse(letter.keptUntil) - Date.parse(letter.deadAt)).toBe(30 * DAY_MS);
      }
      const said = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(said).toContainEqual(
        expect.objectContaining({ msg: 'webhook dead letters kept 30 days discarded', discarded: 1, keepDays: 30 }),
      );
      // Two days on, the one given up on 29 days ago is past its days too.
      expect(opened.deadLetters.expire(Date.now() + 2 * DAY_MS)).toBe(1);
      expect(opened.deadLetters.page(0, 10).deadLetters.map((l) => l.id)).toEqual([fresh]);
    } finally {
      await opened.close();
    }
    // Erased, not only unlisted; and no log line carries what a body held.
    const bytes = readFileSync(file).toString('latin1');
    expect(bytes).not.toContain(tags[0]);
    expect(bytes).not.toContain(tags[1]);
    expect(bytes).toContain(tags[2]);
    for (const tag of tags) expect(lines.join('\n')).not.toContain(tag);
  });

  it('looks again while the service runs', async () => {
    const file = files.next();
    const { logger } = capturedLogger();
    const opened = openWebhookInbox({ file, deadLetterDays: 1 }, { route: neverRouted, logger });
    const stop = opened.deadLetters.expireEvery(50);
    try {
      // Given up on two days ago while the service runs (say, by the clock of the process that buried it).
      await opened.inbox.put(Buffer.from(envelope([{ id: freshId(), changes: [inbound('late')] }])), Date.now());
      const [row] = opened.inbox.oldest(1);
      opened.inbox.deadLetter(row!.id, 'routing failed 20 times', Date.now() - 2 * DAY_MS);
      await eventually(() => opened.inbox.deadLetterCount() === 0, 'the dead letter past its day to be discarded');
    } finally {
      stop();
      await opened.close();
    }
  });

  it('takes its days from WEBHOOK_DEAD_LETTER_DAYS, a whole number from 1 to 3650', () => {
    expect(loadConfig({}).WEBHOOK_DEAD_LETTER_DAYS).toBe(30);
    expect(loadConfig({ WEBHOOK_DEAD_LETTER_DAYS: '90' }).WEBHOOK_DEAD_LETTER_DAYS).toBe(90);
    for (const bad of ['0', '-1', '1.5', 'thirty', '3651']) {
      expect(() => loadConfig({ WEBHOOK_DEAD_LETTER_DAYS: bad })).toThrow(/WEBHOOK_DEAD_LETTER_DAYS: /);
    }
  });
});
