import { fileURLToPath } from 'node:url';
import { runDatabaseSetup } from './database-setup.js';
import { SYSTEM_PROCESSES } from './process-table.js';
import { createSupervisor } from './supervisor.js';

// npm start: db:setup, then the whole system in the foreground. The package.json
// script execs this file, so SIGINT/SIGTERM sent to the npm process (a process
// manager's stop) reaches it through npm, and Ctrl-C reaches it from the terminal.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const color = process.stdout.isTTY;
const write = (line: string) => process.stdout.write(`${line}\n`);
// Children write to a pipe, not a terminal: ask them for readable lines anyway.
const env = { ...process.env, LOG_PRETTY: process.env.LOG_PRETTY ?? 'true', ...(color ? { FORCE_COLOR: '1' } : {}) };
const supervisor = createSupervisor(SYSTEM_PROCESSES, { cwd: root, env, color, stopTimeoutMs: 20_000, write });
const setup = runDatabaseSetup({ cwd: root, env, write });

const state = { stopping: false };
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (state.stopping) {
      write('second signal: exiting now');
      process.exit(1);
    }
    state.stopping = true;
    write(`${signal}: stopping every process gracefully…`);
    setup.cancel();
    void supervisor.stop('SIGTERM').then(() => {
      write('all processes stopped');
      process.exit(0);
    });
  });
}

if (!(await setup.done)) {
  if (!state.stopping) {
    write('db:setup failed (see above); nothing was started');
    process.exit(1);
  }
} else if (!state.stopping) {
  supervisor.start();
  write(
    `running: ${SYSTEM_PROCESSES.map((spec) => spec.name).join(', ')} ` +
      '(APIs on http://127.0.0.1:3001 and :3002 unless configured otherwise; Ctrl-C stops all)',
  );
}
