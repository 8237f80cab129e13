// A journey started with a phone_number_id adopts that number at Meta: an id that is another number's would have it
// register, rename and remove that number (found by the exploratory check: it went LIVE on another number's id,
// and its removal deregistered the number a LIVE journey held).
import { describe, expect, it } from 'vitest';
import { journeyTimeline } from '../../src/audit/index.js';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { freshNumber } from '../support/journeys.js';
import { useBench } from '../support/bench.js';

describe('adopting a number by its phone_number_id (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it("ends FAILED, before asking for a slot, when the id is another number's at Meta", async () => {
    const theirs = freshNumber();
    const { phoneNumberId } = t.bench.sandbox.admin.linkCoexistenceNumber({
      wabaId: t.bench.wabaId,
      e164: theirs,
      verifiedName: 'Acme Shop',
    });
    const mine = freshNumber();
    await t.bench.run(async () => {
      const journey = await t.bench.start(
        t.bench.input({ phoneNumber: mine, phoneNumberId, displayName: 'Acme Shop' }),
      );
      const ended = await journey.until((v) => v.result !== null, 'an ending');
      expect(ended.result).toMatchObject({
        outcome: 'FAILED',
        reasonCode: 'PHONE_NUMBER_ID_MISMATCH',
        reason: `phone_number_id ${phoneNumberId} is another number's at Meta, not ${mine}: the journey did not adopt it`,
      });
      // Which number it is stays unsaid: the id may be another portfolio's, read with that portfolio's token.
      const asMetaWritesIt = theirs.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '+1 $1-$2-$3');
      for (const form of [theirs, theirs.slice(1), asMetaWritesIt]) expect(JSON.stringify(ended)).not.toContain(form);
      // It read the number, and did nothing else to it; it never asked for a slot.
      const calls = t.bench.sandbox.admin.calls().filter((c) => c.path.includes(phoneNumberId));
      expect(calls.map((c) => c.method)).toEqual(['GET']);
      const portfolio = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
      const { holders, queue } = await portfolio.query(portfolioQuery);
      expect([...holders, ...queue].map((entry) => entry.e164)).not.toContain(mine);
      const timeline = await journeyTimeline(t.env.client, mine);
      expect(timeline.entries.map((e) => e.what).filter((what) => /slot/.test(what))).toEqual([]);
    });
  });
});
