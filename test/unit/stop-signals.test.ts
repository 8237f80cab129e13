// A Ctrl-C under npm arrives twice (the terminal's, and npm's copy): the second must not cut the stop short.
import { describe, expect, it } from 'vitest';
import { stopSignalHandler } from '../../src/stop-signals.js';

function handler(listeners: number) {
  const seen = { exits: [] as number[], warnings: [] as string[], at: 0 };
  const handle = stopSignalHandler({
    logger: { warn: (message: string) => void seen.warnings.push(message) },
    listeners: () => listeners,
    exit: (code) => void seen.exits.push(code),
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
      'SIGINT again: still stopping (the worker drains its tasks); once more stops at once',
    ]);
    expect(seen.exits).toEqual([]);
    seen.at += 2_000;
    handle('SIGTERM');
    expect(seen.exits).toEqual([130]);
  });

  it('stops at once when nothing else listens yet (a press before anything started)', () => {
    const { handle, seen } = handler(1);
    handle('SIGTERM');
    expect(seen.exits).toEqual([130]);
  });
});
