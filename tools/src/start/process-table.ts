/** The four processes of the system, as `npm start` runs them (paths from the repository root). */
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
];
