/**
 * Node.js flags every process runs with. A smaller young generation (4 MB
 * semi-spaces instead of 16) costs a few more quick scavenges and keeps each
 * process's resident memory some 25 MB lower under load. The Dockerfile sets
 * the same through NODE_OPTIONS.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** The five processes of the system, as `npm start` runs them (paths from the repository root). */
export interface ProcessSpec {
  name: string;
  entry: string;
  color: number;
}

export const SYSTEM_PROCESSES: readonly ProcessSpec[] = [
  { name: 'customer_service', entry: 'services/customer-service/dist/main.js', color: 36 },
  { name: 'order_created_consumer', entry: 'services/customer-service/dist/order-created-consumer.js', color: 35 },
  { name: 'order_service', entry: 'services/order-service/dist/main.js', color: 32 },
  { name: 'order_outbox_worker', entry: 'services/order-service/dist/outbox-worker.js', color: 33 },
  { name: 'ops_console', entry: 'services/ops-console/dist/main.js', color: 34 },
];
