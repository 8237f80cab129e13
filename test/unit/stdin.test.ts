import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PIPE_HINT, readStdin } from '../../src/cli/stdin.js';

/** A terminal's input as node gives it (raw mode recorded), and what the command writes to standard error. */
function terminal() {
  const modes: boolean[] = [];
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: (raw: boolean) => modes.push(raw),
  });
  const written: string[] = [];
  const output = Object.assign(new PassThrough(), { isTTY: true });
  output.on('data', (chunk: Buffer) => written.push(chunk.toString()));
  return { input, output, modes, written };
}

/** The terminal left as it was: raw mode off, input paused, nothing listening. */
function leftAsItWas({ input, modes }: ReturnType<typeof terminal>) {
  expect(modes).toEqual([true, false]);
  expect(input.isPaused()).toBe(true);
  expect(input.listenerCount('data') + input.listenerCount('end')).toBe(0);
}

describe('a secret from standard input', () => {
  it('asks at a terminal, reads without echo up to Enter (a typo erased), and leaves the terminal as it was', async () => {
    const { input, output, modes, written } = terminal();
    const read = readStdin('two-step PIN, 6 digits (not shown): ', input, output);
    input.write('24681\u007f0');
    input.write('\rignored after Enter');
    expect(await read).toBe('24680');
    expect(written.join('')).toBe('two-step PIN, 6 digits (not shown): \n'); // the prompt, never the PIN
    leftAsItWas({ input, output, modes, written });
  });

  it('takes Ctrl-U and Ctrl-W as a terminal does, leaves out arrow keys, and joins a character split in two', async () => {
    const t = terminal();
    const read = readStdin('code (not shown): ', t.input, t.output);
    t.input.write('999\u0015123 99\u0017'); // the line erased, then the last word
    t.input.write('\u001b[D\u001b[3~456 é'.slice(0, -1));
    t.input.write(Buffer.from([0xc3]));
    t.input.write(Buffer.from([0xa9]));
    t.input.write('\n');
    expect(await read).toBe('123 456 é');
    leftAsItWas(t);
  });

  it('ends quietly with 130 on Ctrl-C, and takes what was typed when the input ends', async () => {
    const t = terminal();
    const interrupted = readStdin('code (not shown): ', t.input, t.output);
    t.input.write('12\u0003');
    await expect(interrupted).rejects.toMatchObject({ name: 'CliExit', exitCode: 130 });
    leftAsItWas(t);
    const u = terminal();
    const ended = readStdin('code (not shown): ', u.input, u.output);
    u.input.end('123830');
    expect(await ended).toBe('123830');
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

  it('says on standard error what it waits for when a pipe stays open, then reads it as it ends', async () => {
    const input = new PassThrough();
    const written: string[] = [];
    const output = new PassThrough();
    output.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    const read = readStdin('code (not shown): ', input, output, 50);
    input.write('1238');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written).toEqual([PIPE_HINT]);
    input.end('30\n');
    expect(await read).toBe('123830\n');
    expect(written).toHaveLength(1); // said once
  });
});
