// Following a journey across the loss of its event stream (the service restarted): every change is said once.
import { describe, expect, it } from 'vitest';
import type { JourneyNote, JourneyView } from '../../src/domain/journey.js';
import { journeyChanges, resumingEvents, type JourneyEvent } from '../../src/journeys/follow.js';
import { journeyView, retriedCall } from '../support/journey-view.js';

class Lost extends Error {}

const note = (what: string): JourneyNote => ({ at: '2026-12-05T06:00:00.000Z', actor: 'meta', what }) as JourneyNote;

/** A stream of `events`, failing with `Lost` after them unless it ends with `end`. */
function stream(events: JourneyEvent[]): () => AsyncGenerator<JourneyEvent> {
  return async function* () {
    for (const event of events) yield event;
    if (events.at(-1)?.event !== 'end') throw new Lost('the stream closed');
  };
}

async function followed(streams: (() => AsyncGenerator<JourneyEvent>)[], giveUpMs = 60_000) {
  const lost: string[] = [];
  let next = 0;
  const seen: JourneyEvent[] = [];
  const events = resumingEvents(() => (streams[next++] ?? stream([]))(), {
    signal: new AbortController().signal,
    resumable: (err) => err instanceof Lost,
    onLost: (err) => lost.push((err as Error).message),
    retryMs: 1,
    giveUpMs,
  });
  for await (const event of events) seen.push(event);
  return { seen, lost };
}

describe('following a journey across lost streams', () => {
  const first: JourneyView = journeyView({ stage: 'AWAITING_OTP', notes: [note('code requested')] });

  it('says only what changed since the last stream, then its end', async () => {
    const moved: JourneyView = { ...first, stage: 'LIVE', waiting: null, notes: [...first.notes, note('approved')] };
    const result = { outcome: 'REMOVED' } as JourneyView['result'];
    const { seen, lost } = await followed([
      stream([{ event: 'view', data: first }]),
      stream([
        { event: 'view', data: moved },
        { event: 'end', data: { result: result as NonNullable<typeof result> } },
      ]),
    ]);
    expect(seen.map((e) => e.event)).toEqual(['view', 'stage', 'note', 'end']);
    expect(seen[1]).toEqual({ event: 'stage', data: { stage: 'LIVE', waiting: null } });
    expect(seen[2]).toEqual({ event: 'note', data: note('approved') });
    expect(lost).toEqual(['the stream closed']);
  });

  it('says each stage entered between two reads, with when, and none again after a lost stream', async () => {
    const entered = (...stages: JourneyView['stage'][]) =>
      stages.map((stage, i) => ({ stage, at: `2026-12-05T06:00:0${i}.000Z` }));
    const otp = journeyView({ stage: 'AWAITING_OTP', stagesEntered: entered('WAITING_FOR_CAPACITY', 'AWAITING_OTP') });
    const all = entered('WAITING_FOR_CAPACITY', 'AWAITING_OTP', 'VERIFYING_CODE', 'REGISTERING', 'DISPLAY_NAME_REVIEW');
    const review = journeyView({ stage: 'DISPLAY_NAME_REVIEW', waiting: null, stagesEntered: all });
    const stages = (events: JourneyEvent[]) =>
      events.flatMap((e) => (e.event === 'stage' ? [`${e.data.stage} ${e.data.at ?? ''}`] : []));
    expect(stages(journeyChanges(otp, review))).toEqual([
      'VERIFYING_CODE 2026-12-05T06:00:02.000Z',
      'REGISTERING 2026-12-05T06:00:03.000Z',
      'DISPLAY_NAME_REVIEW 2026-12-05T06:00:04.000Z',
    ]);
    // Told the stages by one stream, then its loss: the next stream's view says none of them again.
    const { seen } = await followed([
      stream([{ event: 'view', data: otp }, ...journeyChanges(otp, review)]),
      stream([
        { event: 'view', data: review },
        { event: 'end', data: { result: { outcome: 'REMOVED' } as NonNullable<JourneyView['result']> } },
      ]),
    ]);
    expect(stages(seen)).toHaveLength(3);
  });

  it('says a retried Graph call at each new attempt or state and once it is over, not at each read', async () => {
    const retrying = (overrides: Parameters<typeof retriedCall>[0]) => ({
      ...first,
      callUnderWay: retriedCall(overrides),
    });
    const backingOff = retrying({ attempt: 2, state: 'backing off' });
    expect(journeyChanges(first, backingOff)).toEqual([
      { event: 'call', data: { callUnderWay: backingOff.callUnderWay } },
    ]);
    // The same attempt read again (its next attempt's time said again) is no news.
    expect(journeyChanges(backingOff, retrying({ attempt: 2, state: 'backing off', nextAttemptAt: null }))).toEqual([]);
    expect(journeyChanges(backingOff, retrying({ attempt: 2, state: 'running' })).map((e) => e.event)).toEqual([
      'call',
    ]);
    expect(journeyChanges(backingOff, retrying({ attempt: 3 })).map((e) => e.event)).toEqual(['call']);
    const answered = { ...first, stage: 'AWAITING_PIN', notes: [...first.notes, note('verified')] } as JourneyView;
    expect(journeyChanges(backingOff, answered)).toEqual([
      { event: 'stage', data: { stage: 'AWAITING_PIN', waiting: answered.waiting } },
      { event: 'call', data: { callUnderWay: null } },
      { event: 'note', data: note('verified') },
    ]);
    // A stream lost meanwhile: the next one's view says only that the call is over.
    const { seen } = await followed([
      stream([
        { event: 'view', data: first },
        { event: 'call', data: { callUnderWay: backingOff.callUnderWay } },
      ]),
      stream([
        { event: 'view', data: first },
        { event: 'end', data: { result: { outcome: 'REMOVED' } as NonNullable<JourneyView['result']> } },
      ]),
    ]);
    expect(seen.map((e) => e.event)).toEqual(['view', 'call', 'call', 'end']);
    expect(seen[2]).toEqual({ event: 'call', data: { callUnderWay: null } });
  });

  it('does not say again a change its last stream said before it was lost', async () => {
    const { seen } = await followed([
      stream([
        { event: 'view', data: first },
        { event: 'note', data: note('a wrong code') },
      ]),
      stream([
        { event: 'view', data: { ...first, notes: [...first.notes, note('a wrong code')] } },
        { event: 'end', data: { result: { outcome: 'CANCELLED' } as NonNullable<JourneyView['result']> } },
      ]),
    ]);
    expect(seen.map((e) => e.event)).toEqual(['view', 'note', 'end']);
  });

  it('throws a failure that is not a lost stream, and a stream lost for too long', async () => {
    const broken = async function* (): AsyncGenerator<JourneyEvent> {
      yield* [];
      throw new Error('refused: no journey');
    };
    await expect(followed([broken])).rejects.toThrow('refused: no journey');
    // A first stream that never opens (a wrong address) fails at once, lost or not.
    await expect(followed([stream([]), stream([{ event: 'view', data: first }])])).rejects.toThrow('the stream closed');
    const gone = [stream([{ event: 'view', data: first }]), ...Array.from({ length: 50 }, () => stream([]))];
    await expect(followed(gone, 5)).rejects.toThrow('the stream closed');
  });
});
