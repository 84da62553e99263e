// The run-history type guard: a valid record passes, and every way a stored record can be old or broken is named.
import { describe, expect, it } from 'vitest';
import { asRunRecord, runRecordProblem, sortNewestFirst } from '../../src/store/run-record-guard';
import type { RunRecord } from '../../src/store/run-record';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/train/trainer';

const metrics = { n: 4, accuracy: 0.75, macroF1: 0.73, perClass: [{ precision: 1, recall: 0.5, f1: 0.67, support: 2 }, { precision: 0.67, recall: 1, f1: 0.8, support: 2 }], confusion: [[1, 1], [0, 2]] };

function sampleRun(over: Partial<RunRecord> = {}): RunRecord {
  return {
    version: 1,
    id: 'run-1',
    createdAt: '2025-01-02T03:04:05.000Z',
    dataset: { name: 'demo', train: 10, dev: 4, pair: false },
    encoder: { name: 'use-lite', hash: 'abc' },
    head: 'linear',
    labels: ['ham', 'spam'],
    labelTexts: ['ham', 'spam'],
    options: DEFAULT_TRAIN_OPTIONS,
    steps: [{ step: 1, epoch: 0, loss: 0.7, lr: 0.01, examplesPerSecond: 100 }],
    evals: [{ step: 1, epoch: 0, loss: 0.6, metrics }],
    best: metrics,
    stoppedBy: 'epochs',
    message: 'done',
    timings: { encode: 1, train: 2 },
    ...over,
  };
}

describe('runRecordProblem', () => {
  it('accepts a valid record (and a diverged one with a NaN loss, and one never evaluated)', () => {
    expect(runRecordProblem(sampleRun())).toBeNull();
    expect(runRecordProblem(sampleRun({ steps: [{ step: 1, epoch: 0, loss: NaN, lr: 0.01, examplesPerSecond: 1 }], stoppedBy: 'diverged' }))).toBeNull();
    expect(runRecordProblem(sampleRun({ evals: [], best: null, stoppedBy: 'running' }))).toBeNull();
    expect(asRunRecord(sampleRun()).id).toBe('run-1');
  });

  it('names what is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ ...sampleRun(), version: 0 }, /version 0/],
      [{ ...sampleRun(), id: '' }, /no id/],
      [{ ...sampleRun(), createdAt: 'yesterday' }, /createdAt/],
      [{ ...sampleRun(), dataset: { name: 'x' } }, /dataset/],
      [{ ...sampleRun(), encoder: 'use' }, /encoder/],
      [{ ...sampleRun(), head: 'mlp' }, /unknown head kind "mlp"/],
      [{ ...sampleRun(), labelTexts: ['a'] }, /labelTexts is not 2 strings/],
      [{ ...sampleRun(), steps: [{ step: 'x' }] }, /steps\[0\]/],
      [{ ...sampleRun(), evals: [{ step: 1, epoch: 0, loss: 1, metrics: { ...metrics, confusion: [[1]] } }] }, /evals\[0\]\.metrics\.confusion/],
      [{ ...sampleRun(), best: { ...metrics, perClass: [] } }, /best\.perClass/],
      [{ ...sampleRun(), stoppedBy: 'tired' }, /stop reason/],
      [{ ...sampleRun(), timings: {} }, /timings/],
    ];
    for (const [x, re] of cases) expect(runRecordProblem(x)).toMatch(re);
    expect(() => asRunRecord({ ...sampleRun({ id: 'r9' }), head: 'mlp' })).toThrow(/run record "r9": unknown head kind/);
  });
});

describe('sortNewestFirst', () => {
  it('orders by createdAt descending, ties by id', () => {
    const a = sampleRun({ id: 'a', createdAt: '2025-01-01T00:00:00Z' });
    const b = sampleRun({ id: 'b', createdAt: '2025-03-01T00:00:00Z' });
    const c = sampleRun({ id: 'c', createdAt: '2025-03-01T00:00:00Z' });
    expect(sortNewestFirst([a, b, c]).map((r) => r.id)).toEqual(['c', 'b', 'a']);
  });
});
