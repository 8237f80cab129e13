// The bench runs its worker with the environment of the image's `worker` stage (bench/processes.ts), so the memory it
// measures is the deployed worker's: read from the Dockerfile itself (the stage and those it is built on), never a
// copy that could drift from it.
import { describe, expect, it } from 'vitest';
import { imageWorkerEnv } from '../../bench/processes.js';

describe("the image's worker environment", () => {
  it("is the Dockerfile worker stage's with what it inherits: its heap limit, young generation and malloc arenas, NODE_ENV", () => {
    const env = imageWorkerEnv();
    expect(env.NODE_OPTIONS).toMatch(/^--max-old-space-size=\d+ --max-semi-space-size=\d+$/);
    expect(env.MALLOC_ARENA_MAX).toMatch(/^\d+$/);
    expect(env.NODE_ENV).toBe('production');
    expect(env).not.toHaveProperty('HTTP_PORT'); // the service's
  });

  it('reads quoted and bare values of the ENV lines of that stage and the stages under it, the later winning', () => {
    const dockerfile = [
      'FROM node AS deps',
      'ENV SKIPPED=1',
      'FROM node AS runtime',
      'ENV NODE_ENV=production C=1',
      'FROM runtime AS worker',
      'ENV A="x y" B=2',
      'ENV C=3',
      'CMD ["node"]',
      'FROM runtime AS service',
      'ENV D=4',
    ].join('\n');
    expect(imageWorkerEnv(dockerfile)).toEqual({ NODE_ENV: 'production', A: 'x y', B: '2', C: '3' });
  });

  it('says so when the Dockerfile has no worker stage', () => {
    expect(() => imageWorkerEnv('FROM node AS service\nENV A=1\n')).toThrow(/no `worker` stage/);
  });
});
