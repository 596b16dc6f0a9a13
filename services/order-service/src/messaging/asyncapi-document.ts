import {
  DEAD_LETTER_REASON_HEADER,
  ORDER_CREATED_DEAD_LETTER_QUEUE,
  ORDER_CREATED_EVENT_TYPE,
  ORDER_CREATED_QUEUE,
  ORDER_CREATED_ROUTING_KEY,
  ORDERS_EXCHANGE,
  OrderCreatedV1Schema,
} from '@orders/contracts';

const AMQP_BINDING_VERSION = '0.3.0';
const TRACEPARENT_PATTERN = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

const exchange = { name: ORDERS_EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost: '/' };
const queue = (name: string) => ({ name, durable: true, exclusive: false, autoDelete: false, vhost: '/' });
const orderCreatedRef = { $ref: '#/components/messages/orderCreated' };

const channels = {
  orderCreated: {
    address: ORDER_CREATED_ROUTING_KEY,
    title: `${ORDERS_EXCHANGE} / ${ORDER_CREATED_ROUTING_KEY}`,
    description: `Routing key ${ORDER_CREATED_ROUTING_KEY} on the durable topic exchange ${ORDERS_EXCHANGE}.`,
    messages: { orderCreated: orderCreatedRef },
    bindings: { amqp: { is: 'routingKey', exchange, bindingVersion: AMQP_BINDING_VERSION } },
  },
  orderCreatedQueue: {
    address: ORDER_CREATED_QUEUE,
    description: `Durable quorum queue bound to ${ORDERS_EXCHANGE} with ${ORDER_CREATED_ROUTING_KEY}.`,
    messages: { orderCreated: orderCreatedRef },
    bindings: { amqp: { is: 'queue', queue: queue(ORDER_CREATED_QUEUE), bindingVersion: AMQP_BINDING_VERSION } },
  },
  orderCreatedDeadLetters: {
    address: ORDER_CREATED_DEAD_LETTER_QUEUE,
    description:
      `Messages that cannot be applied (not JSON, wrong shape, unknown customer, or still failing after bounded retries), ` +
      `with the reason in the ${DEAD_LETTER_REASON_HEADER} header. npm run dlq lists, replays or purges them.`,
    messages: { deadLetteredOrderCreated: { $ref: '#/components/messages/deadLetteredOrderCreated' } },
    bindings: { amqp: { is: 'queue', queue: queue(ORDER_CREATED_DEAD_LETTER_QUEUE), bindingVersion: AMQP_BINDING_VERSION } },
  },
};

const operations = {
  publishOrderCreated: {
    action: 'send',
    title: 'Publish order.created',
    summary: 'The outbox worker publishes each stored order once the broker confirms it (publisher confirms, mandatory).',
    channel: { $ref: '#/channels/orderCreated' },
    messages: [{ $ref: '#/channels/orderCreated/messages/orderCreated' }],
    bindings: { amqp: { deliveryMode: 2, mandatory: true, timestamp: true, bindingVersion: AMQP_BINDING_VERSION } },
  },
  consumeOrderCreated: {
    action: 'receive',
    title: 'Apply order.created',
    summary: "Raises the customer's orders_count once per event_id; acked only after the database commit.",
    channel: { $ref: '#/channels/orderCreatedQueue' },
    messages: [{ $ref: '#/channels/orderCreatedQueue/messages/orderCreated' }],
    bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
  },
};

const components = {
  messages: {
    orderCreated: {
      name: ORDER_CREATED_EVENT_TYPE,
      title: 'An order was placed (v1)',
      summary: 'Persistent, content_type application/json, message_id = event_id, type order.created, timestamp set.',
      contentType: 'application/json',
      headers: { $ref: '#/components/schemas/orderCreatedHeaders' },
      payload: { $ref: '#/components/schemas/orderCreatedV1' },
      correlationId: { description: 'The AMQP message_id equals the payload event_id', location: '$message.payload#/event_id' },
      bindings: { amqp: { contentEncoding: 'utf-8', messageType: ORDER_CREATED_EVENT_TYPE, bindingVersion: AMQP_BINDING_VERSION } },
    },
    deadLetteredOrderCreated: {
      name: `${ORDER_CREATED_EVENT_TYPE}.dead-lettered`,
      title: 'An order.created message that could not be applied',
      summary: `The original body and properties, plus ${DEAD_LETTER_REASON_HEADER}; the body may be anything that was sent.`,
      contentType: 'application/json',
      headers: {
        type: 'object',
        required: [DEAD_LETTER_REASON_HEADER],
        properties: {
          [DEAD_LETTER_REASON_HEADER]: { type: 'string', description: 'Why the consumer gave up, e.g. invalid_json or unknown_customer' },
          traceparent: { type: 'string', pattern: TRACEPARENT_PATTERN },
        },
      },
      payload: {},
    },
  },
  schemas: {
    orderCreatedV1: JSON.parse(JSON.stringify(OrderCreatedV1Schema)) as unknown,
    orderCreatedHeaders: {
      type: 'object',
      properties: {
        traceparent: {
          type: 'string',
          pattern: TRACEPARENT_PATTERN,
          description: 'W3C trace context, present when the order was created inside a traced request',
        },
      },
    },
  },
};

/**
 * The messaging contract as an AsyncAPI 3 document, served at GET /asyncapi.json.
 * The payload is the contract package's OrderCreatedV1Schema itself, the
 * schema the consumer validates every message with, so the document cannot
 * drift from what is enforced. A JSON round trip keeps plain JSON Schema only.
 */
export function orderMessagingDocument(version: string): Record<string, unknown> {
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Orders messaging',
      version,
      description:
        `order_service's outbox worker publishes one ${ORDER_CREATED_EVENT_TYPE} event per stored order to the topic exchange ` +
        `${ORDERS_EXCHANGE}; customer_service consumes it from a quorum queue and applies each event_id at most once. ` +
        'Anyone may publish a well-formed event; the consumer treats it like one from the outbox.',
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components,
  };
}
