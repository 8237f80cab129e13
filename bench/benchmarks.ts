// The benchmarks `npm run bench` knows, by the name BENCH_ONLY takes, in the order they run.
import { codeOverHttpBench } from './code-over-http.js';
import type { Figure } from './figures.js';
import { historyBench } from './history.js';
import { parkedBench } from './parked.js';
import { portfolioBench } from './portfolio.js';
import { throughputBench } from './throughput.js';
import { webhooksBench } from './webhooks.js';

export const benchmarks: Record<string, () => Promise<Figure[]>> = {
  throughput: throughputBench,
  history: historyBench,
  parked: parkedBench,
  code: codeOverHttpBench,
  webhooks: webhooksBench,
  portfolio: portfolioBench,
};
