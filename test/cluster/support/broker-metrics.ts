/** What a worker or consumer says about its broker connection on /metrics (names fixed by the broker layer). */
export interface BrokerConnectionMetrics {
  connected: number | undefined;
  failovers: number | undefined;
  /** The node labelled 1 in rabbitmq_connected_node, as host:port. */
  node: string | undefined;
}

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`));
  if (line === undefined) return undefined;
  const value = Number(line.slice(line.lastIndexOf(' ') + 1));
  return Number.isFinite(value) ? value : undefined;
}

export function readBrokerConnectionMetrics(text: string): BrokerConnectionMetrics {
  let node: string | undefined;
  for (const line of text.split('\n')) {
    const match = /^rabbitmq_connected_node\{[^}]*node="([^"]+)"[^}]*\}\s+(\S+)/.exec(line);
    if (match?.[1] !== undefined && Number(match[2]) === 1) node = match[1];
  }
  return {
    connected: sample(text, 'rabbitmq_connected'),
    failovers: sample(text, 'rabbitmq_connection_failovers_total'),
    node,
  };
}

export async function scrapeBrokerConnection(metricsPort: number): Promise<BrokerConnectionMetrics> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(2_000) });
  return readBrokerConnectionMetrics(await response.text());
}
