// The level a delivery's routing is logged at (src/http/webhook-handover.ts): a delivery that changed nothing goes to
// debug, since Meta may send thousands a second of them; anything that did something, or went wrong, stays at info.
import { describe, expect, it } from 'vitest';
import { routingLogLevel } from '../../src/http/webhook-handover.js';

const event = (outcome: string) => ({ field: 'messages', target: null, outcome });

describe("a delivery's routing log level", () => {
  it('is debug when every change was routine and changed nothing', () => {
    expect(routingLogLevel([event('no running journey'), event('hash known'), event('not routed')])).toBe('debug');
    expect(routingLogLevel([event('no running workflow')])).toBe('debug');
    expect(routingLogLevel([])).toBe('debug'); // an envelope without changes
  });

  it('is info when one change signalled, recorded, failed or was not what it claimed', () => {
    for (const outcome of ['signalled', 'hash recorded', 'failed', 'not a phone number']) {
      expect(routingLogLevel([event('no running journey'), event(outcome)])).toBe('info');
    }
  });

  it('is a warning when a change was refused: what Meta said there is lost', () => {
    const late = event('refused: entry.time 1796596812000 is outside the plausible window');
    expect(routingLogLevel([event('signalled'), late])).toBe('warn');
  });
});
