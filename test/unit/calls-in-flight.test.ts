// A call still on its way in this process is joined by a repeat of it, and forgotten once it settles, either way.
import { describe, expect, it } from 'vitest';
import { callsInFlight, keyOf } from '../../src/activities/calls-in-flight.js';

describe('calls in flight', () => {
  it('gives a repeat the call under way, and forgets it once it settles', async () => {
    const calls = callsInFlight<string>();
    let answer: (value: string) => void = () => undefined;
    const sent = calls.send('a', () => new Promise<string>((resolve) => (answer = resolve)));
    expect(calls.underWay('a')).toBe(sent);
    expect(calls.underWay('b')).toBeUndefined();
    answer('verified');
    expect(await sent).toBe('verified');
    expect(calls.underWay('a')).toBeUndefined();

    const refused = calls.send('a', () => Promise.reject(new Error('136025')));
    await expect(refused).rejects.toThrow('136025');
    expect(calls.underWay('a')).toBeUndefined();
  });

  it('keys a call by a digest of what it carries, never the code itself', () => {
    const key = keyOf('123456789012345', '482913');
    expect(key).not.toContain('482913');
    expect(key).toBe(keyOf('123456789012345', '482913'));
    expect(key).not.toBe(keyOf('123456789012345', '482914'));
  });
});
