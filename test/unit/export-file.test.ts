// A portfolio's export to a file appears under the file's name only once whole: a failure or a stop mid-export
// leaves no part of it there, and a file that was there stays as it was.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeExport } from '../../src/cli/export-file.js';
import { root, tempDir } from '../support/processes.js';

async function* rows(count: number, then?: Error): AsyncIterable<string> {
  for (let i = 0; i < count; i++) yield `{"row":${i}}\n`;
  if (then) throw then;
}

describe("the audit's export to a file", () => {
  it('is renamed into place once whole; cut short by a failure, it leaves the file that was there', async () => {
    const dir = tempDir('export-file');
    const file = join(dir, 'export.ndjson');
    await writeExport(rows(3), file);
    expect(readFileSync(file, 'utf8')).toBe('{"row":0}\n{"row":1}\n{"row":2}\n');
    await expect(writeExport(rows(2, new Error('Temporal went away')), file)).rejects.toThrow('Temporal went away');
    expect(readFileSync(file, 'utf8')).toBe('{"row":0}\n{"row":1}\n{"row":2}\n');
    expect(readdirSync(dir)).toEqual(['export.ndjson']);
  });

  it('writes to a FIFO as the rows come, leaving it a FIFO', async () => {
    const dir = tempDir('export-file-fifo');
    const fifo = join(dir, 'export.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (chunk: Buffer) => (read += chunk.toString()));
    const closed = new Promise((resolve) => reader.once('close', resolve));
    await writeExport(rows(2), fifo);
    await closed;
    expect(read).toBe('{"row":0}\n{"row":1}\n');
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['export.fifo']);
  });

  it('stopped by a signal, removes its part, says so and exits 130 or 143', async () => {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const dir = tempDir('export-file-stop');
      const file = join(dir, 'export.csv');
      writeFileSync(file, 'the export of yesterday\n');
      const script = `
        import { writeExport } from './src/cli/export-file.ts';
        async function* endless() { for (let i = 0; ; i++) { yield 'row ' + i + '\\n'; await new Promise((r) => setTimeout(r, 5)); } }
        await writeExport(endless(), ${JSON.stringify(file)});`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      // Once the part is being written, stop it.
      for (let i = 0; i < 300 && !readdirSync(dir).some((name) => name.endsWith('.part')); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(readdirSync(dir).some((name) => name.endsWith('.part'))).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(stderr).toContain(`interrupted (${signal}): no export written; ${file} is as it was`);
      expect(readFileSync(file, 'utf8')).toBe('the export of yesterday\n');
      expect(readdirSync(dir)).toEqual(['export.csv']);
      expect(existsSync(join(dir, `.export.csv.${child.pid}.part`))).toBe(false);
    }
  }, 60_000);
});
