// The Results step for a multi-label run renders (server-side) its headline metrics, a per-label row per label
// with support and threshold, and the calibration card over sigmoid probabilities; the Data step's LabelReading
// shows the detected reading of a multi-label dataset.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { parse, sniff } from '../../src/data';
import { assembleDataset, DEFAULT_SPLIT } from '../../src/store/data-prep';
import { calibrate } from '../../src/train/calibration';
import { multiLabelMetrics, sigmoidAll } from '../../src/train/multi-label';
import { LabelReading } from '../../src/ui/data/LabelReading';
import { MultiLabelResults } from '../../src/ui/train/MultiLabelResults';

describe('MultiLabelResults', () => {
  it('shows micro/macro F1, subset accuracy, Hamming loss, per-label support and thresholds, and sigmoid calibration', () => {
    const logits = [3, -2, -1, 2, 2, 2, -3, -1, 1, 0.5, -0.5, 4];
    const targetSets = [[0], [1, 2], [2], [0, 2]];
    const metrics = multiLabelMetrics(sigmoidAll(logits), targetSets, 3, [0.5, 0.4, 0.6]);
    const html = renderToStaticMarkup(createElement(MultiLabelResults, { labels: ['a', 'b', 'c'], metrics, logits, targetSets }));
    expect(html).toContain('data-testid="result-micro-f1"');
    expect(html).toContain(`data-testid="result-hamming-loss">${metrics.multiLabel!.hammingLoss.toFixed(4)}<`);
    expect(html.match(/<tr data-label=/g)).toHaveLength(3);
    expect(html).toContain('<td>0.40</td>'); // b's threshold
    const cal = calibrate(logits, targetSets, 3, 'sigmoid');
    expect(html).toContain(`data-testid="calibration-temperature">${cal.temperature.toFixed(3)}<`);
  });
});

describe('LabelReading', () => {
  it('says how the labels are read and offers the separator', () => {
    const text = ['text,label', ...Array.from({ length: 30 }, (_, i) => `t${i},"${i % 3 === 0 ? 'x;y' : i % 2 ? 'x' : 'y'}"`)].join('\n');
    const s = sniff(text, 'a.csv');
    const table = parse(s.text, s, 'a.csv');
    const choice = { text: 'text', textPair: null, label: 'label' };
    const ds = assembleDataset({ name: 'a', train: table, dev: null, columns: choice, split: DEFAULT_SPLIT });
    const html = renderToStaticMarkup(createElement(LabelReading, { columns: table.columns, choice, dataset: ds }));
    expect(html).toContain('data-multi="true"');
    expect(html).toContain('data-sep=";"');
    expect(html).toContain('data-testid="label-sep"');
    expect(html).toMatch(/lists separated by &quot;;&quot;/);
  });
});
