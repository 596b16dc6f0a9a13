import { ORDERS_EXCHANGE, type MessagingTopology } from '@orders/contracts';
import { freePort, freeStablePort } from './free-ports.js';
import type { ServiceGroup } from './service-group.js';
import type { ServiceProcess, ServiceRole } from './service-process.js';

export type BrokerRole = 'order_outbox_worker' | 'order_created_consumer';

/** Where one harness's copy of the system lives: its databases, broker, topology, key and API ports. */
export interface SystemWiring {
  orderDatabaseUrl: string;
  customerDatabaseUrl: string;
  /** Where a worker or consumer finds RabbitMQ (a fault proxy, say). */
  rabbitUrl: (role: BrokerRole) => string;
  topology: MessagingTopology;
  internalApiKey: string;
  /** The APIs keep their ports across restarts, so clients and the peer find them again. */
  customerServicePort: number;
  orderServicePort: number;
  /** Variables every process gets beneath the wiring's own (the bench passes a developer's tuning on). */
  inherited?: Record<string, string | undefined>;
}

export async function wireSystem(wiring: Omit<SystemWiring, 'customerServicePort' | 'orderServicePort'>): Promise<SystemWiring> {
  return { ...wiring, customerServicePort: await freeStablePort(), orderServicePort: await freeStablePort() };
}

export const customerServiceUrl = (wiring: SystemWiring) => `http://127.0.0.1:${wiring.customerServicePort}`;
export const orderServiceUrl = (wiring: SystemWiring) => `http://127.0.0.1:${wiring.orderServicePort}`;

async function environmentOf(wiring: SystemWiring, role: ServiceRole): Promise<{ env: Record<string, string | undefined>; healthPort: number }> {
  const common = { ...wiring.inherited, INTERNAL_API_KEY: wiring.internalApiKey, LOG_PRETTY: 'false' };
  if (role === 'customer_service') {
    const port = String(wiring.customerServicePort);
    return { env: { ...common, PORT: port, DATABASE_URL: wiring.customerDatabaseUrl }, healthPort: wiring.customerServicePort };
  }
  if (role === 'order_service') {
    const env = {
      ...common,
      PORT: String(wiring.orderServicePort),
      DATABASE_URL: wiring.orderDatabaseUrl,
      CUSTOMER_SERVICE_URL: customerServiceUrl(wiring),
    };
    return { env, healthPort: wiring.orderServicePort };
  }
  // A fresh ops port each start: the old one may not be free yet after a kill.
  const metricsPort = await freePort();
  return {
    env: {
      ...common,
      DATABASE_URL: role === 'order_outbox_worker' ? wiring.orderDatabaseUrl : wiring.customerDatabaseUrl,
      RABBITMQ_URL: wiring.rabbitUrl(role),
      RABBITMQ_TOPOLOGY_PREFIX: wiring.topology.exchange.slice(0, -ORDERS_EXCHANGE.length),
      METRICS_PORT: String(metricsPort),
    },
    healthPort: metricsPort,
  };
}

/**
 * One of the system's processes in a group, wired to the harness's copy of
 * the system. `env` (read at every start) adds settings of a variant, e.g.
 * the worker in poll mode; nothing is started yet.
 */
export function addSystemProcess(
  group: ServiceGroup,
  wiring: SystemWiring,
  options: { role: ServiceRole; label?: string; env?: () => Record<string, string>; nodeOptions?: () => readonly string[] },
): ServiceProcess {
  return group.add({
    label: options.label ?? options.role,
    role: options.role,
    environment: async () => {
      const { env, healthPort } = await environmentOf(wiring, options.role);
      return { env: { ...env, ...options.env?.() }, healthPort, nodeOptions: options.nodeOptions?.() };
    },
  });
}

export interface PipelineProcesses {
  customerService: ServiceProcess;
  orderService: ServiceProcess;
  workers: ServiceProcess[];
  consumers: ServiceProcess[];
  customerServiceUrl: string;
  orderServiceUrl: string;
}

/**
 * Adds the system's processes to a group: one customer_service, one
 * order_service, and as many workers and consumers as asked (labelled by
 * role when there is one, worker-1, consumer-2… when there are several).
 */
export function addPipelineProcesses(
  group: ServiceGroup,
  wiring: SystemWiring,
  options: { workers?: number; consumers?: number; orderServiceEnv?: Record<string, string> } = {},
): PipelineProcesses {
  const copies = (count: number, role: BrokerRole, short: string) =>
    Array.from({ length: count }, (_, index) => addSystemProcess(group, wiring, { role, label: count === 1 ? role : `${short}-${index + 1}` }));
  return {
    customerService: addSystemProcess(group, wiring, { role: 'customer_service' }),
    orderService: addSystemProcess(group, wiring, { role: 'order_service', env: () => ({ ...options.orderServiceEnv }) }),
    consumers: copies(options.consumers ?? 1, 'order_created_consumer', 'consumer'),
    workers: copies(options.workers ?? 1, 'order_outbox_worker', 'worker'),
    customerServiceUrl: customerServiceUrl(wiring),
    orderServiceUrl: orderServiceUrl(wiring),
  };
}

/** The order to start in: the consumer declares the queue before anything is published, customer_service answers order_service. */
export const START_ORDER: readonly (readonly ServiceRole[])[] = [
  ['customer_service', 'order_created_consumer'],
  ['order_service', 'order_outbox_worker'],
];

/** Starts them in dependency order and waits until each answers ready. */
export async function startInOrder(members: readonly ServiceProcess[], signal?: AbortSignal): Promise<void> {
  for (const roles of START_ORDER) {
    const wave = members.filter((member) => roles.includes(member.role));
    await Promise.all(wave.map((member) => member.start()));
    await Promise.all(wave.map((member) => member.waitUntilReady(30_000, signal)));
  }
}

export async function startPipelineProcesses(processes: PipelineProcesses): Promise<void> {
  await startInOrder([processes.customerService, ...processes.consumers, processes.orderService, ...processes.workers]);
}
