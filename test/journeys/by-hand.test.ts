// Messages sent to a journey by hand, as the Temporal CLI and Web UI send them: no input or `null`, an event of
// another shape, plain JSON (no codec endpoint), and after Temporal's own cancel. Each gets a clear answer, or is
// noted and dropped; none fails the journey's workflow task, makes its view unreadable, or puts a secret in history.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { journeyTimeline } from '../../src/audit/index.js';
import { journeyQuery, journeyWorkflowId, type JourneyResult, type JourneyView } from '../../src/domain/journey.js';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { describeJourney } from '../../src/journeys/read.js';
import {
  cancelUpdate,
  cancelSignal,
  numberEventSignal,
  otpSignal,
  setIdentityCheckUpdate,
  submitDisplayNameUpdate,
  submitOtpUpdate,
  tokenRenewedSignal,
} from '../../src/domain/messages.js';
import { journeyViewSchema } from '../../src/http/api/schemas.js';
import { eventually } from '../api/support.js';
import { useBench } from '../support/bench.js';
import { patchesIn, rawHistoryText } from '../support/history.js';
import { rawClient } from '../support/secrets-scan.js';
import { freshNumber } from '../support/journeys.js';
import { startLive } from '../support/steps.js';

/** The update's refusal message (the validator's), or the update's answer when it was taken. */
async function refusalOf(send: Promise<unknown>): Promise<string> {
  const failure = await send.then(
    (answer) => ({ answer }),
    (err: unknown) => err,
  );
  if (!(failure instanceof WorkflowUpdateFailedError)) throw new Error(`not refused: ${JSON.stringify(failure)}`);
  return String((failure.cause as Error | undefined)?.message);
}

describe('messages sent by hand (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it('notes and drops signals without an object, refuses such updates by name, and the view stays readable', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(otpSignal, null as never);
      await handle.signal('cancel'); // no input at all
      await handle.signal(tokenRenewedSignal, null as never);
      await handle.signal(numberEventSignal, {} as never);
      expect(await refusalOf(handle.executeUpdate(submitOtpUpdate, { args: [null as never] }))).toBe(
        'submitOtp: its input must be a JSON object, got null',
      );
      // An actor with a terminal escape, as the Temporal CLI lets one through, is refused as a reason with one is.
      const escaped = { reason: 'wrong number', actor: 'ops\u001b[31m@acme' };
      expect(await refusalOf(handle.executeUpdate(cancelUpdate, { args: [escaped] }))).toBe(
        'the actor must be one line of text, without control characters (line breaks, escapes)',
      );
      const view = await journey.until((v) => v.notes.length >= 4, 'the four notes');
      expect(view.notes.map((n) => `${n.actor}: ${n.what}`).slice(-4)).toEqual([
        'numberflow: signal otp ignored: its input must be a JSON object, got null',
        'numberflow: signal cancel ignored: its input must be a JSON object, got no input',
        'numberflow: signal tokenRenewed ignored: its input must be a JSON object, got null',
        'numberflow: a number event was ignored: kind must be one of quality, name, status, partner_removed, restriction, paid_message, account, got none',
      ]);
      expect(view).toMatchObject({ stage: 'AWAITING_OTP', result: null });
      expect(() => journeyViewSchema.parse(view)).not.toThrow(); // the API can answer it
      const described = await handle.describe();
      expect(described.raw.pendingWorkflowTask?.attempt ?? 1).toBe(1); // no task failing
      // A renewal as the token store sends it is read in the timeline with who stored the token.
      await handle.signal(tokenRenewedSignal, { wabaId: view.wabaId, actor: 'admin@acme' });
      const renewals = async () =>
        (await journeyTimeline(t.env.client, view.e164)).entries.filter((e) => e.what.includes('token'));
      const renewal = await eventually(renewals, (found) => found.length === 2, 'both renewals in the timeline');
      expect(renewal.at(-1)).toMatchObject({ actor: 'admin@acme', what: "stored a new token for the number's WABA" });
      await handle.terminate('test done');
      expect((await handle.query(journeyQuery)).stage).toBe('AWAITING_OTP'); // a closed run replays it too
    });
  });

  it('ends a journey started by hand with an input it cannot take FAILED, naming the fields, and asks no portfolio', async () => {
    await t.bench.run(async () => {
      const valid = t.bench.input();
      const wrongTypes = { ...valid, wabaId: 12345, phoneNumber: valid.phoneNumber.e164, ivr: 'yes' };
      const inputs: [label: string, args: unknown[]][] = [
        ['no input', []],
        ['two fields', [{ wabaId: valid.wabaId, portfolioId: valid.portfolioId }]],
        ['wrong types', [wrongTypes]],
      ];
      const ended: Record<string, string> = {};
      const started: string[] = [];
      for (const [label, args] of inputs) {
        const e164 = freshNumber();
        const handle = await t.env.client.workflow.start('numberJourney', {
          taskQueue: t.bench.taskQueue,
          workflowId: journeyWorkflowId(e164),
          args,
        });
        const result = (await handle.result()) as JourneyResult;
        expect(result).toMatchObject({ outcome: 'FAILED', reasonCode: 'INPUT_INVALID' });
        ended[label] = result.reason.replaceAll(e164, '<e164>');
        // Readable as any ended journey (`show`, the API), and nothing was asked of Meta or the portfolio.
        expect(await describeJourney(t.env.client, e164)).toMatchObject({ stage: 'FAILED', e164 });
        const { events } = await handle.fetchHistory();
        const kinds = (events ?? []).map((e) => e.eventType);
        expect(kinds.some((k) => /ACTIVITY|SIGNAL_EXTERNAL/.test(String(k)))).toBe(false);
        const markers = (events ?? []).map((e) => e.markerRecordedEventAttributes?.markerName).filter(Boolean);
        expect(markers.filter((name) => name !== 'core_patch')).toEqual([]); // no local activity either
        expect(patchesIn({ events })).toContain('journey-input-checked');
        if (label === 'wrong types') t.bench.record(handle.workflowId, 'numberJourney', handle.firstExecutionRunId);
        started.push(e164);
      }
      const prefix = 'the journey was started with an input it cannot take: ';
      expect(ended).toEqual({
        'no input': `${prefix}its input must be a JSON object, got no input`,
        'two fields':
          prefix +
          [
            'displayName: is required (text of at most 1,000 characters)',
            'signupAt: is required (a date and time (ISO 8601))',
            'phoneNumber: is required (an object with e164 ("<e164>", as the workflow id), countryCallingCode and nationalNumber (digits in quotes))',
          ].join('; '),
        'wrong types':
          prefix +
          [
            'wabaId: must be a numeric Graph id in quotes',
            'ivr: must be true or false',
            'phoneNumber: must be an object with e164 ("<e164>", as the workflow id), countryCallingCode and nationalNumber (digits in quotes)',
          ].join('; '),
      });
      const portfolio = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
      const { holders, queue } = await portfolio.query(portfolioQuery);
      expect([...holders, ...queue].filter((h) => !h.e164 || started.includes(h.e164))).toEqual([]);
    });
  });

  it("drops a person's signal whose actor or reason an update would refuse, and takes a cancel without a reason", async () => {
    await t.bench.run(async () => {
      const input = t.bench.input();
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // One at a time: the audit tells apart the notes of one person's signals by the task that took each.
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'line one\nline two' });
      const noted = (start: string) => (v: JourneyView) => v.notes.some((n) => n.what.startsWith(start));
      await journey.until(noted('signal cancel ignored: the reason must be one line'), 'the first note');
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'r'.repeat(501) });
      await journey.until(noted('signal cancel ignored: the reason is too long'), 'the second note');
      await handle.signal(otpSignal, { actor: 'evil\nline', code: { sealed: 'x' } } as never);
      await journey.until(noted('signal otp ignored'), 'the third note');
      await handle.signal(cancelSignal, { actor: 'a'.repeat(5_000), reason: 'r' });
      await journey.until(noted('signal cancel ignored: actor is too long'), 'the fourth note');
      // Half of a character (a surrogate without its pair), which a later patch drops too.
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'lone \ud800 half' });
      const view = await journey.until((v) => v.notes.length >= 5, 'the five notes');
      expect(view.notes.slice(-5).map((n) => n.what)).toEqual([
        'signal cancel ignored: the reason must be one line of text, without control characters (line breaks, escapes)',
        'signal cancel ignored: the reason is too long (500 characters at most)',
        'signal otp ignored: the actor must be one line of text, without control characters (line breaks, escapes)',
        'signal cancel ignored: actor is too long',
        'signal cancel ignored: the reason must be one line of text, without control characters (line breaks, escapes)',
      ]);
      // A refused actor is not kept in the notes: only that it was refused.
      expect(view.notes.slice(-5).map((n) => n.actor)).toEqual([
        'ops@acme',
        'ops@acme',
        '(actor refused)',
        '(actor refused)',
        'ops@acme',
      ]);
      expect(view).toMatchObject({ stage: 'AWAITING_OTP', attempts: { wrongCodes: 0 } });
      const patches = patchesIn(await handle.fetchHistory());
      expect(patches).toContain('signal-words-checked-as-updates');
      expect(patches).toContain('signal-words-whole-characters');
      await handle.signal(cancelSignal, { actor: 'ops@acme' } as never); // the API's cancel by signal sent no reason
      await journey.until((v) => v.stage === 'CANCELLED', 'cancelled');
      const { entries } = await journeyTimeline(t.env.client, input.phoneNumber.e164);
      // The audit says each was ignored, and why, as the journey noted it.
      const actions = entries.filter((e) => e.kind === 'action');
      expect(actions.map((e) => e.outcome?.split(':')[0])).toEqual([
        'signal cancel ignored',
        'signal cancel ignored',
        'signal otp ignored',
        'signal cancel ignored',
        'signal cancel ignored',
        undefined,
      ]);
      // The audit shows who sent each, as one line of at most 200 characters.
      expect(actions.map((e) => e.actor)).toEqual([
        'ops@acme',
        'ops@acme',
        'evil\\x0aline',
        `${'a'.repeat(200)}…`,
        'ops@acme',
        'ops@acme',
      ]);
    });
  });

  it("notes and drops a number event whose date is no date: a paid message's would hold a removal for ever", async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(numberEventSignal, { kind: 'paid_message', at: 'yesterday' } as never);
      const view = await journey.until(
        (v) => v.notes.some((n) => n.what.startsWith('a number event was ignored: at')),
        'the note',
      );
      expect(view.notes.at(-1)?.what).toBe('a number event was ignored: at: must be a date in a paid_message event');
      expect(view.recentEvents.map((e) => e.kind)).not.toContain('paid_message');
      expect(() => journeyViewSchema.parse(view)).not.toThrow();
      await handle.terminate('test done');
    });
  });

  it('refuses a code sent in clear by update, leaving it out of history, and drops one sent by signal', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const plain = rawClient(t.env).workflow.getHandle(journey.workflowId); // no codec: plain JSON, as the CLI's
      const refusal = await refusalOf(plain.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'cli@plain' }] }));
      expect(refusal).toContain('submitOtp: the code was sent unencrypted, in clear, so numberflow does not use it');
      const history = () => t.env.client.workflow.getHandle(journey.workflowId).fetchHistory();
      expect(rawHistoryText(await history())).not.toContain(code);
      // By signal it reaches history (Temporal records a signal as it comes); the journey drops it, once patched.
      await plain.signal(otpSignal, { code, actor: 'cli@plain' });
      await eventually(history, (h) => patchesIn(h).includes('secrets-in-clear-dropped'), "the drop's patch marker");
      const view = await journey.view();
      expect(view).toMatchObject({ stage: 'AWAITING_OTP', attempts: { wrongCodes: 0 } });
      // The operator reads it in the journey's notes too.
      expect(view.notes.map((n) => n.what)).toContain(
        "signal otp dropped: the code was sent unencrypted, in clear, so numberflow does not use it: send it through numberflow's API or command line, or with the Temporal CLI's --codec-endpoint pointed at numberflow's codec server, which seals it",
      );
      expect(JSON.stringify(view)).not.toContain(code);
      // The auditor reads that it was dropped, and why (never the code).
      const timeline = await journeyTimeline(t.env.client, view.e164);
      const dropped = timeline.entries.find((e) => e.actor === 'cli@plain' && e.what.includes('(signal)'));
      expect(dropped?.outcome).toBe(
        "ignored: the code was sent unencrypted, in clear, so numberflow does not use it: send it through numberflow's API or command line, or with the Temporal CLI's --codec-endpoint pointed at numberflow's codec server, which seals it; treat the code as exposed",
      );
      expect(JSON.stringify(timeline)).not.toContain(code);
      // The same code, sealed through numberflow's converter, goes through.
      const answer = await t.env.client.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
      expect(answer.accepted).toBe(true);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('drops a signal whose sealed code is no envelope, refuses such an update, and the journey carries on', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const plain = rawClient(t.env).workflow.getHandle(journey.workflowId); // plain JSON, as the Temporal CLI's
      const forged = { code: { $sealed: 'v1', kid: 'x' }, actor: 'mallory' };
      // It failed the workflow task on every attempt: the journey stood still for good, its view answered 500.
      await plain.signal(otpSignal.name, forged);
      await journey.until(
        (v) => v.notes.some((n) => n.what.startsWith(`signal ${otpSignal.name} dropped: a sealed secret`)),
        "the dropped signal's note",
      );
      const refusal = await refusalOf(plain.executeUpdate(submitOtpUpdate.name, { args: [forged] }));
      expect(refusal).toContain('a sealed secret in a payload is malformed (not a v1 envelope): no key opens it');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const answer = await t.env.client.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
      expect(answer.accepted).toBe(true);
      expect((await journey.view()).attempts.wrongCodes).toBe(0);
      // The auditor reads that it was dropped, and who sent it as Temporal recorded it.
      const timeline = await journeyTimeline(t.env.client, (await journey.view()).e164);
      const dropped = timeline.entries.find((e) => e.what.includes('(signal)') && e.outcome?.startsWith('ignored'));
      expect(dropped?.outcome).toBe(
        'ignored: it could not be read (a sealed secret in a payload is malformed (not a v1 envelope)); no key opens it, so the workflow dropped it unread',
      );
      expect(dropped?.actor).toBeTruthy();
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it("answers updates on a live number after Temporal's cancel, which it refused", async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.cancel(); // refused and noted: the number is live
      await journey.until((v) => v.notes.some((n) => n.what.startsWith('cancel refused')), 'the refusal noted');
      const renamed = await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Help', actor: 'operator@acme' }],
      });
      expect(renamed).toMatchObject({ accepted: true });
      const check = await handle.executeUpdate(setIdentityCheckUpdate, {
        args: [{ enabled: true, actor: 'operator@acme' }],
      });
      expect(check).toMatchObject({ accepted: true });
      const view = await journey.view();
      expect(view).toMatchObject({ stage: 'LIVE', identityCheck: 'on', result: null });
      expect(view.displayName.pending).toBe('Acme Help');
      await handle.signal(cancelSignal, { actor: 'operator@acme', reason: 'again' }); // refused again, noted
      await handle.terminate('test done');
    });
  });
});
