import { type ServiceGroup, type ServiceSpec } from '@orders/test-support';

/**
 * The same process group, except that it remembers the ops port each
 * process was last started with (the port also serves /metrics), so a test
 * can read what a worker or consumer says about its broker connection.
 */
export function withOpsPorts(group: ServiceGroup): { group: ServiceGroup; opsPortOf: (label: string) => number | undefined } {
  const ports = new Map<string, number>();
  const add = (spec: ServiceSpec) =>
    group.add({
      ...spec,
      environment: async () => {
        const environment = await spec.environment();
        ports.set(spec.label, environment.healthPort);
        return environment;
      },
    });
  return { group: { ...group, add }, opsPortOf: (label) => ports.get(label) };
}
