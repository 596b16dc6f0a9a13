import autocannon from 'autocannon';

function summary(result: autocannon.Result) {
  const { p50, p90, p99, max } = result.latency;
  const counts = Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0] as const);
  return {
    seconds: result.duration,
    // Orders created (2xx) per second.
    rate: result['2xx'] / result.duration,
    created: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes: Object.fromEntries(counts) as Record<string, number>,
    latencyMs: { p50, p90, p99, max },
  };
}
export type HttpLoadResult = ReturnType<typeof summary>;

/**
 * Closed-loop intake: `connections` keep-alive connections, each sending the
 * next POST /api/v1/orders as soon as the previous answer arrives, for
 * `seconds`. The bodies are sent in turn, so orders spread over customers.
 */
export function placeOrdersAsFastAsPossible(options: {
  baseUrl: string;
  connections: number;
  seconds: number;
  bodies: string[];
  signal: AbortSignal;
  onTick: (responses: number) => void;
}): Promise<HttpLoadResult> {
  const { signal } = options;
  signal.throwIfAborted();
  return new Promise<HttpLoadResult>((resolve, reject) => {
    let responses = 0;
    const ticker = setInterval(() => options.onTick(responses), 250);
    const requests = options.bodies.map((body) => ({ method: 'POST' as const, path: '/api/v1/orders', body }));
    const target = {
      url: `${options.baseUrl}/api/v1/orders`,
      connections: options.connections,
      duration: options.seconds,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      requests,
    };
    const instance = autocannon(target, (error: unknown, result: autocannon.Result) => {
      clearInterval(ticker);
      signal.removeEventListener('abort', stop);
      if (signal.aborted) reject(signal.reason as Error);
      else if (error === null || error === undefined) resolve(summary(result));
      else reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
    });
    const stop = () => instance.stop();
    instance.on('response', () => (responses += 1));
    signal.addEventListener('abort', stop, { once: true });
  });
}
