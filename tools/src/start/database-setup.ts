import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { environmentFor } from './process-environment.js';

/** db:setup's two steps, each with the environment of the service whose database it prepares. */
const SETUP_STEPS = [
  { name: 'order_service', entry: 'services/order-service/dist/db/setup.js' },
  { name: 'customer_service', entry: 'services/customer-service/dist/db/setup.js' },
] as const;

export interface DatabaseSetupOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  write: (line: string) => void;
}

/**
 * `npm run db:setup` run by `npm start` itself rather than by npm's shell, so
 * its lines are prefixed and pretty like every other process's, and a stop
 * signal during setup reaches it (cancel() ends the running step).
 */
export function runDatabaseSetup(options: DatabaseSetupOptions): { done: Promise<boolean>; cancel(): void } {
  let current: ChildProcess | undefined;
  const state = { cancelled: false };
  const runStep = (step: (typeof SETUP_STEPS)[number]) =>
    new Promise<boolean>((resolve) => {
      const child = spawn(process.execPath, [step.entry], { cwd: options.cwd, env: environmentFor(step.name, options.env), stdio: ['ignore', 'pipe', 'pipe'] });
      current = child;
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => options.write(`db:setup | ${line}`));
      }
      child.once('error', () => resolve(false));
      child.once('exit', (code) => resolve(code === 0));
    });
  const done = (async () => {
    for (const step of SETUP_STEPS) {
      if (state.cancelled || !(await runStep(step))) return false;
    }
    return !state.cancelled;
  })();
  return {
    done,
    cancel() {
      state.cancelled = true;
      current?.kill('SIGTERM');
    },
  };
}
