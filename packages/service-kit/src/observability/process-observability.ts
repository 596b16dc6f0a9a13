import type { LoggingConfig } from '../config/logging-config.js';
import { createLogger, type Logger } from './logger.js';
import { createMetricsRegistry, type Registry } from './metrics.js';
import { initTracing, type Tracing } from './tracing.js';

/** What every process hands the parts it wires: where to log, count and trace. */
export interface ProcessObservability {
  logger: Logger;
  metrics: Registry;
  tracing: Tracing;
}

/** One process's logger, metrics registry and tracing, all under its name. */
export function observeProcess(name: string, config: { logging: LoggingConfig; otlpEndpoint: string | undefined }): ProcessObservability {
  return {
    logger: createLogger({ name, ...config.logging }),
    metrics: createMetricsRegistry(name),
    tracing: initTracing({ serviceName: name, otlpEndpoint: config.otlpEndpoint }),
  };
}
