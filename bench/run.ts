// npm run bench: every benchmark in order, each on a dev server and a Graph sandbox of its own on loopback, its
// figures printed against a baseline measured in the same run and written to bench/results/latest.json.
// BENCH_ONLY=name,name runs some of them; the other BENCH_… variables scale the counts (README, Benchmarks).
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { codeOverHttpBench } from './code-over-http.js';
import { markdownTable, printable, results, type Figure } from './figures.js';
import { historyBench } from './history.js';
import { parkedBench } from './parked.js';
import { portfolioBench } from './portfolio.js';
import { selected } from './settings.js';
import { throughputBench } from './throughput.js';
import { webhooksBench } from './webhooks.js';

const benchmarks: Record<string, () => Promise<Figure[]>> = {
  throughput: throughputBench,
  history: historyBench,
  parked: parkedBench,
  code: codeOverHttpBench,
  webhooks: webhooksBench,
  portfolio: portfolioBench,
};

async function main(): Promise<void> {
  const figures: Figure[] = [];
  for (const name of selected(Object.keys(benchmarks))) {
    const started = performance.now();
    console.log(`— ${name}`);
    for (const f of await (benchmarks[name] as () => Promise<Figure[]>)()) {
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
