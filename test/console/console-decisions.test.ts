import { describe, expect, it } from 'vitest';
import { chooseDeadLetters, type DeadLetter } from '../../packages/operations/src/index.js';
import { pipelineRates } from '../../services/ops-console/src/overview/pipeline-rates.js';
import { sumOfMetric } from '../../services/ops-console/src/overview/prometheus-text.js';

const letter = (eventId: string | null, reason: string): DeadLetter => ({ eventId, reason, deadLetteredAt: null, payload: {}, headers: {} });

describe('choosing dead letters', () => {
  const letters = [letter('a', 'r1'), letter(null, 'r2'), letter('b', 'r1'), letter('c', 'r2')];

  it('acts on the named ones, a reason, or all, and keeps the rest', () => {
    expect(chooseDeadLetters(letters, { eventIds: ['b'] }, 'replay').dispositions).toEqual(['keep', 'keep', 'replay', 'keep']);
    expect(chooseDeadLetters(letters, { reason: 'r2' }, 'remove').dispositions).toEqual(['keep', 'remove', 'keep', 'remove']);
    expect(chooseDeadLetters(letters, { all: true }, 'replay', 3).dispositions).toEqual(['replay', 'replay', 'replay', 'keep']);
  });

  it('keeps every letter when a named event_id is not there', () => {
    expect(chooseDeadLetters(letters, { eventIds: ['a', 'zzz'] }, 'replay')).toEqual({ dispositions: ['keep', 'keep', 'keep', 'keep'], missingEventIds: ['zzz'] });
  });
});

describe('pipeline rates from two scrapes', () => {
  it('divides what was applied by the time between readings, and the lag sum by its count', () => {
    expect(pipelineRates({ atMs: 0, applied: 100, lagSum: 1, lagCount: 100 }, { atMs: 2_000, applied: 300, lagSum: 11, lagCount: 300 })).toEqual({
      appliedPerSecond: 100,
      endToEndLagSeconds: 0.05,
    });
  });

  it('says nothing for a first reading, a restarted consumer, or an interval without events', () => {
    expect(pipelineRates(undefined, { atMs: 1, applied: 1, lagSum: 1, lagCount: 1 })).toEqual({ appliedPerSecond: null, endToEndLagSeconds: null });
    expect(pipelineRates({ atMs: 0, applied: 50, lagSum: 1, lagCount: 50 }, { atMs: 1_000, applied: 3, lagSum: 0.1, lagCount: 3 }).appliedPerSecond).toBeNull();
    expect(pipelineRates({ atMs: 0, applied: 5, lagSum: 1, lagCount: 5 }, { atMs: 1_000, applied: 5, lagSum: 1, lagCount: 5 })).toEqual({
      appliedPerSecond: 0,
      endToEndLagSeconds: null,
    });
  });

  it('sums a metric over its series and ignores longer names that start the same', () => {
    const text = [
      '# HELP order_events_applied_total applied',
      'order_events_applied_total{process="a"} 3',
      'order_events_applied_total{process="b"} 4',
      'order_events_applied_total_extra 100',
      'order_events_end_to_end_lag_seconds_sum 1.5',
    ].join('\n');
    expect(sumOfMetric(text, 'order_events_applied_total')).toBe(7);
    expect(sumOfMetric(text, 'order_events_end_to_end_lag_seconds_sum')).toBe(1.5);
    expect(sumOfMetric(text, 'missing_metric')).toBeUndefined();
  });
});
