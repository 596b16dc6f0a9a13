export { deleteTopology } from './broker-topology.js';
export { databasesNamed, databaseUrlOn, dropDatabases, processIsAlive, withAdminClient } from './database-admin.js';
export { consistently, eventually, HopelessWait, pause, type EventuallyOptions } from './eventually.js';
export { freePort, freeStablePort } from './free-ports.js';
export {
  createServiceGroup,
  makeLogDirectory,
  type LaunchTable,
  type ProcessExit,
  type ServiceGroup,
  type ServiceGroupOptions,
  type ServiceProcess,
  type ServiceRole,
  type ServiceSpec,
} from './service-group.js';
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
