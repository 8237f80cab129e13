// A Ctrl-C under npm arrives twice (the terminal's, and npm's copy): the second must not cut the stop short.
import { describe, expect, it } from 'vitest';
import { stopSignalHandler } from '../../src/stop-signals.js';

function handler(listeners: number) {
  const seen = { exits: [] as string[], warnings: [] as string[], at: 0, ended: false };
  const handle = stopSignalHandler({
    logger: { warn: (message: string) => void seen.warnings.push(message) },
    listeners: () => listeners,
    ended: () => seen.ended,
    exit: (signal) => void seen.exits.push(signal),
    now: () => seen.at,
  });
  return { handle, seen };
}

describe('stop signals', () => {
  it("leaves the first press to the runtime's listener, takes npm's copy as the same press, stops at the third", () => {
    const { handle, seen } = handler(2);
    handle('SIGINT');
    seen.at += 3; // npm's copy
    handle('SIGINT');
    expect(seen).toMatchObject({ exits: [], warnings: [] });
    seen.at += 2_000;
    handle('SIGINT');
    expect(seen.warnings).toEqual([
      'SIGINT again: still stopping; once more stops at once (a dev server it started is left running, and the next start reuses it)',
    ]);
    expect(seen.exits).toEqual([]);
    seen.at += 2_000;
    handle('SIGTERM');
    expect(seen.exits).toEqual(['SIGTERM']);
  });

  it('stops at once on any press once the work has ended (a handle holding the process)', () => {
    const { handle, seen } = handler(2);
    seen.ended = true;
    handle('SIGINT');
    expect(seen.exits).toEqual(['SIGINT']);
  });

  it('stops at once when nothing else listens yet (a press before anything started)', () => {
    const { handle, seen } = handler(1);
    handle('SIGTERM');
    expect(seen.exits).toEqual(['SIGTERM']);
  });
});
