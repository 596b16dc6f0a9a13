import { BrokerUnavailableError, QueueNotDeclaredError, type DeadLetterActionResult, type OperationsBroker } from '@orders/operations';
import { unreachable, type FailureOf } from '@orders/service-kit';
import { errorBody, type ErrorBody } from '@orders/service-kit/http';
import type { ConsoleBroker } from '../broker/console-broker.js';

export interface Refusal<S extends number = 404 | 503> {
  status: S;
  body: ErrorBody;
}

const BROKER_DOWN = 'RabbitMQ is not reachable, so nothing was replayed or removed; start it (or wait for it to come back) and try again';

const brokerUnavailable = (): Refusal<503> => ({ status: 503, body: errorBody('broker_unavailable', BROKER_DOWN) });

/** The connected broker, or the 503 to answer when there is none. */
export function connectedBroker(broker: ConsoleBroker): OperationsBroker | Refusal<503> {
  const current = broker.current();
  return current?.isConnected() === true ? current : brokerUnavailable();
}

export function isRefusal(value: object): value is Refusal<503> {
  return 'status' in value && 'body' in value;
}

/** A broker that went away between the check and the action is the same 503, not a 500. */
export async function unlessBrokerLost<T>(action: () => Promise<T>): Promise<T | Refusal<503>> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof BrokerUnavailableError) return brokerUnavailable();
    if (error instanceof QueueNotDeclaredError) return { status: 503, body: errorBody('queue_not_declared', `${error.message}; nothing was done`) };
    throw error;
  }
}

/** A dead-letter action's failure as an HTTP answer; every error code is answered here. */
export function refusalOf(result: FailureOf<DeadLetterActionResult>, verb: string): Refusal {
  switch (result.error) {
    case 'not_found':
      return {
        status: 404,
        body: errorBody('not_found', `not in the dead-letter queue: ${result.missingEventIds.join(', ')}; nothing was ${verb}`),
      };
    case 'not_confirmed':
      return {
        status: 503,
        body: errorBody(
          'broker_unavailable',
          `RabbitMQ did not confirm ${result.unconfirmed} of them, so they are still in the dead-letter queue (${result.count} ${verb}); try again`,
        ),
      };
    default:
      return unreachable(result);
  }
}
