import type { TestProject } from 'vitest/node';
import setupTestDatabases from '../../support/global-setup.js';
import { ensureInfrastructureUp } from '../../support/infrastructure.js';

/**
 * The suite's global setup: the same template databases as `npm test`, with
 * PostgreSQL and the RabbitMQ app brought back on both sides of the run. At
 * the start that repairs what a run killed half-way left behind; at the end
 * it is the last line of defence when a test process died in the middle of
 * a fault, before the databases are dropped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await reportRepairs('before the run');
  const teardown = await setupTestDatabases(project);
  return async () => {
    try {
      await reportRepairs('after the run');
    } finally {
      await teardown();
    }
  };
}

async function reportRepairs(when: string): Promise<void> {
  const actions = await ensureInfrastructureUp();
  if (actions.length > 0) process.stdout.write(`chaos suite ${when}: ${actions.join('; ')}\n`);
}
