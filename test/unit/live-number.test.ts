// Which number sends, from its journey's view: LIVE, and a live number whose rename verifies it again (Meta still
// shows it connected); not one being removed, ended, or not live yet.
import { describe, expect, it } from 'vitest';
import { NumberNotLiveError, sendRequestOf } from '../../src/identity/live-number.js';
import { journeyView } from '../support/journey-view.js';

const message = { to: '15551234567', text: 'Your order has shipped' };

describe("a number's sends, from its journey's view", () => {
  it('sends when LIVE, and while a live rename verifies it again', () => {
    for (const view of [
      journeyView({ stage: 'LIVE', phoneNumberId: '5005' }),
      journeyView({ stage: 'AWAITING_OTP', wentLive: true, phoneNumberId: '5005' }),
      journeyView({ stage: 'REGISTERING', wentLive: true, phoneNumberId: '5005' }),
    ]) {
      expect(sendRequestOf(view, message)).toMatchObject({ ref: { phoneNumberId: '5005' }, to: message.to });
    }
  });

  it('refuses one not live yet, being removed, or a view from a worker before wentLive in a stage before LIVE', () => {
    for (const view of [
      journeyView({ stage: 'AWAITING_OTP', phoneNumberId: '5005' }),
      journeyView({ stage: 'REMOVING', wentLive: true, phoneNumberId: '5005' }),
    ]) {
      expect(() => sendRequestOf(view, message)).toThrow(NumberNotLiveError);
    }
    expect(() => sendRequestOf(journeyView({ stage: 'AWAITING_OTP', phoneNumberId: '5005' }), message)).toThrow(
      /is not live \(stage AWAITING_OTP\): it cannot send messages$/,
    );
  });
});
