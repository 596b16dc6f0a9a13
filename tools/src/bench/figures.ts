/**
 * A figure is one number the benchmark reports, always next to a baseline
 * measured in the same run (or, where the issue says so, a baseline on
 * paper), with the ratio between them and the goal it is judged by.
 */
export type Goal =
  /** value / baseline must reach this. */
  | { kind: 'ratio-at-least'; ratio: number }
  /** value must not exceed (at-most) or must reach (at-least) this, in the figure's unit. */
  | { kind: 'at-most' | 'at-least'; limit: number }
  | { kind: 'none' };

export type Verdict = 'pass' | 'fail' | 'info' | 'not run' | 'error';

export interface FigureSpec {
  id: string;
  title: string;
  unit: string;
  baselineLabel: string;
  goal: Goal;
  /** Overrides the generated goal text, e.g. "cost ≤ 5 %". */
  goalLabel?: string;
}

export const ratioAtLeast = (ratio: number): Goal => ({ kind: 'ratio-at-least', ratio });
export const atMost = (limit: number): Goal => ({ kind: 'at-most', limit });
export const atLeast = (limit: number): Goal => ({ kind: 'at-least', limit });
export const NO_GOAL: Goal = { kind: 'none' };

export function figure(id: string, title: string, unit: string, baselineLabel: string, goal: Goal, goalLabel?: string): FigureSpec {
  return { id, title, unit, baselineLabel, goal, ...(goalLabel === undefined ? {} : { goalLabel }) };
}

export interface Measured {
  value: number | null;
  baseline: number | null;
  note?: string;
}

export interface Figure extends FigureSpec, Measured {
  /** value / baseline; null when either is missing or the baseline is zero. */
  ratio: number | null;
  goalText: string;
  verdict: Verdict;
}

function goalText(spec: FigureSpec): string {
  const goal = spec.goal;
  if (spec.goalLabel !== undefined) return spec.goalLabel;
  if (goal.kind === 'ratio-at-least') return `≥ ${goal.ratio} × baseline`;
  return goal.kind === 'none' ? '—' : `${goal.kind === 'at-most' ? '≤' : '≥'} ${goal.limit.toLocaleString('en-US')} ${spec.unit}`;
}

const isNumber = (value: number | null): value is number => value !== null && Number.isFinite(value);

function verdictOf(goal: Goal, value: number, ratio: number | null): Verdict {
  if (goal.kind === 'none' || (goal.kind === 'ratio-at-least' && ratio === null)) return 'info';
  if (goal.kind === 'ratio-at-least') return (ratio ?? 0) >= goal.ratio ? 'pass' : 'fail';
  return (goal.kind === 'at-most' ? value <= goal.limit : value >= goal.limit) ? 'pass' : 'fail';
}

/** A figure's value against its baseline and goal; a figure without a value failed with its step, or was not run. */
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
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit === '' ? text : `${text} ${unit}`;
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '—' : `${ratio.toFixed(ratio >= 100 ? 0 : ratio >= 0.1 ? 2 : 4)}×`;
}
