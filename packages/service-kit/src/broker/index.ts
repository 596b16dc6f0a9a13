// The broker layer: the only code that talks to amqplib.
export * from './broker-connection.js';
export * from './broker-node.js';
export * from './batching-consumer.js';
export * from './confirmed-publisher.js';
export * from './declare-errors.js';
export * from './failover-plan.js';
export * from './recovering-channel.js';
// Types only, so callers can name what they are handed without importing amqplib.
export type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, GetMessage, Options } from 'amqplib';
