import type { ServiceGroup } from './service-group.js';
import type { ServiceProcess, ServiceRole } from './service-process.js';
import { addSystemProcess, START_ORDER, type SystemWiring } from './system-processes.js';

/**
 * The system's processes by label, started and stopped as a harness needs
 * them. A "variant" is a copy started with extra settings (a worker in poll
 * mode, a second worker next to the first); ensureStandard() puts one plain
 * copy of each role back, whatever ran before.
 */
export function createSystemCopies(group: ServiceGroup, wiring: SystemWiring, nodeOptions: (label: string) => readonly string[] = () => []) {
  const members = new Map<string, ServiceProcess>();
  // A variant's settings, read by its process at every start.
  const variantEnv = new Map<string, Record<string, string>>();
  const running = () => [...members.values()].filter((member) => member.isRunning());
  const isVariant = (member: ServiceProcess) => member.label !== member.role || Object.keys(variantEnv.get(member.label) ?? {}).length > 0;

  async function start(
    role: ServiceRole,
    signal?: AbortSignal,
    options: { label?: string; env?: Record<string, string> } = {},
  ): Promise<ServiceProcess> {
    const label = options.label ?? role;
    const member =
      members.get(label) ??
      addSystemProcess(group, wiring, { role, label, env: () => variantEnv.get(label) ?? {}, nodeOptions: () => nodeOptions(label) });
    members.set(label, member);
    variantEnv.set(label, options.env ?? {});
    await member.start();
    await member.waitUntilReady(30_000, signal);
    return member;
  }
  const stopEach = async (list: ServiceProcess[]) => {
    await Promise.all(list.map((member) => member.stop('SIGTERM')));
  };
  const stopRole = (role: ServiceRole) => stopEach(running().filter((member) => member.role === role));

  return {
    start,
    stop: (label: string) => stopEach(running().filter((member) => member.label === label)),
    stopRole,
    /** Stops every copy of the role, then starts one with these settings. */
    async restart(role: ServiceRole, signal?: AbortSignal, env: Record<string, string> = {}): Promise<ServiceProcess> {
      await stopRole(role);
      return start(role, signal, { env });
    },
    /** Exactly one plain copy of each of these roles (all four by default), in dependency order. */
    async ensureStandard(signal?: AbortSignal, wanted: readonly ServiceRole[] = START_ORDER.flat()): Promise<void> {
      await stopEach(running().filter(isVariant));
      for (const roles of START_ORDER) {
        const missing = roles.filter((role) => wanted.includes(role) && members.get(role)?.isRunning() !== true);
        await Promise.all(missing.map((role) => start(role, signal)));
      }
    },
    running,
    stopAll: () => stopEach(running()),
    /** Every copy ever started, running or not (for their logs). */
    all: () => [...members.values()],
  };
}

export type SystemCopies = ReturnType<typeof createSystemCopies>;
