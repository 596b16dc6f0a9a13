/**
 * One progress line per step on stderr (stdout keeps the results table). On
 * a terminal the line is rewritten in place; elsewhere (CI logs) a line is
 * printed every ten seconds at most, so a log shows signs of life without
 * filling up.
 */
export function createProgress() {
  const stream = process.stderr;
  const inPlace = stream.isTTY;
  let prefix = '';
  let stepStartedAt = 0;
  let lastWriteAt = 0;
  let open = false;
  const closeLine = () => {
    if (open) stream.write('\n');
    open = false;
  };
  const write = (text: string) => {
    const line = `${prefix}: ${text} (${secondsSince(stepStartedAt).toFixed(1)} s)`;
    stream.write(inPlace ? `\r\u001b[2K${line.slice(0, (stream.columns || 120) - 1)}` : `${line}\n`);
    lastWriteAt = performance.now();
    open = inPlace;
  };
  return {
    begin(index: number, total: number, title: string): void {
      prefix = `[${index}/${total}] ${title}`;
      stepStartedAt = performance.now();
      write('starting');
    },
    /** Throttled: call it as often as convenient. */
    update(text: string): void {
      if (performance.now() - lastWriteAt >= (inPlace ? 200 : 10_000)) write(text);
    },
    end(text: string): void {
      write(text);
      closeLine();
    },
    /** A line of its own that stays (a warning, the cleanup), not a progress update. */
    say(text: string): void {
      closeLine();
      stream.write(`${text}\n`);
    },
  };
}

export type Progress = ReturnType<typeof createProgress>;

/** Seconds since `startedAt` (a performance.now() reading). */
export const secondsSince = (startedAt: number): number => (performance.now() - startedAt) / 1000;
