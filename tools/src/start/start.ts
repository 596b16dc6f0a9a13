import { fileURLToPath } from 'node:url';
import { SYSTEM_PROCESSES } from './process-table.js';
import { createSupervisor } from './supervisor.js';

// npm start (after db:setup): the whole system in the foreground. Ctrl-C stops it all gracefully.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const color = process.stdout.isTTY;
const supervisor = createSupervisor(SYSTEM_PROCESSES, {
  cwd: root,
  // Children write to a pipe, not a terminal: ask them for readable lines anyway.
  env: { ...process.env, LOG_PRETTY: process.env.LOG_PRETTY ?? 'true', ...(color ? { FORCE_COLOR: '1' } : {}) },
  color,
  stopTimeoutMs: 20_000,
  write: (line) => process.stdout.write(`${line}\n`),
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      process.stdout.write('second signal: exiting now\n');
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: stopping every process gracefully…\n`);
    void supervisor.stop('SIGTERM').then(() => {
      process.stdout.write('all processes stopped\n');
      process.exit(0);
    });
  });
}

supervisor.start();
process.stdout.write(
  'running: order_service http://127.0.0.1:3001 · customer_service http://127.0.0.1:3002 · ' +
    'order_outbox_worker ops :3011 · order_created_consumer ops :3012 (Ctrl-C stops all)\n',
);
