const HOW_TO_START: Record<string, string> = {
  PostgreSQL: 'is it running and reachable? (on a Debian host: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)',
  RabbitMQ: 'is it running and reachable? (on a Debian host: rabbitmq-server -detached, or rabbitmqctl start_app)',
};

/**
 * Raised at start when a dependency cannot be reached. Its message is the one
 * line an operator needs: what, where, and how to start it.
 */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
  constructor(dependency: 'PostgreSQL' | 'RabbitMQ', where: string, cause: unknown) {
    super(`cannot reach ${dependency} at ${where} (${describeCause(cause)}); ${HOW_TO_START[dependency]}`);
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeCause(cause.errors[0]);
  const error = cause as { code?: string; message?: string };
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'timed out';
    case '28P01':
    case '28000':
      return 'authentication failed';
    case '3D000':
      return 'database does not exist: run npm run db:setup';
    default:
      return error.message ?? String(cause);
  }
}
