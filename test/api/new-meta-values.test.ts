// A value Meta adds to a webhook after this code was written (a new display-name decision) is taken by the receiver
// as it came; the journey's view and timeline must answer with it, not fail: the API's answer schema had only the
// four known decisions, and one such delivery made GET /v1/journeys/{e164} answer 500 to everyone.
import { describe, expect, it } from 'vitest';
import type { JourneyView } from '../../src/domain/journey.js';
import { signWebhookBody } from '../../src/graph/signature.js';
import type { Timeline } from '../../src/audit/index.js';
import { useBench } from '../support/bench.js';
import { APP_SECRET } from '../support/harness.js';
import { useApi } from './support.js';

describe('a value Meta added later, over HTTP (dev server, worker, Graph sandbox)', () => {
  const t = useBench('dev');
  const api = useApi(t);

  it('shows a display-name decision it does not know in the view and the timeline, as Meta sent it', async () => {
    await t.bench.run(async () => {
      const e164 = await api.start();
      await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const change = {
        field: 'phone_number_name_update',
        value: { display_phone_number: e164.slice(1), decision: 'ESCALATED', requested_verified_name: 'Acme Sales' },
      };
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: t.bench.wabaId, time: Math.floor(Date.now() / 1000), changes: [change] }],
      });
      const delivered = await fetch(`${api.url}/webhooks/meta`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, APP_SECRET) },
        body,
      });
      expect(await delivered.json()).toEqual({ received: 1 });

      const view = await api.until(e164, (v) => v.recentEvents.length > 0, 'the event in the view');
      expect(view.recentEvents).toEqual([expect.objectContaining({ kind: 'name', decision: 'ESCALATED' })]);
      expect(view.stage).toBe('AWAITING_OTP'); // the journey acts on the decisions it knows only
      for (const who of ['operator', 'admin'] as const) {
        expect((await api.call<JourneyView>('GET', `/v1/journeys/${e164}`, { as: who })).status).toBe(200);
      }
      const timeline = await api.call<Timeline>('GET', `/v1/journeys/${e164}/audit`, { as: 'auditor' });
      expect(timeline.status).toBe(200);
      expect(timeline.body.entries.map((entry) => entry.what)).toContain('display name "Acme Sales" ESCALATED');
      await t.env.client.workflow.getHandle(`number:${e164}`).terminate('test done');
    });
  });
});
