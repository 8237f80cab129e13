// The benchmarks `npm run bench` knows, by the name BENCH_ONLY takes, in the order they run. Each module is loaded
// only by the process that runs it (bench/run-one.ts), so the runner stays small.
import type { Figure } from './figures.js';

export const benchmarks: Record<string, () => Promise<Figure[]>> = {
  throughput: async () => (await import('./throughput.js')).throughputBench(),
  history: async () => (await import('./history.js')).historyBench(),
  parked: async () => (await import('./parked.js')).parkedBench(),
  code: async () => (await import('./code-over-http.js')).codeOverHttpBench(),
  webhooks: async () => (await import('./webhooks.js')).webhooksBench(),
  portfolio: async () => (await import('./portfolio.js')).portfolioBench(),
};
