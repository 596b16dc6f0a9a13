export * from './messaging-topology.js';
export * from './order-status.js';
export * from './order-created-event.js';
export * from './order-created-payload.js';
export * from './outbox-wakeup-channel.js';
