// npm run bench: every benchmark in order, each in a Node process of its own (bench/run-one.ts: what one leaves in
// the heap weighs on no other) on a dev server and a Graph sandbox of its own on loopback, its figures printed against
// a baseline measured in the same run and written to bench/results/latest.json.
// BENCH_ONLY=name,name runs some of them; the other BENCH_… variables scale the counts (README, Benchmarks).
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchmarks } from './benchmarks.js';
import { markdownTable, printable, results, type Figure } from './figures.js';
import { selected } from './settings.js';

/** Runs one benchmark in a child process (the runner's own loader flags, so TypeScript as here) for its figures. */
function runApart(name: string): Promise<Figure[]> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./run-one.ts', import.meta.url)), [name], { stdio: 'inherit' });
    let figures: Figure[] | null = null;
    child.on('message', (message) => (figures = message as Figure[]));
    child.on('error', reject);
    // 'close' comes after the IPC channel closed: no message can still be on its way.
    child.on('close', (code, signal) => {
      if (code === 0 && figures) resolve(figures);
      else reject(new Error(`benchmark ${name} failed (exit ${signal ?? code}${figures ? '' : ', no figures'})`));
    });
  });
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  for (const name of selected(Object.keys(benchmarks))) {
    const started = performance.now();
    console.log(`— ${name}`);
    for (const f of await runApart(name)) {
      console.log(printable(f));
      figures.push(f);
    }
    console.log(`  (${Math.round((performance.now() - started) / 1000)} s)`);
  }
  const file = fileURLToPath(new URL('./results/latest.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results(figures), null, 2)}\n`);
  console.log(`written to bench/results/latest.json\n\n${markdownTable(figures)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
