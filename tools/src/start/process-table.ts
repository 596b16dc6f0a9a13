/**
 * Node.js flags every process runs with, measured under the bench's load
 * (issue 11, RSS ≤ 150 MB):
 * - --max-semi-space-size=4: a smaller young generation (4 MB semi-spaces
 *   instead of 16) costs a few more quick scavenges and keeps each process's
 *   resident memory some 25 MB lower under load.
 * - --heap-growing-percent=50: after a full GC V8 lets the old generation
 *   grow to 1.5 times what survived, not up to 4 times. The live heap is
 *   about 35 MB; what the many quick scavenges promote is garbage, so under
 *   load the old space grew to 120-140 MB before the next full GC
 *   (order_service peaked at 150-210 MB, the outbox worker at 139 MB). Now a
 *   full GC, mostly concurrent, comes every few seconds under load and the
 *   peaks are about 120 MB and 95 MB. order_service's CPU time per order is
 *   the same; the worker spends about 15 % more CPU draining a backlog.
 * - --liftoff-only: undici (order_service's client for Customer Service)
 *   parses HTTP with WebAssembly; V8's optimizing tier-up of that module took
 *   about 35 MB of native memory for a moment, at the first requests. The
 *   baseline compiler is enough: with customers cached, it parses a few
 *   answers a second; the server side uses Node's own native parser.
 * The last two are not allowed in NODE_OPTIONS, so the Dockerfile passes the
 * same list on the command line (its ENTRYPOINT), as do the start:* scripts.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=50', '--liftoff-only'];

/** The five processes of the system, as `npm start` runs them (paths from the repository root). */
export interface ProcessSpec {
  name: string;
  entry: string;
  color: number;
}

export const SYSTEM_PROCESSES: readonly ProcessSpec[] = [
  { name: 'customer_service', entry: 'services/customer-service/dist/main.js', color: 36 },
  { name: 'order_created_consumer', entry: 'services/customer-service/dist/order-created-consumer.js', color: 35 },
  { name: 'order_service', entry: 'services/order-service/dist/main.js', color: 32 },
  { name: 'order_outbox_worker', entry: 'services/order-service/dist/outbox-worker.js', color: 33 },
  { name: 'ops_console', entry: 'services/ops-console/dist/main.js', color: 34 },
];
