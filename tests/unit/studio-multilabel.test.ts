// The studio's multi-label path without a GPU (issue 13): the Data step's label reading (detected, corrected by
// labelMode / labelSep / labelColumns / labelNames, a dev file read like the training file), the support warnings
// in the studio's words, the run's objective and class weights (src/store/run-task.ts), and the head file's task
// and temperature from dev logits (src/train/head-outcome.ts, shared with the CLI).
import { describe, expect, it } from 'vitest';
import { DataError, parse, sniff, type ParsedTable } from '../../src/data';
import { assembleDataset, DEFAULT_SPLIT, type ColumnChoice } from '../../src/store/data-prep';
import { classWeightsError, runOutcome, taskOptions } from '../../src/store/run-task';
import { devTargets } from '../../src/train/head-outcome';
import type { EncodedExample } from '../../src/encoder/types';
import type { TrainForm } from '../../src/store/train-slice';
import { thresholdsAtTemperature } from '../../src/train/calibration';
import { multiLabelMetrics, sigmoidAll, tuneThresholds } from '../../src/train/multi-label';
import { labelReadingText, supportMessages } from '../../src/ui/data/LabelReading';

function text(t: string, name = 'x.csv'): ParsedTable {
  const s = sniff(t, name);
  return parse(s.text, s, name);
}

const LABELS = ['joy', 'anger', 'fear'];
/** 60 rows: label lists "a|b" (every third row has two labels). */
function barFile(sep = '|'): string {
  const lines = ['text,label'];
  for (let i = 0; i < 60; i++) {
    const a = LABELS[i % 3];
    const cell = i % 3 === 0 ? `${a}${sep}${LABELS[(i + 1) % 3]}` : a;
    lines.push(`text number ${i} about ${a},"${cell}"`);
  }
  return lines.join('\n');
}

const cols = (patch: Partial<ColumnChoice> = {}): ColumnChoice => ({ text: 'text', textPair: null, label: 'label', ...patch });
const assemble = (t: ParsedTable, c: ColumnChoice, dev: ParsedTable | null = null) =>
  assembleDataset({ name: 'x', train: t, dev: dev ? { name: 'dev.csv', table: dev } : null, columns: c, split: dev ? { ...DEFAULT_SPLIT, mode: 'file' } : DEFAULT_SPLIT });

describe('the Data step reads multi-label columns', () => {
  it('detects "a|b" lists, says so, and a correction to one label per row reads each cell whole', () => {
    const ds = assemble(text(barFile()), cols());
    expect(ds.train.multiLabel).toBe(true);
    expect(ds.train.labelSep).toBe('|');
    expect(ds.train.labels).toEqual(['anger', 'fear', 'joy']);
    expect(labelReadingText(ds)).toMatch(/several labels per row: lists separated by "\|"; \d+ of \d+ training rows have more than one/);
    const single = assemble(text(barFile()), cols({ labelMode: 'single' }));
    expect(single.train.multiLabel).toBeFalsy();
    expect(single.train.labels).toContain('joy|anger');
    expect(labelReadingText(single)).toBe('one label per row');
  });

  it('the separator can be chosen by hand, and a dev file is read with the training file’s separator', () => {
    const c = cols({ labelMode: 'multi', labelSep: ';' });
    const ds = assemble(text(barFile(';')), c, text(barFile(';').split('\n').slice(0, 20).join('\n')));
    expect(ds.train.multiLabel && ds.dev.multiLabel).toBe(true);
    expect(ds.dev.labelSep).toBe(';');
    expect(ds.dev.labels).toEqual(ds.train.labels);
    expect(ds.dev.examples[0].labels).toEqual([ds.train.labels.indexOf('joy'), ds.train.labels.indexOf('anger')].sort((a, b) => a - b));
  });

  it('reads one 0/1 column per label, and ids named by a label list', () => {
    const rows = ['text,joy,anger,fear'];
    for (let i = 0; i < 40; i++) rows.push(`t${i},${i % 2},${i % 3 === 0 ? 1 : 0},${i % 2 ? 0 : 1}`);
    const ds = assemble(text(rows.join('\n')), cols({ label: '', labelColumns: ['joy', 'anger', 'fear'] }));
    expect(ds.train.multiLabel).toBe(true);
    expect(ds.train.labelColumns).toEqual(['joy', 'anger', 'fear']);
    expect(labelReadingText(ds)).toMatch(/one 0\/1 column per label \(3 columns\)/);
    const ids = ['text\tlabel', ...Array.from({ length: 40 }, (_, i) => `t${i}\t${i % 3 === 0 ? '0,2' : String(i % 3)}`)].join('\n');
    const named = assemble(text(ids, 'g.tsv'), cols({ labelMode: 'multi', labelSep: ',', labelNames: ['anger', 'fear', 'joy'] }));
    expect(named.train.labels).toEqual(['anger', 'fear', 'joy']);
    // An id the name list does not name: a specific error, the dataset in use stays (assembleDataset throws).
    let err: unknown = null;
    try {
      assemble(text(ids, 'g.tsv'), cols({ labelMode: 'multi', labelSep: ',', labelNames: ['anger', 'fear'] }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).code).toBe('unknown-label');
    expect((err as DataError).message).toMatch(/2/);
  });

  it('warns in the studio’s words when a label has too few examples', () => {
    const rows = ['text,label', ...Array.from({ length: 60 }, (_, i) => `t${i},${i < 4 ? 'rare' : i % 2 ? 'a' : 'b'}`)];
    const ds = assemble(text(rows.join('\n')), cols());
    const msgs = supportMessages(ds);
    expect(msgs.join(' ')).toMatch(/'rare' \(\d\)/);
    expect(msgs.join(' ')).not.toMatch(/--class-weights/);
    expect(msgs.join(' ')).toMatch(/class weights "auto" in the Train step/);
  });
});

const form = (classWeights?: string) => ({ classWeights }) as unknown as TrainForm;

describe('a studio run’s task options and head outcome', () => {
  it('multi-label data trains the multi-label objective; class weights "auto" or by hand; bad specs are said', () => {
    const ds = assemble(text(barFile()), cols());
    expect(taskOptions(ds, form())).toEqual({ objective: 'multilabel', classWeights: null });
    const auto = taskOptions(ds, form('auto')).classWeights!;
    expect(auto.positive).toHaveLength(3);
    expect(auto.negative).toHaveLength(3);
    // joy and fear are on in a third of the rows (positives weigh more), anger in two thirds (negatives weigh more).
    const k = (l: string) => ds.train.labels.indexOf(l);
    for (const l of ['joy', 'fear']) expect(auto.positive[k(l)]).toBeGreaterThan(auto.negative[k(l)]);
    expect(auto.positive[k('anger')]).toBeLessThan(auto.negative[k('anger')]);
    const single = assemble(text(barFile()), cols({ labelMode: 'single' }));
    expect(taskOptions(single, form('')).objective).toBeUndefined();
    expect(taskOptions(single, form('fear=2')).classWeights!.positive[single.train.labels.indexOf('fear')]).toBe(2);
    expect(classWeightsError('auto', ds.train.labels)).toBeNull();
    expect(classWeightsError('nosuch=2', ds.train.labels)).toMatch(/^Class weights: .*nosuch/);
    expect(classWeightsError('joy=-1', ds.train.labels)).toMatch(/^Class weights: /);
  });

  it('the head outcome: thresholds tuned on dev moved to the fitted temperature (same decisions), T > 0', () => {
    const L = 3;
    const n = 90;
    const dev = Array.from({ length: n }, (_, i) => ({ features: null as unknown as EncodedExample, label: i % L, labels: i % 4 === 0 ? [i % L, (i + 1) % L].sort() : [i % L] }));
    // Over-confident logits that mostly agree with the labels (a deterministic pattern).
    const logits = new Float32Array(n * L);
    dev.forEach((x, i) => {
      for (let k = 0; k < L; k++) logits[i * L + k] = (x.labels.includes(k) ? 6 : -6) * (i % 7 === 0 ? -1 : 1) + ((i * 31 + k * 17) % 10) / 5;
    });
    const sets = devTargets(dev, true) as number[][];
    const probs = sigmoidAll(logits);
    const tuned = tuneThresholds(probs, sets, L);
    const metrics = multiLabelMetrics(probs, sets, L, tuned);
    const out = runOutcome({ loss: 1, metrics, logits }, dev, L, true);
    expect(out.task?.multiLabel).toBe(true);
    const T = out.calibration!.temperature;
    expect(T).toBeGreaterThan(1); // over-confident: a temperature above 1 softens it
    expect(out.task!.thresholds).toEqual(thresholdsAtTemperature(tuned, T).map((t) => Math.min(0.999999, Math.max(1e-6, t))));
    // The same decisions at the calibrated probabilities and the stored thresholds.
    const calibrated = sigmoidAll(logits, T);
    for (let i = 0; i < n * L; i++) expect(probs[i] >= tuned[i % L]).toBe(calibrated[i] >= out.task!.thresholds![i % L]);
    expect(out.extraMetrics.microF1).toBeCloseTo(metrics.multiLabel!.microF1);
    const softmax = runOutcome({ loss: 1, metrics: { ...metrics, multiLabel: undefined }, logits }, dev, L, false);
    expect(softmax.task).toBeUndefined();
    expect(softmax.calibration!.temperature).toBeGreaterThan(0);
    expect(runOutcome({ loss: Number.NaN, metrics, logits }, dev, L, true).calibration).toBeUndefined();
  });
});
