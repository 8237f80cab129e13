// Test files share their worker process (vitest.config.ts: not isolated, as most of each file's start is importing
// the Temporal SDK and the app): what a file sets in process.env is undone when it ends, so no later file sees it.
import { afterAll } from 'vitest';

const before = { ...process.env };

afterAll(() => {
  for (const name of Object.keys(process.env)) if (!(name in before)) delete process.env[name];
  Object.assign(process.env, before);
});
