import autocannon from 'autocannon';

export interface HttpLoadResult {
  seconds: number;
  /** Orders created (2xx) per second. */
  rate: number;
  created: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

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
  onTick?: (responses: number) => void;
}): Promise<HttpLoadResult> {
  options.signal.throwIfAborted();
  return new Promise<HttpLoadResult>((resolve, reject) => {
    let responses = 0;
    const stop = () => {
      instance.stop();
    };
    const ticker = setInterval(() => options.onTick?.(responses), 250);
    const instance = autocannon(
      {
        url: `${options.baseUrl}/api/v1/orders`,
        connections: options.connections,
        duration: options.seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: options.bodies.map((body) => ({ method: 'POST', path: '/api/v1/orders', body })),
      },
      (error: unknown, result: autocannon.Result) => {
        clearInterval(ticker);
        options.signal.removeEventListener('abort', stop);
        if (options.signal.aborted) {
          reject(options.signal.reason as Error);
          return;
        }
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
          return;
        }
        const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]));
        resolve({
          seconds: result.duration,
          rate: result['2xx'] / result.duration,
          created: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          statusCodes,
          latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
        });
      },
    );
    instance.on('response', () => {
      responses += 1;
    });
    options.signal.addEventListener('abort', stop, { once: true });
  });
}
