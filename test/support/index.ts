// The in-process test harness as one import for service and cross-service
// tests (`@orders/test-harness`): the services' apps on test databases, the
// pipeline's pieces, HTTP and database helpers. Starting the system's
// processes lives in `@orders/test-support`, shared with the bench.
export * from './customers.js';
export * from './http-client.js';
export * from './isolated-databases.js';
export * from './outbox-rows.js';
export * from './pipeline-audit.js';
export * from './pipeline.js';
export * from './running-services.js';
export * from './system-under-test.js';
export * from './tcp-fault-proxy.js';
export * from './test-environment.js';
export * from './test-pool.js';
