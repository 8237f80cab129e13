// The same call made again while it is on its way joins it; Meta's answer to it stands a moment for a repeat, only
// if it is one to keep; then, and past the bound, it is forgotten.
import { describe, expect, it } from 'vitest';
import { callsInFlight } from '../../src/activities/calls-in-flight.js';

type Outcome = { ok: true } | { ok: false; err: unknown };

function calls(now: () => number, kept: (outcome: Outcome) => boolean = () => true, max = 10) {
  return callsInFlight<string>({ rememberMs: 60_000, kept, max, now });
}

/** A call whose answer the test gives. */
function pending() {
  let answer: (value: string) => void = () => undefined;
  let refuse: (err: Error) => void = () => undefined;
  const call = () =>
    new Promise<string>((resolve, reject) => {
      answer = resolve;
      refuse = reject;
    });
  return { call, answer: (value: string) => answer(value), refuse: (err: Error) => refuse(err) };
}

describe('calls in flight', () => {
  it('gives every joiner the call under way, then its answer for a minute', async () => {
    let clock = 0;
    const made = calls(() => clock);
    const meta = pending();
    const sent = made.send('a', meta.call);
    expect(made.underWay('a')).toBe(sent);
    expect(made.underWay('a')).toBe(sent); // a second joiner
    expect(made.underWay('b')).toBeUndefined();
    expect(made.answered('a')).toBeUndefined();
    meta.answer('verified');
    expect(await sent).toBe('verified');
    expect(made.underWay('a')).toBeUndefined();
    expect(await made.answered('a')).toBe('verified');
    clock = 60_000;
    expect(made.answered('a')).toBeUndefined();
  });

  it('keeps only the answers it is told to keep, and a refusal as a refusal', async () => {
    const made = calls(
      () => 0,
      (outcome) => !outcome.ok && outcome.err instanceof Error && outcome.err.message === '136025',
    );
    await expect(made.send('wrong', () => Promise.reject(new Error('136025')))).rejects.toThrow('136025');
    await expect(made.answered('wrong') as Promise<string>).rejects.toThrow('136025');
    await expect(made.send('lost', () => Promise.reject(new Error('socket hang up')))).rejects.toThrow();
    expect(made.answered('lost')).toBeUndefined();
    expect(made.underWay('lost')).toBeUndefined();
  });

  it('lets a newer call under the same key stand when an older one settles', async () => {
    const made = calls(() => 0);
    const older = pending();
    const newer = pending();
    const first = made.send('a', older.call);
    const second = made.send('a', newer.call);
    older.answer('old');
    await first;
    expect(made.underWay('a')).toBe(second);
    newer.answer('new');
    await second;
    expect(await made.answered('a')).toBe('new');
  });

  it('forgets the oldest answers past its bound, and those past their time as it keeps others', async () => {
    let clock = 0;
    const made = calls(
      () => clock,
      () => true,
      2,
    );
    for (const key of ['a', 'b', 'c']) await made.send(key, () => Promise.resolve(key));
    expect(made.answered('a')).toBeUndefined();
    expect(await made.answered('b')).toBe('b');
    clock = 61_000;
    await made.send('d', () => Promise.resolve('d'));
    expect(made.answered('b')).toBeUndefined();
    expect(made.answered('c')).toBeUndefined();
    expect(await made.answered('d')).toBe('d');
  });
});
