import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@tessera/source'] },
  ssr: { resolve: { conditions: ['@tessera/source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    // Build + pack + npm install takes about 30 s on two cores.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
