import { defineConfig } from 'vitest/config';
import unitConfig from './vitest.config.js';

/**
 * `npm run test:chaos`: the chaos suite alone, against the compiled services.
 * Same aliases and template databases as `npm test`; the global setup also
 * brings PostgreSQL and RabbitMQ back if a run stopped them.
 */
export default defineConfig({
  resolve: unitConfig.resolve,
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/chaos/support/chaos-global-setup.ts'],
    pool: 'forks',
    // One scenario of ~1 minute, with up to 2 minutes to catch up; generous, not endless.
    testTimeout: 60_000,
    hookTimeout: 230_000,
    teardownTimeout: 120_000,
  },
});
