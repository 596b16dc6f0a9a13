import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleType,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { LRUCache } from 'lru-cache';
import { Pool } from 'undici';
import type { Logger } from '@orders/service-kit';
import type { OrderServiceConfig } from '../config.js';
import { readAnswer, unavailableOutcome, type CustomerCheck } from './customer-check-outcome.js';

export type { CustomerCheck } from './customer-check-outcome.js';

export interface CustomerDirectory {
  check(customerId: number): Promise<CustomerCheck>;
  close(): Promise<void>;
}

export type CustomerDirectoryOptions = OrderServiceConfig['customerService'];

/** A failure worth retrying: refused, reset, 5xx, 429. */
class TransientFailure extends Error {
  override name = 'TransientFailure';
}

/** Customer Service answered, but not in a way that means yes or no (for example a wrong API key). */
class UnusableAnswer extends Error {
  override name = 'UnusableAnswer';
}

/**
 * Each attempt bounded by a timeout, transient failures retried with jittered
 * backoff, and a breaker outside the retries, so a Customer Service that is
 * down costs one fast "unavailable" per order instead of a timeout each.
 */
function checkPolicy(options: CustomerDirectoryOptions, logger: Logger) {
  const breaker = circuitBreaker(handleType(TransientFailure).orType(TaskCancelledError), {
    halfOpenAfter: options.breakerCooldownMs,
    breaker: new ConsecutiveBreaker(options.breakerThreshold),
  });
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = Date.now();
    logger.warn({ cooldownMs: options.breakerCooldownMs }, 'customer service circuit opened');
  });
  breaker.onReset(() => logger.info('customer service circuit closed'));
  const policy = wrap(
    retry(handleType(TransientFailure).orType(TaskCancelledError), {
      maxAttempts: options.retries,
      backoff: new ExponentialBackoff({ initialDelay: 20, maxDelay: 200 }),
    }),
    breaker,
    timeout(options.timeoutMs, TimeoutStrategy.Aggressive),
  );
  return { policy, openedAt: () => openedAt };
}

/**
 * Asks Customer Service whether a customer exists: `GET /customers/{id}` over a
 * pooled keep-alive connection, each attempt bounded by a timeout, transient
 * failures retried with jittered backoff, and a circuit breaker that answers
 * "unavailable" at once while Customer Service is down instead of making every
 * order wait for timeouts. Customers are never deleted, so a yes is cached.
 */
export function createCustomerDirectory(options: CustomerDirectoryOptions, logger: Logger): CustomerDirectory {
  const origin = new URL(options.url);
  const basePath = origin.pathname.replace(/\/$/, '');
  const pool = new Pool(origin.origin, {
    connections: 64,
    keepAliveTimeout: 30_000,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const known = new LRUCache<number, true>({ max: 100_000, ttl: Math.max(options.cacheTtlMs, 1) });
  const inFlight = new Map<number, Promise<CustomerCheck>>();

  const { policy, openedAt } = checkPolicy(options, logger);

  async function ask(customerId: number, signal: AbortSignal): Promise<'found' | 'not_found'> {
    let response;
    try {
      response = await pool.request({
        method: 'GET',
        path: `${basePath}/customers/${customerId}`,
        headers: { 'x-internal-api-key': options.internalApiKey, accept: 'application/json' },
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new TransientFailure((error as Error).message);
    }
    // The body must be read for the connection to go back to the pool.
    await response.body.dump();
    const reading = readAnswer(response.statusCode);
    if (reading === 'transient') throw new TransientFailure(`customer service answered ${response.statusCode}`);
    if (reading === 'unusable') throw new UnusableAnswer(`customer service answered ${response.statusCode}`);
    return reading;
  }

  async function lookUp(customerId: number): Promise<CustomerCheck> {
    try {
      const answer = await policy.execute(({ signal }) => ask(customerId, signal));
      if (answer === 'found' && options.cacheTtlMs > 0) known.set(customerId, true);
      return { status: answer };
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        return unavailableOutcome({ kind: 'circuit-open', openedAt: openedAt(), cooldownMs: options.breakerCooldownMs }, Date.now());
      }
      if (error instanceof UnusableAnswer) {
        logger.error({ err: error }, 'customer service refused the check; is INTERNAL_API_KEY the same on both services?');
      } else {
        logger.warn({ err: error, customerId }, 'customer service did not answer');
      }
      return unavailableOutcome(error instanceof TaskCancelledError ? { kind: 'timeout' } : { kind: 'failed', message: (error as Error).message }, Date.now());
    }
  }

  return {
    async check(customerId) {
      if (known.has(customerId)) return { status: 'found' };
      // Concurrent orders for one customer share a single lookup.
      let pending = inFlight.get(customerId);
      if (pending === undefined) {
        pending = lookUp(customerId).finally(() => inFlight.delete(customerId));
        inFlight.set(customerId, pending);
      }
      return pending;
    },
    async close() {
      await pool.close();
    },
  };
}
