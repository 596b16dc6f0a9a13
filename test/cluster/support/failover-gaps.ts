/**
 * One move of a process from a lost node to another, read from its own log:
 * the broker layer logs the loss (with the node it lost) and the new
 * connection (with `from`, the node it left), once each.
 */
export interface LoggedFailover {
  from: string;
  to: string;
  /** From the log line of the loss to the log line of the new connection. */
  gapMs: number;
}

interface LogLine {
  time?: number;
  broker?: string;
  from?: string;
}

function parse(line: string): LogLine | undefined {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return undefined;
  }
}

export function failoversInLog(text: string): LoggedFailover[] {
  const lines = text
    .split('\n')
    .map(parse)
    .filter((line): line is LogLine => line !== undefined);
  const found: LoggedFailover[] = [];
  lines.forEach((line, index) => {
    const { from, broker: to, time } = line;
    if (from === undefined || to === undefined || time === undefined) return;
    // The last line about the node it left before this one: the loss.
    const loss = lines
      .slice(0, index)
      .reverse()
      .find((earlier) => earlier.broker === from && earlier.from === undefined && earlier.time !== undefined);
    if (loss?.time !== undefined) found.push({ from, to, gapMs: time - loss.time });
  });
  return found;
}
