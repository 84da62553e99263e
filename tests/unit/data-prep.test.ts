// The studio's data assembly (src/store/data-prep.ts) on real files from ../shared/data and on small bad inputs:
// default columns, automatic stratified split vs a dev file aligned to the training labels, the demo's
// first-run sample, label bars, per-file skipped-row reports, and each refusal as a DataError with its code.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataError, loadDataset, parse, sniff, type ParsedTable } from '../../src/data';
import { sampleDataset } from '../../src/train/subset';
import {
  assembleDataset,
  defaultColumns,
  DEFAULT_SPLIT,
  DEMO_SMALL_SAMPLE,
  DEMO_SMALL_SPLIT,
  devColumns,
  forStudio,
  labelBars,
  rowReports,
  type AssembleInput,
} from '../../src/store/data-prep';

const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

function table(rel: string): ParsedTable {
  const path = DATA + rel;
  if (!existsSync(path)) throw new Error(`${path} is missing: these tests need the benchmark sets in ../shared/data.`);
  const s = sniff(readFileSync(path), rel);
  return parse(s.text, s, rel);
}

function text(t: string, name = 'x.csv'): ParsedTable {
  const s = sniff(t, name);
  return parse(s.text, s, name);
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DataError) return err.code;
    throw err;
  }
  throw new Error('expected a DataError');
}

function input(train: ParsedTable, over: Partial<AssembleInput> = {}): AssembleInput {
  return { name: 'n', train, dev: null, columns: defaultColumns(train), split: DEFAULT_SPLIT, ...over };
}

describe('assembleDataset on ../shared/data', () => {
  it('RTE: a pair task, split 10% stratified and seeded, the same split for the same seed', () => {
    const t = table('rte/dev.tsv');
    expect(defaultColumns(t)).toEqual({ text: 'sentence1', textPair: 'sentence2', label: 'label' });
    const a = assembleDataset(input(t));
    expect(a.pair).toBe(true);
    expect(a.devSource).toBe('split');
    expect(a.train.examples.length + a.dev.examples.length).toBe(277);
    expect(a.dev.examples.length).toBe(28);
    expect(a.train.labels).toEqual(a.dev.labels);
    // stratified: each class's dev share within one example of 10%
    a.dev.counts.forEach((c, k) => expect(Math.abs(c - 0.1 * (c + a.train.counts[k]))).toBeLessThanOrEqual(1));
    const b = assembleDataset(input(t));
    expect(b.dev.examples.map((e) => e.line)).toEqual(a.dev.examples.map((e) => e.line));
    const c = assembleDataset(input(t, { split: { ...DEFAULT_SPLIT, seed: 7 } }));
    expect(c.dev.examples.map((e) => e.line)).not.toEqual(a.dev.examples.map((e) => e.line));
    // a single-text choice on the same file
    const single = assembleDataset(input(t, { columns: { text: 'sentence2', textPair: null, label: 'label' } }));
    expect(single.pair).toBe(false);
    expect(single.train.examples[0].textPair).toBeUndefined();
  });

  it('TREC train + test as a dev file: dev re-indexed to the training labels', () => {
    const train = table('trec/train.txt');
    const dev = table('trec/test.txt');
    const ds = assembleDataset(input(train, { dev: { name: 'test.txt', table: dev }, split: { ...DEFAULT_SPLIT, mode: 'file' } }));
    expect(ds.devSource).toBe('file');
    expect(ds.train.examples.length).toBe(5452);
    expect(ds.dev.examples.length).toBe(500);
    expect(ds.dev.labels).toEqual(ds.train.labels);
    expect(ds.dev.counts.reduce((a, b) => a + b)).toBe(500);
    const k = ds.train.labels.indexOf('5');
    expect(ds.dev.examples.filter((e) => e.label === k).length).toBe(ds.dev.counts[k]);
  });

  it('a dev file whose labels the training set lacks is refused, naming the label and its lines', () => {
    const train = text('text,label\n' + Array.from({ length: 20 }, (_, i) => `sentence number ${i},${i % 2 ? 'pos' : 'neg'}`).join('\n'));
    const dev = text('text,label\nfine,pos\nodd one,maybe\nbad,neg\n', 'dev.csv');
    let err: unknown;
    try {
      assembleDataset(input(train, { dev: { name: 'dev.csv', table: dev }, split: { ...DEFAULT_SPLIT, mode: 'file' } }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).code).toBe('unseen-label');
    expect((err as DataError).message).toMatch(/^Dev file 'dev.csv': .*'maybe' \(1 rows, line 3\)/);
    // "from a file" without a file
    expect(code(() => assembleDataset(input(train, { split: { ...DEFAULT_SPLIT, mode: 'file' } })))).toBe('bad-option');
  });

  it('dev columns: by name, else by position when the counts match, else unknown-column', () => {
    const train = text('sentence,label\nhello there friend,a\nbye for now then,b\n');
    const cols = { text: 'sentence', label: 'label' };
    expect(devColumns(train, text('label,sentence\nb,x y z w\n'), cols, 'd')).toEqual({ text: 'sentence', textPair: null, label: 'label' });
    expect(devColumns(train, text('some words here,a\nmore words there,b\n', 'd.csv'), cols, 'd')).toEqual({ text: 'col1', textPair: null, label: 'col2' });
    expect(() => devColumns(train, text('a,b,c\n1,2,3\n'), cols, 'd.csv')).toThrow(/dev file 'd.csv' has no column 'sentence'/);
  });
});

describe('bad inputs refuse with their codes (and studio wording)', () => {
  it('one class, too many labels, no label column, rows with a missing text', () => {
    const one = text('text,label\n' + Array.from({ length: 10 }, (_, i) => `text ${i},spam`).join('\n'));
    expect(code(() => assembleDataset(input(one)))).toBe('one-class');

    const ids = text('text,label\n' + Array.from({ length: 2000 }, (_, i) => `some text number ${i},id${i}`).join('\n'));
    expect(defaultColumns(ids)).toEqual({ text: '', textPair: null, label: '' });
    expect(code(() => assembleDataset(input(ids)))).toBe('no-label-column');
    let msg = '';
    try {
      assembleDataset(input(ids, { columns: { text: '', textPair: null, label: 'label' } }));
    } catch (e) {
      msg = (e as DataError).code + ': ' + (e as Error).message;
    }
    expect(msg).toMatch(/^too-many-labels: The label column 'label' has 2,000 distinct values/);
    expect(msg).toContain('(the "label" menu)');
    expect(msg).not.toContain('--label');

    const holes = text('text,label\nhello,a\n,b\nworld,b\n  ,a\nagain,a\nmore,b\n');
    const ds = assembleDataset(input(holes, { split: { ...DEFAULT_SPLIT, fraction: 0.25 } }));
    expect(ds.train.skipped.map((s) => s.line)).toEqual([3, 5]);
    const rep = rowReports(ds, { name: 'x.csv', issues: holes.issues }, null);
    expect(rep).toHaveLength(1);
    expect(rep[0].count).toBe(2);
    expect(rep[0].summaries[0].message).toMatch(/2 rows: an empty text, skipped \(lines 3, 5\)/);
  });

  it('a multi-label cell listing a label twice: the row is kept with it once, and the row report says so by line', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `text ${i},${['joy', 'sad', '"joy,sad"'][i % 3]}`).join('\n');
    const t = text(`text,label\n${rows}\nhappy sad day,"joy,sad,joy"\n`);
    const ds = assembleDataset(input(t, { split: { ...DEFAULT_SPLIT, fraction: 0.25 } }));
    expect(ds.train.multiLabel).toBe(true);
    const rep = rowReports(ds, { name: 'x.csv', issues: t.issues }, null);
    expect(rep).toHaveLength(1);
    expect(rep[0].summaries.map((s) => [s.code, s.lines, s.message])).toEqual([
      ['repeated-label', [14], "line 14: the label cell 'joy,sad,joy' lists 'joy' twice: kept once. If the row should carry another label, fix the cell."],
    ]);
  });

  it('forStudio rewrites CLI flags only', () => {
    expect(forStudio('Pick one (--text COLUMN). Or (--text-pair COLUMN).')).toBe('Pick one (the "text" menu). Or (the "second text" menu).');
  });
});

describe('too few rows', () => {
  it('says a file with one data row is too few, before anything about its labels', () => {
    const one = parse('text,label\nonly one row here,spam\n', { format: 'csv', hasHeader: true });
    expect(() => assembleDataset({ name: 'x', train: one, dev: null, columns: { text: 'text', textPair: null, label: 'label' }, split: { mode: 'split', fraction: 0.1, seed: 0 } })).toThrow(
      /The file has only one data row: a classifier needs examples of at least two labels/,
    );
  });
});

describe('demo sample and label bars', () => {
  it('800 of a skewed corpus: stratified, split 600/200, seeded', () => {
    const rows = Array.from({ length: 6046 }, (_, i) => JSON.stringify({ text: `mail ${i}`, label: i < 4150 ? 'ham' : 'spam' })).join('\n');
    const { dataset: full } = loadDataset(rows, 'demo.jsonl');
    const s = sampleDataset(full, DEMO_SMALL_SAMPLE, 0);
    expect(s.examples.length).toBe(800);
    expect(s.counts).toEqual([549, 251]); // 4150/6046 of 800 = 549.1
    const ds = assembleDataset({ name: 'demo', train: parse(rows, { format: 'jsonl' }), dev: null, columns: { text: 'text', textPair: null, label: 'label' }, split: DEMO_SMALL_SPLIT, sample: DEMO_SMALL_SAMPLE });
    expect([ds.train.examples.length, ds.dev.examples.length]).toEqual([600, 200]);
    expect(ds.dev.counts).toEqual([137, 63]);
    const again = assembleDataset({ name: 'demo', train: parse(rows, { format: 'jsonl' }), dev: null, columns: { text: 'text', textPair: null, label: 'label' }, split: DEMO_SMALL_SPLIT, sample: DEMO_SMALL_SAMPLE });
    expect(again.dev.examples.map((e) => e.line)).toEqual(ds.dev.examples.map((e) => e.line));
    expect(labelBars(ds)).toEqual([
      { label: 'ham', train: 412, dev: 137 },
      { label: 'spam', train: 188, dev: 63 },
    ]);
  });

  it('many labels: the top ones, then "N others" with the rest summed', () => {
    const labels = Array.from({ length: 40 }, (_, i) => `L${i}`);
    const counts = labels.map((_, i) => 40 - i);
    const ds = { train: { labels, counts }, dev: { labels, counts: counts.map(() => 1) } } as unknown as Parameters<typeof labelBars>[0];
    const bars = labelBars(ds, 10);
    expect(bars).toHaveLength(10);
    expect(bars[0]).toEqual({ label: 'L0', train: 40, dev: 1 });
    expect(bars[9]).toEqual({ label: '31 others', train: counts.slice(9).reduce((a, b) => a + b), dev: 31 });
  });
});
