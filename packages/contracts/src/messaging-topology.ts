/**
 * Names fixed by the public contract. Both sides import them from here so a
 * rename can never leave the publisher and the consumer disagreeing.
 */
export const ORDERS_EXCHANGE = 'orders.v1';
export const ORDER_CREATED_ROUTING_KEY = 'order.created';
export const ORDER_CREATED_EVENT_TYPE = 'order.created';
export const ORDER_CREATED_QUEUE = 'customer_service.order.created';
export const ORDER_CREATED_DEAD_LETTER_QUEUE = 'customer_service.order.created.dlq';
export const ORDER_CREATED_DEAD_LETTER_EXCHANGE = 'customer_service.order.created.dlx';

/** Header the consumer sets on a dead-lettered copy to say why it gave up. */
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';

/** The exchange, queue and dead-letter names one deployment uses. */
export interface MessagingTopology {
  exchange: string;
  routingKey: string;
  queue: string;
  deadLetterExchange: string;
  deadLetterQueue: string;
}

/**
 * The contract's topology, or an isolated copy of it under a prefix: tests and
 * benchmarks use a prefix so they never touch a running development pipeline.
 */
export function messagingTopology(prefix = ''): MessagingTopology {
  return {
    exchange: prefix + ORDERS_EXCHANGE,
    routingKey: ORDER_CREATED_ROUTING_KEY,
    queue: prefix + ORDER_CREATED_QUEUE,
    deadLetterExchange: prefix + ORDER_CREATED_DEAD_LETTER_EXCHANGE,
    deadLetterQueue: prefix + ORDER_CREATED_DEAD_LETTER_QUEUE,
  };
}
