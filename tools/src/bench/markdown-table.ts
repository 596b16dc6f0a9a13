/** A Markdown table from `header` ('run | orders/s: | …', a trailing ':' marks a right-aligned number column) and rows of cells. */
export function table(header: string, rows: ReadonlyArray<ReadonlyArray<string | number>>): string[] {
  const names = header.split('|').map((name) => name.trim());
  return [
    `|${names.map((name) => (name === '' ? ' ' : ` ${name.replace(/:$/, '')} `)).join('|')}|`,
    `|${names.map((name) => (name.endsWith(':') ? '---:' : '---')).join('|')}|`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ];
}

/** `digits` decimals, or a dash for a number that is not there. */
export const fixed = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);

export const thousands = (value: number): string => value.toLocaleString('en-US');
