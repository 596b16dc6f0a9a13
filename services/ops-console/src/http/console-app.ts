import type pg from 'pg';
import { isDatabaseReachable, type Logger, type Registry, type Tracing } from '@orders/service-kit';
import { createHttpApp, type HttpApp } from '@orders/service-kit/http';
import { createAuditLog } from '../audit/audit-log.js';
import type { ConsoleBroker } from '../broker/console-broker.js';
import type { ConsoleConfig } from '../config.js';
import { registerDeadLetterRoutes } from '../dead-letters/dead-letters.routes.js';
import { registerDeadOutboxRoutes } from '../outbox/dead-outbox.routes.js';
import { registerOverviewRoutes } from '../overview/overview.routes.js';
import { createOverviewReader } from '../overview/read-overview.js';
import { registerReconcileRoutes } from '../reconcile/reconcile.routes.js';
import { guardConsole } from './console-guard.js';
import { registerPageRoutes } from './page.routes.js';

export interface ConsoleDeps {
  logger: Logger;
  metrics: Registry;
  tracing: Tracing;
  password: string;
  orderDb: pg.Pool;
  customerDb: pg.Pool;
  broker: ConsoleBroker;
  processes: ConsoleConfig['processes'];
  reconcile: ConsoleConfig['reconcile'];
  now?: () => number;
}

/** ops_console's HTTP app, ready to listen; tests call this with their own dependencies. */
export async function buildConsoleApp(deps: ConsoleDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    tracing: deps.tracing,
    // Ready when it can do its main work: read the order database (dead rows, outbox health).
    isReady: () => isDatabaseReachable(deps.orderDb),
    openapi: {
      title: 'Operators console',
      version: '1.0.0',
      description:
        'Pipeline health, dead outbox rows, dead letters and reconciliation, for a person (GET /) and for scripts. Every route, health and this document included, needs HTTP Basic credentials (admin / CONSOLE_PASSWORD).',
    },
    securitySchemes: { consoleBasic: { type: 'http', scheme: 'basic', description: 'user admin, password CONSOLE_PASSWORD' } },
  });
  guardConsole(app, deps.password);
  const audit = createAuditLog(deps.logger);
  registerPageRoutes(app);
  registerOverviewRoutes(
    app,
    createOverviewReader({ orderDb: deps.orderDb, customerDb: deps.customerDb, broker: deps.broker, processes: deps.processes, now: deps.now ?? Date.now }),
  );
  registerDeadOutboxRoutes(app, deps.orderDb, audit);
  registerDeadLetterRoutes(app, deps.broker, audit);
  registerReconcileRoutes(app, {
    databases: { orderDb: deps.orderDb, customerDb: deps.customerDb },
    broker: deps.broker,
    settleMs: deps.reconcile.settleMs,
    windowDays: deps.reconcile.windowDays,
    audit,
  });
  return app;
}
