export { deleteTopology } from './broker-topology.js';
export { databasesNamed, databaseUrlOn, dropDatabases, openPool, processIsAlive, withAdminClient } from './database-admin.js';
export { consistently, eventually, HopelessWait, pause, type EventuallyOptions } from './eventually.js';
export { freePort, freeStablePort } from './free-ports.js';
export { createServiceGroup, makeLogDirectory, type LaunchTable, type ServiceGroup, type ServiceGroupOptions } from './service-group.js';
export { type ProcessExit, type ServiceProcess, type ServiceRole, type ServiceSpec } from './service-process.js';
export {
  addPipelineProcesses,
  addSystemProcess,
  customerServiceUrl,
  orderServiceUrl,
  START_ORDER,
  startInOrder,
  startPipelineProcesses,
  wireSystem,
  type BrokerRole,
  type PipelineProcesses,
  type SystemWiring,
} from './system-processes.js';
export { histogramMean, scrapeMetrics } from './metrics-scrape.js';
export { processesWithArgument, readCpuSeconds, readMemory } from './process-readings.js';
export { createSystemCopies, type SystemCopies } from './system-copies.js';
export { startOrderLoad, type LoadSummary, type OrderAttempt, type OrderLoad, type OrderLoadOptions, type OrderOutcome } from './order-load.js';
