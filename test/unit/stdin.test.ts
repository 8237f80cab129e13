import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readStdin } from '../../src/cli/stdin.js';

/** A terminal's input as node gives it (raw mode recorded), and what the command writes to standard error. */
function terminal() {
  const modes: boolean[] = [];
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: (raw: boolean) => modes.push(raw),
  });
  const written: string[] = [];
  const output = new PassThrough();
  output.on('data', (chunk: Buffer) => written.push(chunk.toString()));
  return { input, output, modes, written };
}

describe('a secret from standard input', () => {
  it('asks at a terminal, reads without echo up to Enter (a typo erased), and leaves the terminal as it was', async () => {
    const { input, output, modes, written } = terminal();
    const read = readStdin('two-step PIN, 6 digits (not shown): ', input, output);
    input.write('24681\u007f0');
    input.write('\rignored after Enter');
    expect(await read).toBe('24680');
    expect(written.join('')).toBe('two-step PIN, 6 digits (not shown): \n'); // the prompt, never the PIN
    expect(modes).toEqual([true, false]);
  });

  it('reads piped input whole, without a prompt', async () => {
    const input = new PassThrough();
    const written: string[] = [];
    const output = new PassThrough();
    output.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    const read = readStdin('code (not shown): ', input, output);
    input.end('123830\n');
    expect(await read).toBe('123830\n');
    expect(written).toEqual([]);
  });
});
