import type { MessagingTopology } from '../../packages/contracts/src/index.js';
import { wireSystem, type BrokerRole, type LaunchTable, type SystemWiring } from '@orders/test-support';
import { SERVICE_NODE_FLAGS, SYSTEM_PROCESSES } from '../../tools/src/start/process-table.js';
import type { IsolatedDatabases } from './isolated-databases.js';
import { TEST_API_KEY } from './running-services.js';
import { TEST_RABBITMQ_URL } from './test-environment.js';

/** `npm start`'s own table and Node flags: the tests run what ships. */
export const NPM_START: LaunchTable = { processes: SYSTEM_PROCESSES, nodeFlags: SERVICE_NODE_FLAGS };

/** A test's copy of the system: its own databases and topology, the test key, the test broker unless a role is sent elsewhere (a fault proxy). */
export function testWiring(options: {
  databases: IsolatedDatabases;
  topology: MessagingTopology;
  rabbitUrl?: (role: BrokerRole) => string;
}): Promise<SystemWiring> {
  return wireSystem({
    orderDatabaseUrl: options.databases.orderDatabaseUrl,
    customerDatabaseUrl: options.databases.customerDatabaseUrl,
    rabbitUrl: options.rabbitUrl ?? (() => TEST_RABBITMQ_URL),
    topology: options.topology,
    internalApiKey: TEST_API_KEY,
  });
}
