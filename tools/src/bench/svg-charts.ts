import type { Figure } from './figures.js';
import type { HistogramBin } from './latency-stats.js';

/**
 * Charts as plain SVG text: no browser, no canvas, no chart library, so the
 * report renders on GitHub and in any viewer and the bench downloads nothing.
 */
export interface LatencyChartInput {
  bins: HistogramBin[];
  p50: number;
  p99: number;
  goalP50: number;
  goalP99: number;
  rate: number;
  count: number;
}

export interface ThroughputChartInput {
  points: Array<{ offered: number; achieved: number; p99Ms: number; held: boolean }>;
  closedLoopRate: number | undefined;
}

const [WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM] = [760, 380, 72, 736, 48, 324];
const COLORS = { bar: '#4e79a7', pass: '#59a14f', fail: '#e15759', goal: '#f28e2b', marker: '#76448a', grid: '#e3e3e3', muted: '#666' };
const DASHED = 'stroke-dasharray="6 4"';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (value: number) => value.toFixed(1);
/** A label with a white halo, so it stays readable where it crosses a bar or a line. */
const text = (x: number, y: number, content: string, attributes = '') =>
  `<text x="${n(x)}" y="${n(y)}" stroke="#fff" stroke-width="3" paint-order="stroke" ${attributes}>${escape(content)}</text>`;
const line = (x1: number, y1: number, x2: number, y2: number, color: string, attributes = '') =>
  `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${color}" ${attributes}/>`;
const rect = (x: number, y: number, width: number, height: number, color: string) =>
  `<rect x="${n(x)}" y="${n(y)}" width="${n(Math.max(1, width))}" height="${n(height)}" fill="${color}"`;
const short = (value: number) =>
  value >= 10_000 ? `${(value / 1000).toFixed(0)}k` : value.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** About five round steps (1, 2, 2.5 or 5 times a power of ten) covering 0..max. */
function ticks(max: number): number[] {
  const power = 10 ** Math.floor(Math.log10(max / 5));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * power >= max / 5) ?? 10) * power;
  return Array.from({ length: Math.ceil(max / step - 1e-9) + 1 }, (_, index) => Number((index * step).toPrecision(12)));
}
const roundUp = (max: number) => ticks(max).at(-1) ?? max;

/** The svg element with a white background, the title and subtitle, the body. */
function svg(height: number, title: string, subtitle: string, body: string[]): string {
  const font = 'font-family="system-ui, -apple-system, \'Segoe UI\', Helvetica, Arial, sans-serif" font-size="12"';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${font} fill="#222">`,
    `<title>${escape(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    text(24, 22, title, 'font-size="15" font-weight="600"'),
    text(24, 38, subtitle, `fill="${COLORS.muted}"`),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** The y grid with its labels, the x axis and the two axis titles of a plot from 0 to yMax. */
function axes(yMax: number, toY: (value: number) => number, xTitle: string, yTitle: string): string[] {
  return [
    ...ticks(yMax).flatMap((tick) => [
      line(LEFT, toY(tick), RIGHT, toY(tick), COLORS.grid),
      text(LEFT - 8, toY(tick) + 4, short(tick), 'text-anchor="end"'),
    ]),
    line(LEFT, BOTTOM, RIGHT, BOTTOM, '#222'),
    text((LEFT + RIGHT) / 2, HEIGHT - 12, xTitle, 'text-anchor="middle"'),
    `<text transform="translate(16 ${n((TOP + BOTTOM) / 2)}) rotate(-90)" text-anchor="middle">${escape(yTitle)}</text>`,
  ];
}

/** Histogram of end-to-end latency with the p50 and p99 markers and the goals; the open-ended tail bin sits last, labelled. */
export function latencyChart(input: LatencyChartInput): string {
  const slot = (RIGHT - LEFT) / Math.max(1, input.bins.length);
  const yMax = roundUp(Math.max(1, ...input.bins.map((bin) => bin.count)));
  const toY = (count: number) => BOTTOM - (count / yMax) * (BOTTOM - TOP);
  const linear = input.bins.filter((bin) => !bin.open);
  const toX = (ms: number) => LEFT + (ms / (linear.at(-1)?.to ?? 1)) * linear.length * slot;
  const body = axes(yMax, toY, 'milliseconds', 'orders');
  for (const [index, bin] of input.bins.entries()) {
    const tooltip = `${bin.open ? `≥ ${bin.from}` : `${bin.from}–${bin.to}`} ms: ${bin.count}`;
    body.push(
      `${rect(LEFT + index * slot + 1, toY(bin.count), slot - 2, BOTTOM - toY(bin.count), bin.open ? COLORS.muted : COLORS.bar)}><title>${tooltip}</title></rect>`,
    );
    const label = bin.open ? `≥ ${short(bin.from)}` : index % Math.ceil(linear.length / 10) === 0 ? short(bin.from) : undefined;
    if (label !== undefined) {
      body.push(text(LEFT + (index + (bin.open ? 0.5 : 0)) * slot, BOTTOM + (bin.open ? 30 : 16), label, 'text-anchor="middle"'));
    }
  }
  const markers: Array<[number, string, string, string]> = [
    [input.goalP50, `goal p50 ${input.goalP50} ms`, COLORS.goal, DASHED],
    [input.goalP99, `goal p99 ${input.goalP99} ms`, COLORS.goal, DASHED],
    [input.p50, `p50 ${input.p50.toFixed(0)} ms`, COLORS.marker, ''],
    [input.p99, `p99 ${input.p99.toFixed(0)} ms`, COLORS.marker, ''],
  ];
  for (const [index, [ms, label, color, dash]] of markers.entries()) {
    if (ms > (linear.at(-1)?.to ?? 0)) continue;
    body.push(
      line(toX(ms), TOP, toX(ms), BOTTOM, color, `stroke-width="2" ${dash}`),
      text(toX(ms) + 4, TOP + 12 + index * 14, label, `fill="${color}"`),
    );
  }
  const subtitle = `${input.count.toLocaleString('en-US')} orders at ${input.rate} orders/s; processed_at − created_at on PostgreSQL's clock`;
  return svg(HEIGHT, 'End-to-end latency: order stored → applied to its customer', subtitle, body);
}

/** Achieved against offered load, with the ideal diagonal and the closed-loop capacity. */
export function throughputChart({ points, closedLoopRate }: ThroughputChartInput): string {
  const xMax = roundUp(Math.max(1, ...points.map((point) => point.offered)) * 1.1);
  const yMax = roundUp(Math.max(xMax / 1.1, closedLoopRate ?? 0, ...points.map((point) => point.achieved)) * 1.1);
  const toX = (value: number) => LEFT + (value / xMax) * (RIGHT - LEFT);
  const toY = (value: number) => BOTTOM - (value / yMax) * (BOTTOM - TOP);
  const body = axes(yMax, toY, 'offered orders/s', 'achieved orders/s');
  body.push(...ticks(xMax).map((tick) => text(toX(tick), BOTTOM + 16, short(tick), 'text-anchor="middle"')));
  const ideal = Math.min(xMax, yMax);
  body.push(line(toX(0), toY(0), toX(ideal), toY(ideal), COLORS.muted, DASHED));
  body.push(text(toX(ideal) - 4, toY(ideal) + 14, 'achieved = offered', `text-anchor="end" fill="${COLORS.muted}"`));
  if (closedLoopRate !== undefined) {
    body.push(line(LEFT, toY(closedLoopRate), RIGHT, toY(closedLoopRate), COLORS.goal, `stroke-width="1.5" ${DASHED}`));
    body.push(
      text(
        LEFT + 6,
        toY(closedLoopRate) - 6,
        `closed-loop intake, 32 connections: ${closedLoopRate.toFixed(0)} orders/s`,
        `fill="${COLORS.goal}"`,
      ),
    );
  }
  const path = points.map((point) => `${n(toX(point.offered))},${n(toY(point.achieved))}`).join(' ');
  body.push(`<polyline points="${path}" fill="none" stroke="${COLORS.bar}" stroke-width="2"/>`);
  for (const { offered, achieved, p99Ms, held } of points) {
    const [x, y] = [toX(offered), toY(achieved)];
    const label = `${achieved.toFixed(0)}/s, p99 ${p99Ms.toFixed(0)} ms${held ? '' : ' (not held)'}`;
    body.push(`<circle cx="${n(x)}" cy="${n(y)}" r="5" fill="${held ? COLORS.pass : COLORS.fail}"/>`);
    // Near the right edge a label goes to the left of its point.
    body.push(x > LEFT + (RIGHT - LEFT) * 0.7 ? text(x - 8, y + 18, label, 'text-anchor="end"') : text(x + 8, y + 4, label));
  }
  return svg(
    HEIGHT,
    'Throughput against offered load (HTTP, end to end)',
    'green: held (API kept up, backlog bounded); red: not held',
    body,
  );
}

/** One bar per figure with a ratio goal: its ratio to the same-run baseline, the goal marked; a bar past the axis is cut and says so. */
export function ratiosChart(figures: readonly Figure[]): string {
  const rows = figures.flatMap(({ title, ratio, goal }) =>
    goal.ratioAtLeast !== undefined && ratio !== null ? [{ title, ratio, goal: goal.ratioAtLeast }] : [],
  );
  const [left, bottom] = [260, TOP + rows.length * 34];
  const xMax = roundUp(Math.max(2, ...rows.map((row) => row.goal * 1.5)));
  const toX = (ratio: number) => left + (Math.min(ratio, xMax) / xMax) * (WIDTH - left - 120);
  const body = ticks(xMax).flatMap((tick) => [
    line(toX(tick), TOP - 6, toX(tick), bottom, COLORS.grid),
    text(toX(tick), bottom + 16, `${tick}×`, 'text-anchor="middle"'),
  ]);
  for (const [index, { title, ratio, goal }] of rows.entries()) {
    const y = TOP + index * 34;
    body.push(
      text(left - 10, y + 18, title, 'text-anchor="end"'),
      `${rect(left, y + 6, toX(ratio) - left, 18, ratio >= goal ? COLORS.pass : COLORS.fail)}/>`,
    );
    body.push(line(toX(goal), y + 2, toX(goal), y + 28, COLORS.goal, 'stroke-width="3"'));
    body.push(text(Math.max(toX(ratio), toX(goal)) + 8, y + 19, `${ratio.toFixed(2)}×${ratio > xMax ? ' (bar cut)' : ''}`));
  }
  return svg(
    bottom + 40,
    'Figures as ratios to their same-run baselines',
    'bar: value ÷ baseline (green: goal met, red: missed); orange tick: the goal',
    body,
  );
}
