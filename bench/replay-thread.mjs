// A thread of bench/stack-traces.ts: tsx registered in this thread, whatever flags the process was started with
// (a thread started as eval code loads this file by URL), then the replays of ./replay-in-thread.ts.
import { register } from 'tsx/esm/api';

register();
await import('./replay-in-thread.ts');
