import { defineConfig } from 'vitest/config';
import { nodeUrl } from './test/cluster/support/rabbitmq-cluster.js';
import unitConfig from './vitest.config.js';

/**
 * `npm run test:cluster`: the pipeline on a real three-node RabbitMQ cluster
 * that the global setup starts on its own ports and stops at the end. The
 * test support's broker checks (queue depth, dead letters) point at node 1.
 */
export default defineConfig({
  resolve: unitConfig.resolve,
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/support/cluster-global-setup.ts'],
    env: { TEST_RABBITMQ_URL: nodeUrl(1) },
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 150_000,
    teardownTimeout: 60_000,
  },
});
