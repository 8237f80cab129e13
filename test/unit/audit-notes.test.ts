// The journey's notes joined to the signals they answer in the audit: several of Meta's changes taken in one
// workflow task share the moment their handlers ran, and each note goes to the change it is about.
import { describe, expect, it } from 'vitest';
import { describeMessage } from '../../src/audit/actions.js';
import { attachNotes } from '../../src/audit/notes.js';
import { cancelSignal, numberEventSignal } from '../../src/domain/messages.js';
import type { TimelineEntry } from '../../src/audit/types.js';
import type { NoteTarget } from '../../src/audit/walk.js';

const at = '2026-12-06T05:00:00.000Z';
const webhook = (what: string): TimelineEntry => ({
  at,
  runId: 'r1',
  kind: 'webhook',
  stage: 'DISPLAY_NAME_REVIEW',
  actor: 'meta',
  what,
});

describe("the audit's notes on Meta's changes", () => {
  it('go to the change whose words they quote, and otherwise to the first change of that moment', () => {
    const status = webhook('status CONNECTED');
    const name = webhook('display name "Acme Stale" REJECTED (NAME_NOT_CONSISTENT)');
    const targets: NoteTarget[] = [status, name].map((entry) => ({ entry, actor: 'meta', handledAt: at }));
    attachNotes(targets, [
      {
        at,
        actor: 'meta',
        what: `REJECTED of "Acme Stale" dated ${at}, before the name was sent for review at ${at}: an earlier request's, ignored`,
      },
      { at, actor: 'meta', what: 'account update VERIFIED_ACCOUNT' },
      { at, actor: 'ops@acme', what: 'a note of another actor' },
    ]);
    expect(name.outcome).toMatch(/^REJECTED of "Acme Stale" .*an earlier request's, ignored$/);
    expect(status.outcome).toBe('account update VERIFIED_ACCOUNT');
  });

  it("give one person's signals of one moment a note each, in order, when they are as many", () => {
    const signal = (what: string): TimelineEntry => ({ ...webhook(what), kind: 'action', actor: 'ops@acme' });
    const [first, second] = [signal('cancel'), signal('cancel')];
    const person = (entry: TimelineEntry): NoteTarget => ({ entry, actor: 'ops@acme', handledAt: at });
    attachNotes([first, second].map(person), [
      { at, actor: 'ops@acme', what: 'signal cancel ignored: the reason is too long (500 characters at most)' },
      {
        at,
        actor: 'ops@acme',
        what: 'signal cancel ignored: the reason must be one line of text, without control characters (line breaks, escapes)',
      },
    ]);
    expect(first.outcome).toBe('signal cancel ignored: the reason is too long (500 characters at most)');
    expect(second.outcome).toBe(
      'signal cancel ignored: the reason must be one line of text, without control characters (line breaks, escapes)',
    );

    // Notes and signals that do not pair up: all to the first, as before.
    const three = [signal('cancel'), signal('cancel'), signal('cancel')];
    attachNotes(three.map(person), [
      { at, actor: 'ops@acme', what: 'one' },
      { at, actor: 'ops@acme', what: 'two' },
    ]);
    expect(three.map((entry) => entry.outcome)).toEqual(['one; two', undefined, undefined]);
  });

  it('show a sender as one line of at most 200 characters, never cutting a character in two, and a blank one as none given', () => {
    const actorOf = (actor: string) => describeMessage(cancelSignal.name, { actor, reason: 'r' }, 'signal').actor;
    expect(actorOf('evil\nline')).toBe('evil\\x0aline');
    expect(actorOf(`${'a'.repeat(199)}😀😀`)).toBe(`${'a'.repeat(199)}😀…`);
    expect(actorOf('   ')).toBe('(no actor given)');
    // The journey notes a blank actor so too: its note is attached.
    const entry = {
      ...webhook('asked to cancel the onboarding: r (signal)'),
      kind: 'action' as const,
      actor: '(no actor given)',
    };
    attachNotes(
      [{ entry, actor: '', handledAt: at }],
      [{ at, actor: '(no actor given)', what: 'cancel ignored: no actor' }],
    );
    expect(entry.outcome).toBe('cancel ignored: no actor');
  });

  it("date a webhook by Meta's time when it is one the timeline holds, and not otherwise", () => {
    const status = (when: string) =>
      describeMessage(numberEventSignal.name, { kind: 'status', status: 'CONNECTED', at: when }, 'signal');
    expect(status('2026-12-06T04:59:00Z')).toMatchObject({ sentAt: '2026-12-06T04:59:00.000Z' });
    expect(status('+010000-01-01T00:00:00.000Z')).not.toHaveProperty('sentAt'); // sent by hand: past the year 9999
    expect(status('soon')).not.toHaveProperty('sentAt');
  });
});
