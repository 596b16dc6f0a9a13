import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources directly; no build needed for a code change to be tested.
    alias: [
      { find: /^@orders\/contracts$/, replacement: source('./packages/contracts/src/index.ts') },
      { find: /^@orders\/operations$/, replacement: source('./packages/operations/src/index.ts') },
      { find: /^@orders\/service-kit$/, replacement: source('./packages/service-kit/src/index.ts') },
      { find: /^@orders\/service-kit\/(http|broker)$/, replacement: source('./packages/service-kit/src/$1/index.ts') },
      { find: /^@orders\/test-support$/, replacement: source('./packages/test-support/src/index.ts') },
      // The in-process harness (the services' apps, test databases, HTTP client) for service and cross-service tests.
      { find: /^@orders\/test-harness$/, replacement: source('./test/support/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/chaos/**', 'test/cluster/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
