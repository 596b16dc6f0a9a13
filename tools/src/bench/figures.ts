/**
 * A figure is one number the benchmark reports, always next to a baseline
 * measured in the same run (or, where the issue says so, a baseline on
 * paper), with the ratio between them and the goal it is judged by.
 */
export interface FigureSpec {
  id: string;
  title: string;
  unit: string;
  baselineLabel: string;
  /** Met when value ÷ baseline reaches `ratioAtLeast`, or the value is within `atMost` / `atLeast`; none: information only. */
  goal: { ratioAtLeast?: number; atMost?: number; atLeast?: number };
  /** Overrides the generated goal text, e.g. "cost ≤ 5 %". */
  goalLabel?: string;
}

export interface Measured {
  value: number | null;
  baseline: number | null;
  note?: string;
}

type Verdict = 'pass' | 'fail' | 'info' | 'not run' | 'error';

export interface Figure extends FigureSpec, Measured {
  /** value ÷ baseline; null when either is missing or the baseline is zero. */
  ratio: number | null;
  goalText: string;
  verdict: Verdict;
}

/**
 * Every figure the bench reports, a line each: step | id | unit | goal | title | baseline (| goal text).
 * A goal is "× ≥ r" (value ÷ baseline at least r), "≤ n" or "≥ n" in the figure's unit, or "—" (information only).
 */
const TABLE = `
intake | intake.rate | orders/s | × ≥ 0.5 | Order intake, HTTP, 32 connections | pgbench, the same statement, one order per transaction, 32 clients
intake | intake.rate-node | orders/s | — | Order intake, HTTP, vs the Node.js driver | the same statement through pg, one order per transaction, 32 loops
intake | intake.drain | orders/s | ≥ 4000 | End-to-end drain, 32 connections (orders/s until every accepted order is counted) | HTTP intake of the same run
intake | intake.p99 | ms | — | Order intake p99 latency | same statement via pg, p99
intake | intake.cache-off | orders/s | — | Order intake, customer cache off | pgbench, the same statement
wakeup | wakeup.intake | orders/s | × ≥ 0.95 | Intake with LISTEN/NOTIFY wake-up on | intake with wake-up off (worker polls) | cost ≤ 5 % (≥ 0.95 × off)
overload | overload.p99 | ms | ≤ 200 | Overload, 512 connections: p99 of all answers | p99 at 32 connections (intake step)
overload | overload.unexpected | answers | ≤ 0 | Overload: answers other than 201 and 503 overloaded, and socket errors | —
overload | overload.accepted | orders/s | — | Overload: orders accepted | HTTP intake at 32 connections
overload | overload.rss | MB | ≤ 150 | Overload: order_service peak RSS | bare Node.js process
outbox-drain | outbox.one-worker | msg/s | × ≥ 0.5 | Outbox drain, one worker | plain amqplib publish with confirms
outbox-drain | outbox.two-workers | msg/s | × ≥ 0.5 | Outbox drain, two workers | plain amqplib publish with confirms
consumer-drain | consumer.drain | events/s | × ≥ 1.5 | Consumer drain | one transaction per message, same prefetch
latency | e2e.p50 | ms | ≤ 5 | End-to-end latency p50 | seed design on paper (5 s poll)
latency | e2e.p99 | ms | ≤ 10 | End-to-end latency p99 | seed design on paper (5 s poll)
latency | idle.worker-cpu | % of a core | ≤ 1 | Idle outbox worker CPU | bare Node.js process, same window
sustained | sustained.highest | orders/s | — | Highest sustained load (HTTP, end to end) | closed-loop HTTP intake (intake step)
memory | memory.order_service | MB | ≤ 150 | Peak RSS, order_service | bare Node.js process
memory | memory.customer_service | MB | ≤ 150 | Peak RSS, customer_service | bare Node.js process
memory | memory.order_outbox_worker | MB | ≤ 150 | Peak RSS, order_outbox_worker | bare Node.js process
memory | memory.order_created_consumer | MB | ≤ 150 | Peak RSS, order_created_consumer | bare Node.js process
`;

function goalOf(text: string): FigureSpec['goal'] {
  const limit = Number(text.replace(/^\D+/, ''));
  if (text.startsWith('×')) return { ratioAtLeast: limit };
  return text.startsWith('≤') ? { atMost: limit } : text.startsWith('≥') ? { atLeast: limit } : {};
}

/** The figures of one step, in the table's order. */
export function figuresOf(step: string): FigureSpec[] {
  const lines = TABLE.trim()
    .split('\n')
    .map((line) => line.split('|').map((field) => field.trim()));
  return lines.flatMap(([owner, id = '', unit = '', goal = '', title = '', baselineLabel = '', goalLabel]) =>
    owner === step ? [{ id, title, unit, baselineLabel, goal: goalOf(goal), ...(goalLabel === undefined ? {} : { goalLabel }) }] : [],
  );
}

const isNumber = (value: number | null): value is number => value !== null && Number.isFinite(value);

function goalText({ goal, unit, goalLabel }: FigureSpec): string {
  if (goalLabel !== undefined) return goalLabel;
  if (goal.ratioAtLeast !== undefined) return `≥ ${goal.ratioAtLeast} × baseline`;
  const limit = goal.atMost ?? goal.atLeast;
  return limit === undefined ? '—' : `${goal.atMost === undefined ? '≥' : '≤'} ${limit.toLocaleString('en-US')} ${unit}`;
}

function verdictOf({ ratioAtLeast, atMost, atLeast }: FigureSpec['goal'], value: number, ratio: number | null): Verdict {
  if (ratioAtLeast !== undefined) return ratio === null ? 'info' : ratio >= ratioAtLeast ? 'pass' : 'fail';
  if (atMost === undefined && atLeast === undefined) return 'info';
  return value <= (atMost ?? Infinity) && value >= (atLeast ?? -Infinity) ? 'pass' : 'fail';
}

/** A figure's value against its baseline and goal; one without a value failed with its step, or was not run. */
export function judge(spec: FigureSpec, measured: Measured | undefined, stepState: 'ran' | 'not run' | 'error'): Figure {
  const { value = null, baseline = null, note } = measured ?? {};
  const ratio = isNumber(value) && isNumber(baseline) && baseline !== 0 ? value / baseline : null;
  const verdict = isNumber(value) ? verdictOf(spec.goal, value, ratio) : stepState === 'ran' ? 'error' : stepState;
  return { ...spec, value, baseline, ratio, goalText: goalText(spec), verdict, ...(note === undefined ? {} : { note }) };
}

/** A number in its unit, compact enough for a table cell. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits });
  return unit === '' ? text : `${text} ${unit}`;
}

export const formatRatio = (ratio: number | null): string =>
  ratio === null ? '—' : `${ratio.toFixed(ratio >= 100 ? 0 : ratio >= 0.1 ? 2 : 4)}×`;
