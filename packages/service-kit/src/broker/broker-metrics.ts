import { Counter, Gauge, type Registry } from '../observability/metrics.js';

/** What a connection's state looks like from outside, read when /metrics is scraped. */
export interface BrokerConnectionState {
  nodes: readonly string[];
  currentNode(): string | undefined;
  isBlocked(): boolean;
}

export interface BrokerMetrics {
  /** A connection was established on another node than the previous one. */
  failedOver(): void;
}

/**
 * rabbitmq_connected, rabbitmq_connection_blocked,
 * rabbitmq_connection_failovers_total and rabbitmq_connected_node{node}: the
 * names every process with a broker connection exposes. The node gauge has a
 * series for every node in the list (0 for the others), so a dashboard sees a
 * move from one node to another as a change, not as a series appearing.
 */
export function observeBrokerConnection(registry: Registry | undefined, state: BrokerConnectionState): BrokerMetrics {
  if (registry === undefined) return { failedOver: () => undefined };
  new Gauge({
    name: 'rabbitmq_connected',
    help: '1 while the connection to RabbitMQ is up, 0 while reconnecting',
    registers: [registry],
    collect() {
      this.set(state.currentNode() === undefined ? 0 : 1);
    },
  });
  new Gauge({
    name: 'rabbitmq_connection_blocked',
    help: '1 while the broker blocks publishing on this connection (memory or disk alarm)',
    registers: [registry],
    collect() {
      this.set(state.isBlocked() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'rabbitmq_connected_node',
    help: '1 for the RabbitMQ node (host:port) this process is connected to now, 0 for the other nodes it knows',
    labelNames: ['node'] as const,
    registers: [registry],
    collect() {
      const current = state.currentNode();
      for (const node of state.nodes) this.set({ node }, node === current ? 1 : 0);
    },
  });
  const failovers = new Counter({
    name: 'rabbitmq_connection_failovers_total',
    help: 'Connections re-established on a different RabbitMQ node than the one before',
    registers: [registry],
  });
  return { failedOver: () => failovers.inc() };
}
