// Blocks its process's event loop for ever, where no timeout can fire: always with STALL=always, the first time only
// with STALL=<a file that is not there yet>.
import { existsSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('blocks its event loop', () => {
  const stall = process.env.STALL ?? '';
  if (stall === 'always' || (stall !== '' && !existsSync(stall))) {
    if (stall !== 'always') writeFileSync(stall, 'stalled');
    for (;;);
  }
  expect(stall).not.toBe('');
});
