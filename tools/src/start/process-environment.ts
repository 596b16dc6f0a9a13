/**
 * The environment one process of `npm start` gets: the shell's, plus the
 * variables written for that process alone as `<PROCESS_NAME>__<VARIABLE>`
 * (ORDER_SERVICE__PORT=4001, CUSTOMER_SERVICE__DATABASE_URL=…). The processes
 * share variable names (PORT, DATABASE_URL, METRICS_PORT), so without this a
 * second copy of the system on one machine, such as the test of npm start
 * itself, could not be given its own ports and databases.
 */
export function environmentFor(processName: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const prefix = `${processName.toUpperCase()}__`;
  const own = Object.entries(env).filter(([name]) => name.startsWith(prefix));
  return { ...env, ...Object.fromEntries(own.map(([name, value]) => [name.slice(prefix.length), value])) };
}
