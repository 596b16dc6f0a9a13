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

const WIDTH = 760;
const HEIGHT = 380;
const MARGIN = { top: 48, right: 24, bottom: 56, left: 72 };
const PLOT = { width: WIDTH - MARGIN.left - MARGIN.right, height: HEIGHT - MARGIN.top - MARGIN.bottom };
const BOTTOM = MARGIN.top + PLOT.height;
const COLORS = {
  bar: '#4e79a7',
  pass: '#59a14f',
  fail: '#e15759',
  goal: '#f28e2b',
  marker: '#76448a',
  grid: '#e3e3e3',
  text: '#222',
  muted: '#666',
};
/** A white halo keeps a label readable where it crosses a bar or a line. */
const HALO = 'stroke="#fff" stroke-width="3" paint-order="stroke"';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const text = (x: number, y: number, content: string, attributes = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escape(content)}</text>`;
const line = (x1: number, y1: number, x2: number, y2: number, attributes: string) =>
  `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attributes}/>`;
const xAxis = () => line(MARGIN.left, BOTTOM, MARGIN.left + PLOT.width, BOTTOM, `stroke="${COLORS.text}"`);
const shortNumber = (value: number) =>
  value >= 10_000 ? `${(value / 1000).toFixed(0)}k` : value.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** About five round tick steps (1, 2 or 5 times a power of ten) covering 0..max. */
function ticks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * power >= raw) ?? 10) * power;
  const result = [0];
  while ((result.at(-1) ?? 0) < max) result.push(Number((result.length * step).toPrecision(12)));
  return result;
}
const lastTick = (max: number) => ticks(max).at(-1) ?? max;

/** The opening of a chart: the svg element, its title and a white background; then the title and subtitle at `left`. */
function open(width: number, height: number, title: string, subtitle: string, left: number): string[] {
  const font = "font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\" font-size=\"12\"";
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${font} fill="${COLORS.text}">`,
    `<title>${escape(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    text(left, 22, title, 'font-size="15" font-weight="600"'),
    text(left, 38, subtitle, `fill="${COLORS.muted}"`),
  ];
}

function frame(title: string, subtitle: string, body: string[], xLabel: string, yLabel: string): string {
  const yMiddle = MARGIN.top + PLOT.height / 2;
  return [
    ...open(WIDTH, HEIGHT, title, subtitle, MARGIN.left),
    ...body,
    text(MARGIN.left + PLOT.width / 2, HEIGHT - 12, xLabel, 'text-anchor="middle"'),
    `<text transform="translate(16 ${yMiddle.toFixed(1)}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

const yAxis = (max: number, toY: (value: number) => number) =>
  ticks(max).flatMap((tick) => [
    line(MARGIN.left, toY(tick), MARGIN.left + PLOT.width, toY(tick), `stroke="${COLORS.grid}"`),
    text(MARGIN.left - 8, toY(tick) + 4, shortNumber(tick), 'text-anchor="end"'),
  ]);

/** Histogram of end-to-end latency with the p50/p99 markers and the goals. */
export function latencyChart(input: LatencyChartInput): string {
  const regular = input.bins.filter((bin) => !bin.open);
  const tail = input.bins.find((bin) => bin.open);
  const slotWidth = PLOT.width / Math.max(1, input.bins.length);
  const yMax = lastTick(Math.max(1, ...input.bins.map((bin) => bin.count)));
  const toY = (count: number) => BOTTOM - (count / yMax) * PLOT.height;
  const linearEnd = regular.at(-1)?.to ?? 1;
  const toX = (ms: number) => MARGIN.left + (Math.min(ms, linearEnd) / linearEnd) * regular.length * slotWidth;
  const body = yAxis(yMax, toY);
  input.bins.forEach((bin, index) => {
    const x = MARGIN.left + index * slotWidth;
    const label = `${bin.open ? `≥ ${bin.from}` : `${bin.from}–${bin.to}`} ms: ${bin.count}`;
    const place = `x="${(x + 1).toFixed(1)}" y="${toY(bin.count).toFixed(1)}"`;
    const size = `width="${Math.max(1, slotWidth - 2).toFixed(1)}" height="${(BOTTOM - toY(bin.count)).toFixed(1)}"`;
    body.push(`<rect ${place} ${size} fill="${bin.open ? COLORS.muted : COLORS.bar}"><title>${escape(label)}</title></rect>`);
  });
  const labelEvery = Math.max(1, Math.ceil(regular.length / 10));
  for (let index = 0; index <= regular.length; index += labelEvery) {
    const label = shortNumber(regular[index]?.from ?? linearEnd);
    body.push(text(MARGIN.left + index * slotWidth, BOTTOM + 16, label, 'text-anchor="middle"'));
  }
  if (tail !== undefined) {
    const x = MARGIN.left + (input.bins.length - 0.5) * slotWidth;
    body.push(text(x, BOTTOM + 30, `≥ ${shortNumber(tail.from)}`, 'text-anchor="middle"'));
  }
  const markers = [
    { ms: input.goalP50, label: `goal p50 ${input.goalP50} ms`, color: COLORS.goal, dash: ' stroke-dasharray="6 4"' },
    { ms: input.goalP99, label: `goal p99 ${input.goalP99} ms`, color: COLORS.goal, dash: ' stroke-dasharray="6 4"' },
    { ms: input.p50, label: `p50 ${input.p50.toFixed(0)} ms`, color: COLORS.marker, dash: '' },
    { ms: input.p99, label: `p99 ${input.p99.toFixed(0)} ms`, color: COLORS.marker, dash: '' },
  ];
  markers.forEach((marker, index) => {
    if (marker.ms > linearEnd) return;
    const x = toX(marker.ms);
    body.push(line(x, MARGIN.top, x, BOTTOM, `stroke="${marker.color}" stroke-width="2"${marker.dash}`));
    body.push(text(x + 4, MARGIN.top + 12 + index * 14, marker.label, `fill="${marker.color}" ${HALO}`));
  });
  body.push(xAxis());
  const subtitle =
    `${input.count.toLocaleString('en-US')} orders at ${input.rate} orders/s; processed_at − created_at on PostgreSQL's clock`;
  return frame('End-to-end latency: order stored → applied to its customer', subtitle, body, 'milliseconds', 'orders');
}

/** Achieved against offered load, with the ideal diagonal and the closed-loop capacity. */
export function throughputChart(input: ThroughputChartInput): string {
  const maxOffered = Math.max(1, ...input.points.map((point) => point.offered));
  const xMax = lastTick(maxOffered * 1.1);
  const highest = Math.max(maxOffered, input.closedLoopRate ?? 0, ...input.points.map((point) => point.achieved));
  const yMax = lastTick(highest * 1.1);
  const toX = (value: number) => MARGIN.left + (value / xMax) * PLOT.width;
  const toY = (value: number) => BOTTOM - (value / yMax) * PLOT.height;
  const body = yAxis(yMax, toY);
  for (const tick of ticks(xMax)) {
    body.push(line(toX(tick), BOTTOM, toX(tick), BOTTOM + 4, `stroke="${COLORS.text}"`));
    body.push(text(toX(tick), BOTTOM + 16, shortNumber(tick), 'text-anchor="middle"'));
  }
  const ideal = Math.min(xMax, yMax);
  body.push(line(toX(0), toY(0), toX(ideal), toY(ideal), `stroke="${COLORS.muted}" stroke-dasharray="4 4"`));
  body.push(text(toX(ideal) - 4, toY(ideal) + 14, 'achieved = offered', `text-anchor="end" fill="${COLORS.muted}"`));
  if (input.closedLoopRate !== undefined) {
    const y = toY(input.closedLoopRate);
    const label = `closed-loop intake, 32 connections: ${input.closedLoopRate.toFixed(0)} orders/s`;
    body.push(line(MARGIN.left, y, MARGIN.left + PLOT.width, y, `stroke="${COLORS.goal}" stroke-dasharray="6 4" stroke-width="1.5"`));
    body.push(text(MARGIN.left + 6, y - 6, label, `fill="${COLORS.goal}"`));
  }
  const path = input.points.map((point) => `${toX(point.offered).toFixed(1)},${toY(point.achieved).toFixed(1)}`).join(' ');
  body.push(`<polyline points="${path}" fill="none" stroke="${COLORS.bar}" stroke-width="2"/>`);
  for (const point of input.points) {
    const [x, y] = [toX(point.offered), toY(point.achieved)];
    body.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5" fill="${point.held ? COLORS.pass : COLORS.fail}"/>`);
    const label = `${point.achieved.toFixed(0)}/s, p99 ${point.p99Ms.toFixed(0)} ms${point.held ? '' : ' (not held)'}`;
    const nearRightEdge = x > MARGIN.left + PLOT.width * 0.7;
    if (nearRightEdge) body.push(text(x - 8, y + 18, label, `text-anchor="end" ${HALO}`));
    else body.push(text(x + 8, y + 4, label, HALO));
  }
  body.push(xAxis());
  const subtitle = 'green: held (API kept up, backlog bounded); red: not held';
  return frame('Throughput against offered load (HTTP, end to end)', subtitle, body, 'offered orders/s', 'achieved orders/s');
}

/** One bar per throughput figure: its ratio to the same-run baseline, with the goal marked. */
export function ratiosChart(figures: readonly Figure[]): string {
  const rows = figures.flatMap((figure) =>
    figure.goal.kind === 'ratio-at-least' && figure.ratio !== null ? [{ ...figure, ratio: figure.ratio, goal: figure.goal.ratio }] : [],
  );
  const [rowHeight, labelWidth] = [34, 260];
  const height = MARGIN.top + rows.length * rowHeight + 40;
  const plotWidth = WIDTH - labelWidth - 120;
  // The axis covers the goals with room to spare; a bar far past them is cut at the edge and says so.
  const xMax = ticks(Math.max(2, ...rows.map((row) => row.goal * 1.5))).at(-1) ?? 2;
  const toX = (ratio: number) => labelWidth + (Math.min(ratio, xMax) / xMax) * plotWidth;
  const body: string[] = [];
  for (const tick of ticks(xMax)) {
    body.push(line(toX(tick), MARGIN.top - 6, toX(tick), MARGIN.top + rows.length * rowHeight, `stroke="${COLORS.grid}"`));
    body.push(text(toX(tick), MARGIN.top + rows.length * rowHeight + 16, `${tick}×`, 'text-anchor="middle"'));
  }
  rows.forEach((row, index) => {
    const y = MARGIN.top + index * rowHeight;
    body.push(text(labelWidth - 10, y + 18, row.title, 'text-anchor="end"'));
    const width = Math.max(1, toX(row.ratio) - labelWidth).toFixed(1);
    body.push(`<rect x="${labelWidth}" y="${y + 6}" width="${width}" height="18" fill="${row.ratio >= row.goal ? COLORS.pass : COLORS.fail}"/>`);
    body.push(line(toX(row.goal), y + 2, toX(row.goal), y + 28, `stroke="${COLORS.goal}" stroke-width="3"`));
    body.push(text(Math.max(toX(row.ratio), toX(row.goal)) + 8, y + 19, `${row.ratio.toFixed(2)}×${row.ratio > xMax ? ' (bar cut)' : ''}`));
  });
  const title = 'Figures as ratios to their same-run baselines';
  const subtitle = 'bar: value ÷ baseline (green: goal met, red: missed); orange tick: the goal';
  return [...open(WIDTH, height, title, subtitle, 24), ...body, '</svg>', ''].join('\n');
}
