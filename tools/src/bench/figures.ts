/**
 * A figure is one number the benchmark reports, always next to a baseline
 * measured in the same run (or, where the issue says so, a baseline on
 * paper), with the ratio between them and the goal it is judged by.
 */
export type Goal =
  /** value / baseline must reach this. */
  | { kind: 'ratio-at-least'; ratio: number }
  /** value must not exceed this, in the figure's unit. */
  | { kind: 'at-most'; limit: number }
  /** value must reach this, in the figure's unit. */
  | { kind: 'at-least'; limit: number }
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

export interface Measured {
  value: number | null;
  baseline: number | null;
  note?: string;
}

export interface Figure extends FigureSpec {
  value: number | null;
  baseline: number | null;
  /** value / baseline; null when either is missing or the baseline is zero. */
  ratio: number | null;
  goalText: string;
  verdict: Verdict;
  note?: string;
}

function goalText(spec: FigureSpec): string {
  if (spec.goalLabel !== undefined) return spec.goalLabel;
  switch (spec.goal.kind) {
    case 'ratio-at-least':
      return `≥ ${spec.goal.ratio} × baseline`;
    case 'at-most':
      return `≤ ${spec.goal.limit} ${spec.unit}`;
    case 'at-least':
      return `≥ ${spec.goal.limit.toLocaleString('en-US')} ${spec.unit}`;
    case 'none':
      return '—';
  }
}

function isNumber(value: number | null): value is number {
  return value !== null && Number.isFinite(value);
}

export function judge(spec: FigureSpec, measured: Measured | undefined, stepState: 'ran' | 'not run' | 'error'): Figure {
  const value = measured?.value ?? null;
  const baseline = measured?.baseline ?? null;
  const ratio = isNumber(value) && isNumber(baseline) && baseline !== 0 ? value / baseline : null;
  let verdict: Verdict;
  if (!isNumber(value)) {
    verdict = stepState === 'ran' ? 'error' : stepState;
  } else {
    switch (spec.goal.kind) {
      case 'ratio-at-least':
        verdict = ratio === null ? 'info' : ratio >= spec.goal.ratio ? 'pass' : 'fail';
        break;
      case 'at-most':
        verdict = value <= spec.goal.limit ? 'pass' : 'fail';
        break;
      case 'at-least':
        verdict = value >= spec.goal.limit ? 'pass' : 'fail';
        break;
      case 'none':
        verdict = 'info';
        break;
    }
  }
  const figure: Figure = { ...spec, value, baseline, ratio, goalText: goalText(spec), verdict };
  if (measured?.note !== undefined) figure.note = measured.note;
  return figure;
}

/** A number in its unit, compact enough for a table cell. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit === '' ? text : `${text} ${unit}`;
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '—';
  const digits = ratio >= 100 ? 0 : ratio >= 0.1 ? 2 : 4;
  return `${ratio.toFixed(digits)}×`;
}
