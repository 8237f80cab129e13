import { throughputBench } from './throughput.js';
import { printable } from './figures.js';
for (const f of await throughputBench()) console.log(printable(f));
