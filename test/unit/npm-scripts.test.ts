// The long-running npm scripts hand npm's place to Node itself: a signal to the `npm start` process reaches the app,
// and no relay stands between them (tsx's CLI relay killed the app with SIGKILL when it was slow to acknowledge a
// signal, leaving the dev server running). The app's own stop on SIGINT/SIGTERM is tested through its processes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>;
};

describe('the long-running npm scripts', () => {
  it.each([
    ['start', 'src/main.ts'],
    ['worker', 'src/worker.ts'],
    ['service', 'src/service.ts'],
  ])('%s ends by exec-ing Node with the tsx loader on %s', (name, entry) => {
    expect(scripts[name]).toMatch(new RegExp(`(^|&& )exec node --import tsx ${entry.replace('.', '\\.')}$`));
  });
});
