import { Counter, Gauge, type Registry } from '@orders/service-kit';
import { errorBody } from '@orders/service-kit/http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Admission control for order intake: at most `maxInFlight` orders are
 * handled at once; one more is answered 503 `overloaded` with Retry-After at
 * once, before its body is even parsed. Past the machine's limit a queue
 * only adds latency to every answer (and memory), so the excess is refused
 * while it is still cheap to refuse, and what is admitted is answered at the
 * latency of a bounded amount of work. With the in-flight count bounded,
 * every queue behind it (the group commit, the database pool) is bounded too.
 */
export function createAdmissionControl(options: { maxInFlight: number; retryAfterSeconds: number; metrics: Registry }) {
  let inFlight = 0;
  const shed = new Counter({
    name: 'order_intake_shed_total',
    help: 'POST /api/v1/orders answered 503 overloaded because the intake was full',
    registers: [options.metrics],
  });
  new Gauge({
    name: 'order_intake_in_flight',
    help: 'POST /api/v1/orders being handled now',
    registers: [options.metrics],
    collect() {
      this.set(inFlight);
    },
  });

  return {
    /** An onRequest hook for the route it guards. */
    admit: async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (inFlight >= options.maxInFlight) {
        shed.inc();
        await reply
          .code(503)
          .header('retry-after', String(options.retryAfterSeconds))
          .send(errorBody('overloaded', 'too many orders are being placed right now; nothing was stored, retry after the Retry-After seconds'));
        return;
      }
      inFlight += 1;
      // 'close' comes once per response, sent or abandoned by the client.
      reply.raw.once('close', () => {
        inFlight -= 1;
      });
    },
  };
}

export type AdmissionControl = ReturnType<typeof createAdmissionControl>;
