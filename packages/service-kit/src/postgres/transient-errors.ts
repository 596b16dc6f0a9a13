/**
 * Whether a database error is about the database being unavailable or busy
 * (worth retrying the same work later) rather than about the work itself.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // 08: connection exception; 53: insufficient resources; 57P01-57P03: admin
    // shutdown, crash shutdown, cannot connect now; 40001/40P01: serialization
    // failure and deadlock, which succeed when retried.
    if (code.startsWith('08') || code.startsWith('53')) return true;
    if (['57P01', '57P02', '57P03', '40001', '40P01', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) {
      return true;
    }
  }
  if (typeof message === 'string') {
    return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed|Connection ended/i.test(
      message,
    );
  }
  return false;
}
