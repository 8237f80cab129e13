// The stall watchdog's own test (test/unit/stall-watchdog.test.ts) runs these files through it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.stall.ts'],
    setupFiles: ['../running-file.ts'],
    reporters: ['default', '../stall-watchdog.ts'],
    isolate: false,
    maxWorkers: 2,
  },
});
