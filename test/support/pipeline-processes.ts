import { ORDERS_EXCHANGE, type MessagingTopology } from '../../packages/contracts/src/index.js';
import type { IsolatedDatabases } from './isolated-databases.js';
import { TEST_API_KEY } from './running-services.js';
import { freePort, freeStablePort, type ServiceGroup, type ServiceProcess } from './service-processes.js';
import { TEST_RABBITMQ_URL } from './test-environment.js';

type BrokerRole = 'order_outbox_worker' | 'order_created_consumer';

export interface PipelineProcesses {
  customerService: ServiceProcess;
  orderService: ServiceProcess;
  workers: ServiceProcess[];
  consumers: ServiceProcess[];
  customerServiceUrl: string;
  orderServiceUrl: string;
}

/**
 * Adds the system's processes to a test's process group, wired to its own
 * databases and topology: one customer_service, one order_service, and as
 * many workers and consumers as asked (labelled by role when there is one,
 * worker-1, consumer-2… when there are several). Nothing is started yet.
 */
export async function addPipelineProcesses(options: {
  group: ServiceGroup;
  databases: IsolatedDatabases;
  topology: MessagingTopology;
  workers?: number;
  consumers?: number;
  orderServiceEnv?: Record<string, string>;
  /** Where a worker or consumer finds RabbitMQ (a fault proxy, say); the broker itself by default. */
  rabbitUrl?: (role: BrokerRole) => string;
}): Promise<PipelineProcesses> {
  const { group, databases } = options;
  const prefix = options.topology.exchange.slice(0, -ORDERS_EXCHANGE.length);
  // The APIs keep their ports across restarts, so clients and the peer find them again.
  const customerPort = await freeStablePort();
  const orderPort = await freeStablePort();
  const customerServiceUrl = `http://127.0.0.1:${customerPort}`;
  const customerService = group.add({
    label: 'customer_service',
    role: 'customer_service',
    environment: async () => ({
      env: { PORT: String(customerPort), DATABASE_URL: databases.customerDatabaseUrl, INTERNAL_API_KEY: TEST_API_KEY },
      healthPort: customerPort,
    }),
  });
  const orderService = group.add({
    label: 'order_service',
    role: 'order_service',
    environment: async () => ({
      env: {
        PORT: String(orderPort),
        DATABASE_URL: databases.orderDatabaseUrl,
        CUSTOMER_SERVICE_URL: customerServiceUrl,
        INTERNAL_API_KEY: TEST_API_KEY,
        ...options.orderServiceEnv,
      },
      healthPort: orderPort,
    }),
  });
  const brokerSide = (role: BrokerRole, copy: number, copies: number) => {
    const isWorker = role === 'order_outbox_worker';
    return group.add({
      label: copies === 1 ? role : `${isWorker ? 'worker' : 'consumer'}-${copy}`,
      role,
      // A fresh ops port each start: the old one may not be free yet after a kill.
      environment: async () => {
        const metricsPort = await freePort();
        return {
          env: {
            DATABASE_URL: isWorker ? databases.orderDatabaseUrl : databases.customerDatabaseUrl,
            RABBITMQ_URL: options.rabbitUrl?.(role) ?? TEST_RABBITMQ_URL,
            RABBITMQ_TOPOLOGY_PREFIX: prefix,
            METRICS_PORT: String(metricsPort),
          },
          healthPort: metricsPort,
        };
      },
    });
  };
  const copies = (count: number, role: BrokerRole) => Array.from({ length: count }, (_, index) => brokerSide(role, index + 1, count));
  return {
    customerService,
    orderService,
    consumers: copies(options.consumers ?? 1, 'order_created_consumer'),
    workers: copies(options.workers ?? 1, 'order_outbox_worker'),
    customerServiceUrl,
    orderServiceUrl: `http://127.0.0.1:${orderPort}`,
  };
}

/** Starts them in dependency order: the consumer declares the queue before anything is published. */
export async function startPipelineProcesses(processes: PipelineProcesses): Promise<void> {
  const first = [processes.customerService, ...processes.consumers];
  const second = [processes.orderService, ...processes.workers];
  await Promise.all(first.map((member) => member.start()));
  await Promise.all(first.map((member) => member.waitUntilReady()));
  await Promise.all(second.map((member) => member.start()));
  await Promise.all(second.map((member) => member.waitUntilReady()));
}
