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
const COLORS = { bar: '#4e79a7', pass: '#59a14f', fail: '#e15759', goal: '#f28e2b', marker: '#76448a', grid: '#e3e3e3', text: '#222', muted: '#666' };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escape(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, attributes: string): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attributes}/>`;
}

/** Round tick steps (1, 2 or 5 times a power of ten) covering 0..max. */
function ticks(max: number, wanted = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / wanted;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * power >= raw) ?? 10) * power;
  const result = [0];
  while ((result.at(-1) ?? 0) < max) result.push(Number(((result.length) * step).toPrecision(12)));
  return result;
}

function shortNumber(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(0)}k` : value.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function frame(title: string, subtitle: string, body: string[], xLabel: string, yLabel: string): string {
  const yMiddle = MARGIN.top + PLOT.height / 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" fill="${COLORS.text}">`,
    `<title>${escape(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    text(MARGIN.left, 22, title, 'font-size="15" font-weight="600"'),
    text(MARGIN.left, 38, subtitle, `fill="${COLORS.muted}"`),
    ...body,
    text(MARGIN.left + PLOT.width / 2, HEIGHT - 12, xLabel, 'text-anchor="middle"'),
    `<text transform="translate(16 ${yMiddle.toFixed(1)}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(max: number, toY: (value: number) => number): string[] {
  return ticks(max).flatMap((tick) => [
    line(MARGIN.left, toY(tick), MARGIN.left + PLOT.width, toY(tick), `stroke="${COLORS.grid}"`),
    text(MARGIN.left - 8, toY(tick) + 4, shortNumber(tick), 'text-anchor="end"'),
  ]);
}

/** Histogram of end-to-end latency with the p50/p99 markers and the goals. */
export function latencyChart(input: LatencyChartInput): string {
  const regular = input.bins.filter((bin) => !bin.open);
  const tail = input.bins.find((bin) => bin.open);
  const slots = input.bins.length;
  const slotWidth = PLOT.width / Math.max(1, slots);
  const maxCount = Math.max(1, ...input.bins.map((bin) => bin.count));
  const yMax = ticks(maxCount).at(-1) ?? maxCount;
  const toY = (count: number) => MARGIN.top + PLOT.height - (count / yMax) * PLOT.height;
  const linearEnd = regular.at(-1)?.to ?? 1;
  const toX = (ms: number) => MARGIN.left + (Math.min(ms, linearEnd) / linearEnd) * regular.length * slotWidth;
  const body = yAxis(yMax, toY);
  input.bins.forEach((bin, index) => {
    const x = MARGIN.left + index * slotWidth;
    const height = MARGIN.top + PLOT.height - toY(bin.count);
    body.push(
      `<rect x="${(x + 1).toFixed(1)}" y="${toY(bin.count).toFixed(1)}" width="${Math.max(1, slotWidth - 2).toFixed(1)}" height="${height.toFixed(1)}" fill="${bin.open ? COLORS.muted : COLORS.bar}"><title>${escape(`${bin.open ? `≥ ${bin.from}` : `${bin.from}–${bin.to}`} ms: ${bin.count}`)}</title></rect>`,
    );
  });
  const labelEvery = Math.max(1, Math.ceil(regular.length / 10));
  for (let index = 0; index <= regular.length; index += labelEvery) {
    const from = regular[index]?.from ?? linearEnd;
    body.push(text(MARGIN.left + index * slotWidth, MARGIN.top + PLOT.height + 16, shortNumber(from), 'text-anchor="middle"'));
  }
  if (tail !== undefined) body.push(text(MARGIN.left + (slots - 0.5) * slotWidth, MARGIN.top + PLOT.height + 30, `≥ ${shortNumber(tail.from)}`, 'text-anchor="middle"'));
  const markers: Array<{ ms: number; label: string; color: string; dashed: boolean }> = [
    { ms: input.goalP50, label: `goal p50 ${input.goalP50} ms`, color: COLORS.goal, dashed: true },
    { ms: input.goalP99, label: `goal p99 ${input.goalP99} ms`, color: COLORS.goal, dashed: true },
    { ms: input.p50, label: `p50 ${input.p50.toFixed(0)} ms`, color: COLORS.marker, dashed: false },
    { ms: input.p99, label: `p99 ${input.p99.toFixed(0)} ms`, color: COLORS.marker, dashed: false },
  ];
  markers.forEach((marker, index) => {
    if (marker.ms > linearEnd) return;
    const x = toX(marker.ms);
    body.push(line(x, MARGIN.top, x, MARGIN.top + PLOT.height, `stroke="${marker.color}" stroke-width="2"${marker.dashed ? ' stroke-dasharray="6 4"' : ''}`));
    // A white halo keeps the label readable where it crosses a bar.
    body.push(text(x + 4, MARGIN.top + 12 + index * 14, marker.label, `fill="${marker.color}" stroke="#fff" stroke-width="3" paint-order="stroke"`));
  });
  body.push(line(MARGIN.left, MARGIN.top + PLOT.height, MARGIN.left + PLOT.width, MARGIN.top + PLOT.height, `stroke="${COLORS.text}"`));
  return frame(
    'End-to-end latency: order stored → applied to its customer',
    `${input.count.toLocaleString('en-US')} orders at ${input.rate} orders/s; processed_at − created_at on PostgreSQL's clock`,
    body,
    'milliseconds',
    'orders',
  );
}

/** Achieved against offered load, with the ideal diagonal and the closed-loop capacity. */
export function throughputChart(input: ThroughputChartInput): string {
  const maxOffered = Math.max(1, ...input.points.map((point) => point.offered));
  const maxY = Math.max(maxOffered, input.closedLoopRate ?? 0, ...input.points.map((point) => point.achieved));
  const xMax = ticks(maxOffered * 1.1).at(-1) ?? maxOffered;
  const yMax = ticks(maxY * 1.1).at(-1) ?? maxY;
  const toX = (value: number) => MARGIN.left + (value / xMax) * PLOT.width;
  const toY = (value: number) => MARGIN.top + PLOT.height - (value / yMax) * PLOT.height;
  const body = yAxis(yMax, toY);
  for (const tick of ticks(xMax)) {
    body.push(line(toX(tick), MARGIN.top + PLOT.height, toX(tick), MARGIN.top + PLOT.height + 4, `stroke="${COLORS.text}"`));
    body.push(text(toX(tick), MARGIN.top + PLOT.height + 16, shortNumber(tick), 'text-anchor="middle"'));
  }
  const ideal = Math.min(xMax, yMax);
  body.push(line(toX(0), toY(0), toX(ideal), toY(ideal), `stroke="${COLORS.muted}" stroke-dasharray="4 4"`));
  body.push(text(toX(ideal) - 4, toY(ideal) + 14, 'achieved = offered', `text-anchor="end" fill="${COLORS.muted}"`));
  if (input.closedLoopRate !== undefined) {
    const y = toY(input.closedLoopRate);
    body.push(line(MARGIN.left, y, MARGIN.left + PLOT.width, y, `stroke="${COLORS.goal}" stroke-dasharray="6 4" stroke-width="1.5"`));
    body.push(text(MARGIN.left + 6, y - 6, `closed-loop intake, 32 connections: ${input.closedLoopRate.toFixed(0)} orders/s`, `fill="${COLORS.goal}"`));
  }
  const path = input.points.map((point) => `${toX(point.offered).toFixed(1)},${toY(point.achieved).toFixed(1)}`).join(' ');
  body.push(`<polyline points="${path}" fill="none" stroke="${COLORS.bar}" stroke-width="2"/>`);
  for (const point of input.points) {
    const x = toX(point.offered);
    const y = toY(point.achieved);
    body.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5" fill="${point.held ? COLORS.pass : COLORS.fail}"/>`);
    const label = `${point.achieved.toFixed(0)}/s, p99 ${point.p99Ms.toFixed(0)} ms${point.held ? '' : ' (not held)'}`;
    const nearRightEdge = x > MARGIN.left + PLOT.width * 0.7;
    const halo = 'stroke="#fff" stroke-width="3" paint-order="stroke"';
    body.push(text(nearRightEdge ? x - 8 : x + 8, y + (nearRightEdge ? 18 : 4), label, nearRightEdge ? `text-anchor="end" ${halo}` : halo));
  }
  body.push(line(MARGIN.left, MARGIN.top + PLOT.height, MARGIN.left + PLOT.width, MARGIN.top + PLOT.height, `stroke="${COLORS.text}"`));
  return frame(
    'Throughput against offered load (HTTP, end to end)',
    'green: held (API kept up, backlog bounded); red: not held',
    body,
    'offered orders/s',
    'achieved orders/s',
  );
}

/** One bar per throughput figure: its ratio to the same-run baseline, with the goal marked. */
export function ratiosChart(figures: readonly Figure[]): string {
  const rows = figures.filter(
    (figure): figure is Figure & { ratio: number; goal: { kind: 'ratio-at-least'; ratio: number } } =>
      figure.goal.kind === 'ratio-at-least' && figure.ratio !== null,
  );
  const rowHeight = 34;
  const height = MARGIN.top + rows.length * rowHeight + 40;
  const labelWidth = 260;
  const plotWidth = WIDTH - labelWidth - 120;
  // The axis covers the goals with room to spare; a bar far past them is cut at the edge and says so.
  const xMax = ticks(Math.max(2, ...rows.map((row) => row.goal.ratio * 1.5))).at(-1) ?? 2;
  const toX = (ratio: number) => labelWidth + (Math.min(ratio, xMax) / xMax) * plotWidth;
  const body: string[] = [];
  for (const tick of ticks(xMax)) {
    body.push(line(toX(tick), MARGIN.top - 6, toX(tick), MARGIN.top + rows.length * rowHeight, `stroke="${COLORS.grid}"`));
    body.push(text(toX(tick), MARGIN.top + rows.length * rowHeight + 16, `${tick}×`, 'text-anchor="middle"'));
  }
  rows.forEach((row, index) => {
    const y = MARGIN.top + index * rowHeight;
    const color = row.ratio >= row.goal.ratio ? COLORS.pass : COLORS.fail;
    body.push(text(labelWidth - 10, y + 18, row.title, 'text-anchor="end"'));
    body.push(`<rect x="${labelWidth}" y="${y + 6}" width="${Math.max(1, toX(row.ratio) - labelWidth).toFixed(1)}" height="18" fill="${color}"/>`);
    body.push(line(toX(row.goal.ratio), y + 2, toX(row.goal.ratio), y + 28, `stroke="${COLORS.goal}" stroke-width="3"`));
    const labelX = Math.max(toX(row.ratio), toX(row.goal.ratio)) + 8;
    body.push(text(labelX, y + 19, `${row.ratio.toFixed(2)}×${row.ratio > xMax ? ' (bar cut)' : ''}`));
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" fill="${COLORS.text}">`,
    '<title>Figures as ratios to their same-run baselines</title>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    text(24, 22, 'Figures as ratios to their same-run baselines', 'font-size="15" font-weight="600"'),
    text(24, 38, 'bar: value ÷ baseline (green: goal met, red: missed); orange tick: the goal', `fill="${COLORS.muted}"`),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
