import { Counter, Gauge, Histogram, type Registry } from '@orders/service-kit';

/** How the group commit batches: orders per statement, and batches written again one by one after a refusal. */
export function observeOrderWrites(metrics: Registry) {
  const batchSize = new Histogram({
    name: 'order_write_batch_size',
    help: 'Orders stored by one group-commit statement',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [metrics],
  });
  const retried = new Counter({
    name: 'order_write_batches_retried_total',
    help: 'Batches the database refused, whose orders were then written one by one',
    registers: [metrics],
  });
  let queued: () => number = () => 0;
  new Gauge({
    name: 'order_writes_queued',
    help: 'Orders waiting for the group-commit statement in flight to finish',
    registers: [metrics],
    collect() {
      this.set(queued());
    },
  });
  return {
    watchQueue(length: () => number): void {
      queued = length;
    },
    batch: (size: number) => {
      batchSize.observe(size);
    },
    retriedOneByOne: () => {
      retried.inc();
    },
  };
}
