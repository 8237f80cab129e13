import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitPinUpdate } from '../../src/domain/messages.js';
import { PhoneNumberId } from '../../src/domain/search-attributes.js';
import { createHarness, type Harness } from '../support/harness.js';
import { decodedPayloadTexts, rawHistoryText } from '../support/history.js';
import { decideName, startLive, submitDeliveredCode } from '../support/steps.js';
import { connectDevServer, type TestEnv } from '../support/temporal.js';

describe("a journey's history (dev server + Graph sandbox)", () => {
  let env: TestEnv;
  let bench: Harness;
  beforeAll(async () => {
    env = await connectDevServer();
    bench = await createHarness(env);
  });
  afterAll(async () => {
    await bench?.close();
    await env?.teardown();
  });

  it('keeps the OTP and the PIN out of history in clear, while the codec can still read them', async () => {
    const pin = '864213';
    await bench.run(async () => {
      const journey = await bench.start(bench.input({ pinPolicy: 'operator' }));
      const phoneNumberId = await submitDeliveredCode(bench, journey);
      const code = bench.sandbox.admin.outbox({ phoneNumberId })[0]?.code as string;
      await journey.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN');
      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitPinUpdate, { args: [{ pin, actor: 'owner@acme' }] });
      await decideName(bench, journey, 'APPROVED');
      await journey.until((v) => v.stage === 'LIVE', 'LIVE');

      const history = await handle.fetchHistory();
      const raw = rawHistoryText(history);
      expect(raw).toContain('registerNumber'); // the search does see what is stored in clear (activity types)
      expect(raw).not.toContain(code);
      expect(raw).not.toContain(pin);
      expect(raw).not.toContain(Buffer.from(pin).toString('base64'));
      const decoded = (await decodedPayloadTexts(history)).join('\n');
      expect(decoded).toContain(code);
      expect(decoded).toContain(pin);
      // The query never shows them either.
      const view = JSON.stringify(await journey.view());
      expect(view).not.toContain(code);
      expect(view).not.toContain(pin);
      await handle.terminate('test done');
    });
  });

  it('takes at most 70 history events from add to LIVE on the happy path', async () => {
    await bench.run(async () => {
      const { journey } = await startLive(bench);
      const events = (await env.client.workflow.getHandle(journey.workflowId).fetchHistory()).events ?? [];
      console.log(`[figure] happy path to LIVE: ${events.length} history events`);
      expect(events.length).toBeLessThanOrEqual(70);
      await env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('keeps NumberStage current, so "awaiting OTP in portfolio X" is one visibility query', async () => {
    await bench.run(async () => {
      const waiting = await bench.start(bench.input());
      await waiting.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const live = await startLive(bench);
      const query = `NumberStage = 'AWAITING_OTP' AND PortfolioId = '${bench.portfolioId}'`;
      const listed = async () => {
        const ids: string[] = [];
        for await (const execution of env.client.workflow.list({ query })) ids.push(execution.workflowId);
        return ids;
      };
      let found: string[] = [];
      for (let attempt = 0; attempt < 100 && !found.includes(waiting.workflowId); attempt++) {
        found = await listed();
        await new Promise((resolve) => setTimeout(resolve, 100)); // visibility is eventually consistent
      }
      expect(found).toContain(waiting.workflowId);
      expect(found).not.toContain(live.journey.workflowId);
      const description = await env.client.workflow.getHandle(live.journey.workflowId).describe();
      expect(
        description.typedSearchAttributes.get(
          await import('../../src/domain/search-attributes.js').then((m) => m.PhoneNumberId),
        ),
      ).toBe(live.view.phoneNumberId);
      await env.client.workflow.getHandle(waiting.workflowId).terminate('test done');
      await env.client.workflow.getHandle(live.journey.workflowId).terminate('test done');
    });
  });
});
