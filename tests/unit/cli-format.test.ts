// The labeltune command's pure pieces: text tables (per-class, confusion, comparison), progress lines and the
// TTY gate, run file names, list flags, the predictions CSV and column detection, softmax and cross-entropy.
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { listFlag, numFlag, UsageError } from '../../src/cli/args';
import { clipLine, comparisonTable, confusionTable, metricsReport, perClassTable, printable, textTable } from '../../src/cli/format';
import { meanCrossEntropy, softmaxRows } from '../../src/train/inference';
import { predictColumns } from '../../src/cli/predict-cmd';
import { predictionsCsv } from '../../src/train/prediction-csv';
import { encodeBar, encodeProgress, formatDuration, LiveLine, trainLine, trainProgress } from '../../src/cli/progress';
import { runOutPath } from '../../src/cli/train-cmd';
import { loadDataset } from '../../src/data';
import { classificationMetrics } from '../../src/train/metrics';

describe('printable', () => {
  it('escapes control characters (C0, DEL, C1), bidi controls and line breaks; keeps tabs-free text and Unicode', () => {
    expect(printable('caf\u00e9 \u{1f600} ok')).toBe('caf\u00e9 \u{1f600} ok');
    expect(printable('a\x1b[31mred\x07\x7f\x9b\u202e\u2066\r\n\tb')).toBe('a\\x1b[31mred\\x07\\x7f\\x9b\\u202e\\u2066\\r\\n\\tb');
  });

  it('tables print label names from a file escaped, so a label cannot redraw the terminal', () => {
    const m = classificationMetrics([0, 1], [0, 1], 2);
    const lines = [...perClassTable(['\x1b[2Jevil', 'ok'], m), ...confusionTable(['\x1b[2Jevil', 'ok'], m)];
    for (const l of lines) expect(l).not.toMatch(/\x1b/);
    expect(lines[2]).toMatch(/^\\x1b\[2Jevil/);
  });
});

describe('bounded output', () => {
  it('a head with thousands of labels prints a bounded report: per-class rows capped, the top confusions instead of the matrix', () => {
    const L = 1200;
    const labels = Array.from({ length: L }, (_, k) => `label-${k}`);
    const targets = Array.from({ length: 2 * L }, (_, i) => i % L);
    const preds = targets.map((t, i) => (i % 7 === 0 ? (t + 1) % L : t));
    const m = classificationMetrics(preds, targets, L);
    const report = metricsReport(labels, m);
    const text = report.join('\n');
    expect(text.length).toBeLessThan(20_000);
    expect(text).toMatch(/and 1,150 more labels \(--json lists every one\)/);
    expect(text).toMatch(/confusion matrix of 1,200 labels not shown; the 20 most frequent confusions:/);
    expect(text).toMatch(/label-0\s+label-1\s+1/); // i = 0: true 0 predicted 1 (each confusion happens once)
    // A small head still gets the full matrix.
    expect(metricsReport(['a', 'b'], classificationMetrics([0, 1], [0, 1], 2)).join('\n')).toMatch(/true \\ predicted/);
  });

  it('clipLine bounds one error line', () => {
    expect(clipLine('x'.repeat(50))).toBe('x'.repeat(50));
    const long = clipLine('y'.repeat(1_700_000));
    expect(long.length).toBeLessThan(1100);
    expect(long).toMatch(/… \(1,699,000 more characters\)$/);
  });
});

describe('tables', () => {
  it('pads columns to the widest cell, right-aligning numbers', () => {
    expect(textTable(['name', 'n'], [['a', '1'], ['long', '100']], [false, true])).toEqual(['name    n', '----  ---', 'a       1', 'long  100']);
  });

  it('per-class metrics and the confusion matrix (rows true, columns predicted)', () => {
    // targets 0 0 1 1 2, predictions 0 1 1 1 0
    const m = classificationMetrics([0, 1, 1, 1, 0], [0, 0, 1, 1, 2], 3);
    expect(perClassTable(['a', 'b', 'c'], m)).toEqual([
      'label  precision  recall     F1  support',
      '-----  ---------  ------  -----  -------',
      'a          50.00   50.00  50.00        2',
      'b          66.67  100.00  80.00        2',
      'c           0.00    0.00   0.00        1',
    ]);
    expect(confusionTable(['a', 'b', 'c'], m)).toEqual(['true \\ predicted  a  b  c', '----------------  -  -  -', 'a                 1  1  0', 'b                 0  2  0', 'c                 1  0  0']);
    expect(metricsReport(['a', 'b', 'c'], m)[0]).toBe('accuracy 60.00%  macro-F1 43.33  (5 examples, 3 labels)');
  });

  it('the comparison marks the best accuracy per label column', () => {
    const run = (task: string, head: string, accuracy: number) => ({ task, head, accuracy, macroF1: accuracy, loss: 0.5, bestEpoch: 2, trainSeconds: 1.234, out: null });
    const one = comparisonTable([run('', 'ytuning', 0.8), run('', 'linear', 0.9)]);
    expect(one[0]).toMatch(/^head\s+dev acc %\s+macro-F1\s+dev loss\s+best epoch\s+train s$/);
    expect(comparisonTable([{ ...run('', 'linear', 0.9), out: 'h.linear.safetensors' }])[2]).toMatch(/  1\.23  h\.linear\.safetensors$/);
    expect(one[2]).toMatch(/^ytuning\s+80\.00  /);
    expect(one[3]).toMatch(/^linear\s+90\.00 \*/);
    const two = comparisonTable([run('topic', 'linear', 0.7), run('mood', 'linear', 0.6), run('mood', 'label', 0.5)]);
    expect(two[0]).toMatch(/^label column\s+head/);
    expect(two.filter((l) => l.includes(' *'))).toHaveLength(2);
    expect(two.at(-1)).toBe('(* best dev accuracy per label column)');
  });
});

describe('progress', () => {
  const p = { done: 600, total: 1000, textsPerSecond: 312.4, etaSeconds: 75, cached: 200 };

  it('formats the encode bar and the training line', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('?');
    expect(encodeBar('encode', p, 10)).toBe('encode [######....] 600/1000  312 texts/s  ETA 1:15  (200 cached)');
    expect(encodeBar('encode', { ...p, done: 1000 }, 10)).toMatch(/\[##########\] 1000\/1000 .* done/);
    const step = { step: 40, epoch: 1, loss: 0.41321, lr: 1e-3, examplesPerSecond: 1534.2 };
    const dev = { step: 40, epoch: 1, loss: 0.39, metrics: classificationMetrics([0, 1], [0, 0], 2) };
    expect(trainLine('ytuning', 10, step, null)).toBe('[ytuning] epoch 2/10 step 40  loss 0.4132  1534 ex/s');
    expect(trainLine('', 10, step, dev)).toBe('epoch 2/10 step 40  loss 0.4132  dev loss 0.3900 acc 50.00% macro-F1 33.33  1534 ex/s');
  });

  it('draws only on a TTY and never when quiet (--json)', () => {
    const fake = (isTTY: boolean) => {
      const written: string[] = [];
      return { stream: { isTTY, columns: 80, write: (s: string) => written.push(s) }, written };
    };
    for (const [isTTY, quiet] of [[false, false], [true, true]] as const) {
      const f = fake(isTTY);
      encodeProgress('encode', quiet, f.stream)(p);
      const t = trainProgress('linear', 3, quiet, f.stream);
      t.onStep({ step: 10, epoch: 0, loss: 1, lr: 1, examplesPerSecond: 1 });
      expect(t.active).toBe(false);
      expect(f.written).toEqual([]);
    }
    const f = fake(true);
    const draw = encodeProgress('encode', false, f.stream);
    draw(p);
    draw({ ...p, done: 1000 });
    expect(f.written).toHaveLength(3);
    expect(f.written[0]).toMatch(/^\rencode \[.*\] 600\/1000/);
    expect(f.written[0]).toHaveLength(80); // \r + the line padded to columns - 1
    expect(f.written[2]).toBe('\n');
    const line = new LiveLine({ isTTY: true, columns: 30, write: (s: string) => f.written.push(s) }, false);
    line.draw('x'.repeat(100));
    expect(f.written.at(-1)).toBe(`\r${'x'.repeat(29)}`);
  });
});

describe('flags and file names', () => {
  it('one file per run next to --out', () => {
    expect(runOutPath('h.safetensors', [])).toBe('h.safetensors');
    expect(runOutPath('dir/h.safetensors', ['ytuning'])).toBe('dir/h.ytuning.safetensors');
    expect(runOutPath('h', ['topic', 'linear'])).toBe('h.topic.linear.safetensors');
    expect(runOutPath('h.safetensors', ['gold label/2'])).toBe('h.gold_label_2.safetensors');
  });

  it('lists and numbers', () => {
    expect(listFlag('head', 'ytuning, linear')).toEqual(['ytuning', 'linear']);
    expect(() => listFlag('head', 'a,,b')).toThrow(UsageError);
    expect(() => listFlag('label', 'a,a')).toThrow(/--label lists "a" twice/);
    expect(numFlag('lr', '0.01', false)).toBe(0.01);
    expect(() => numFlag('epochs', '', true)).toThrow(/--epochs must be a non-negative integer/);
    expect(() => numFlag('epochs', '1.5', true)).toThrow(UsageError);
  });
});

describe('predict', () => {
  const head = { path: 'h.safetensors', bytes: new Uint8Array(), kind: 'linear', encoderName: 'x', labels: ['neg', 'pos'], pair: 'none' };
  const table = (text: string) => loadDataset(text, 'f.csv', {}).table;

  it('writes RFC 4180 CSV with a p_<label> column per label and correct when gold labels exist', () => {
    const probs = Float64Array.from([0.9, 0.1, 0.2, 0.8]);
    const csv = predictionsCsv({ text: 'review', textPair: null, label: 'gold' }, [{ text: 'a "quoted", text', gold: 'neg' }, { text: 'two\nlines', gold: 'neg' }], ['neg', 'pos'], probs);
    expect(csv.split('\n')[0]).toBe('review,gold,predicted,p_neg,p_pos,correct');
    const parsed = Papa.parse<string[]>(csv.trimEnd());
    expect(parsed.data).toEqual([
      ['review', 'gold', 'predicted', 'p_neg', 'p_pos', 'correct'],
      ['a "quoted", text', 'neg', 'neg', '0.900000', '0.100000', 'true'],
      ['two\nlines', 'neg', 'pos', '0.200000', '0.800000', 'false'],
    ]);
    const noGold = predictionsCsv({ text: 't', textPair: 'u', label: null }, [{ text: 'a', textPair: 'b' }], ['neg', 'pos'], Float64Array.from([0.4, 0.6]));
    expect(noGold).toBe('t,u,predicted,p_neg,p_pos\na,b,pos,0.400000,0.600000\n');
  });

  it('escapes formula cells (texts, label names from the head, column names) so a spreadsheet shows them as text', () => {
    const csv = predictionsCsv({ text: '=cmd|" /C calc"!A0', textPair: null, label: '@gold' }, [{ text: '=HYPERLINK("http://evil","x")', gold: '+pos' }], ['-neg', '+pos'], Float64Array.from([0.2, 0.8]));
    expect(Papa.parse<string[]>(csv.trimEnd()).data).toEqual([
      ["'=cmd|\" /C calc\"!A0", "'@gold", 'predicted', 'p_-neg', 'p_+pos', 'correct'],
      ["'=HYPERLINK(\"http://evil\",\"x\")", "'+pos", "'+pos", '0.200000', '0.800000', 'true'],
    ]);
  });

  it('detects a label column only when every value is one of the head labels', () => {
    const t = table('id,review,mood\n1,a long enough review text,pos\n2,another long review text,neg\n3,a third long review text,\n');
    expect(predictColumns(t, head, {})).toEqual({ text: 1, textPair: null, label: 2 });
    const other = table('id,review,mood\n1,a long enough review text,happy\n2,another long review text,neg\n');
    expect(predictColumns(other, head, {})).toEqual({ text: 1, textPair: null, label: null });
    expect(predictColumns(other, head, { text: 'review', label: 'mood' })).toEqual({ text: 1, textPair: null, label: 2 });
    expect(() => predictColumns(other, head, { text: 'body' })).toThrow(/The text column 'body' is not in the file/);
    expect(() => predictColumns(other, { ...head, pair: 'side-by-side' }, { text: 'review' })).toThrow(/trained on text pairs/);
  });
});

describe('softmax and cross-entropy', () => {
  it('match a direct computation and are stable for large logits', () => {
    const p = softmaxRows([1000, 1001, 0, 0], 2);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.E), 12);
    expect(p[2]).toBe(0.5);
    expect(meanCrossEntropy([0, 0, 2, 0], [1, 0], 2)).toBeCloseTo((Math.log(2) + Math.log(1 + Math.exp(-2))) / 2, 12);
  });
});
