/**
 * How a node is named in logs and in the rabbitmq_connected_node label:
 * host:port, never the credentials in the URL.
 */
export function describeNode(url: string): string {
  const parsed = new URL(url);
  const defaultPort = parsed.protocol === 'amqps:' ? '5671' : '5672';
  return `${parsed.hostname}:${parsed.port || defaultPort}`;
}

/**
 * The URL with a short heartbeat unless the operator chose one: a link that
 * dies silently (a blackholed network, a frozen node) is noticed within
 * seconds, which is what lets failover start at all.
 */
export function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}
