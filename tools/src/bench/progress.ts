/**
 * One progress line per step on stderr (stdout keeps the results table). On
 * a terminal the line is rewritten in place; elsewhere (CI logs) a line is
 * printed every ten seconds at most, so a log shows signs of life without
 * filling up.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr) {
  const inPlace = stream.isTTY;
  const everyMs = inPlace ? 200 : 10_000;
  let prefix = '';
  let stepStartedAt = 0;
  let lastWriteAt = 0;
  let open = false;

  function write(text: string): void {
    const elapsed = ((performance.now() - stepStartedAt) / 1000).toFixed(1);
    const line = `${prefix}: ${text} (${elapsed} s)`;
    if (inPlace) stream.write(`\r\u001b[2K${line.slice(0, (stream.columns || 120) - 1)}`);
    else stream.write(`${line}\n`);
    lastWriteAt = performance.now();
    open = inPlace;
  }

  return {
    begin(index: number, total: number, title: string): void {
      prefix = `[${index}/${total}] ${title}`;
      stepStartedAt = performance.now();
      write('starting');
    },
    /** Throttled: call it as often as convenient. */
    update(text: string): void {
      if (performance.now() - lastWriteAt >= everyMs) write(text);
    },
    end(text: string): void {
      write(text);
      if (open) stream.write('\n');
      open = false;
    },
    /** A line of its own that stays (a warning, the cleanup), not a progress update. */
    say(text: string): void {
      if (open) stream.write('\n');
      open = false;
      stream.write(`${text}\n`);
    },
  };
}

export type Progress = ReturnType<typeof createProgress>;

/** Seconds since `startedAt` (a performance.now() reading). */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
