// buildDataset / alignDev / splitDataset / seeded randomness: label maps, every coded validation error with
// its line numbers, stratified and deterministic splits.
import { describe, expect, it } from 'vitest';
import {
  alignDev,
  buildDataset,
  DataError,
  datasetWarnings,
  devQuotas,
  guessColumns,
  loadDataset,
  mulberry32,
  parse,
  seededShuffle,
  sniff,
  sortLabels,
  splitDataset,
  summarizeIssues,
  type DataErrorCode,
  type Dataset,
  type ParsedTable,
} from '../../src/data';
import { rng } from '../helpers/rng';

function tableOf(columns: string[], rows: string[][]): ParsedTable {
  return { format: 'csv', columns, rows, lines: rows.map((_, i) => i + 2), issues: [] };
}

function fromText(text: string): ParsedTable {
  const s = sniff(text);
  return parse(s.text, s);
}

function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError, got none');
}

function expectCode(fn: () => unknown, code: DataErrorCode): DataError {
  const e = errorOf(fn);
  expect(e.code).toBe(code);
  return e;
}

/** n examples over labels with the given weights, text `t<i>`. */
function synthetic(counts: Record<string, number>): ParsedTable {
  const rows: string[][] = [];
  for (const [label, n] of Object.entries(counts)) for (let i = 0; i < n; i++) rows.push([`text ${label} ${i}`, label]);
  // Interleave deterministically so classes are not in blocks.
  return tableOf(['text', 'label'], seededShuffle(rows, 7));
}

describe('buildDataset', () => {
  it('maps labels: numbers numerically, names in code-unit order; counts; trims', () => {
    const ds = buildDataset(tableOf(['text', 'label'], [[' a ', '10'], ['b', '2'], ['c', '10'], ['d', '1 ']]));
    expect(ds.labels).toEqual(['1', '2', '10']);
    expect(ds.counts).toEqual([1, 1, 2]);
    expect(ds.examples[0]).toEqual({ text: 'a', label: 2, line: 2 });
    expect(sortLabels(['neg', 'Pos', 'neutral'])).toEqual(['Pos', 'neg', 'neutral']);
    expect(sortLabels(['-1', '1', '0', '0.5'])).toEqual(['-1', '0', '0.5', '1']);
  });

  it('the same label set gets the same indices whatever the row order', () => {
    const a = buildDataset(tableOf(['t', 'l'], [['x', 'b'], ['y', 'a']]));
    const b = buildDataset(tableOf(['t', 'l'], [['x', 'a'], ['y', 'b']]));
    expect(a.labels).toEqual(b.labels);
  });

  it('unknown-column names the column, lists the real ones and suggests a near match', () => {
    const t = tableOf(['Sentence', 'label'], [['a', '1'], ['b', '0']]);
    const e = expectCode(() => buildDataset(t, { textColumn: 'sentence' }), 'unknown-column');
    expect(e.message).toMatch(/The text column 'sentence' is not in the file\. Its columns are 'Sentence', 'label'\. Did you mean 'Sentence'\?/);
    expectCode(() => buildDataset(t, { labelColumn: 'y' }), 'unknown-column');
    expectCode(() => buildDataset(t, { textColumn: 'Sentence', labelColumn: 'label', textPairColumn: 'nope' }), 'unknown-column');
    expectCode(() => buildDataset(t, { textColumn: 'label', labelColumn: 'label' }), 'bad-option');
  });

  it('no-label-column when every column is free text, with a per-column description', () => {
    const rows = Array.from({ length: 60 }, (_, i) => [`sentence number ${i} is here`, `another different text ${i}`]);
    const e = expectCode(() => buildDataset(tableOf(['a', 'b'], rows)), 'no-label-column');
    expect(e.message).toMatch(/'a' \(60 distinct values/);
  });

  it('one-class', () => {
    const e = expectCode(() => buildDataset(tableOf(['text', 'label'], [['a', 'pos'], ['b', 'pos'], ['c', '']]), { textColumn: 'text', labelColumn: 'label' }), 'one-class');
    expect(e.message).toMatch(/Every one of the 2 examples has the label 'pos'/);
    // With guessed columns too (a 'label' column of one value is still the label column).
    expectCode(() => buildDataset(fromText('text,label\na fine film,pos\nfine,pos\n')), 'one-class');
    // One example: no "Every one of the 1 examples".
    const one = expectCode(() => buildDataset(tableOf(['text', 'label'], [['a', 'pos']]), { textColumn: 'text', labelColumn: 'label' }), 'one-class');
    expect(one.message).toMatch(/^The only example has the label 'pos'/);
  });

  it('too-many-labels: more than half the rows distinct, or more than 1,000', () => {
    const rows = Array.from({ length: 100 }, (_, i) => [`text ${i}`, `label ${i % 60}`]);
    const e = expectCode(() => buildDataset(tableOf(['text', 'label'], rows), { textColumn: 'text', labelColumn: 'label' }), 'too-many-labels');
    expect(e.message).toMatch(/60 distinct values in 100 rows.*Is it a text or id column\?/);
    const big = Array.from({ length: 5000 }, (_, i) => [`text ${i}`, `c${i % 1200}`]);
    expectCode(() => buildDataset(tableOf(['text', 'label'], big), { textColumn: 'text', labelColumn: 'label' }), 'too-many-labels');
    // 40% distinct in a small set is fine (TREC-50-like fine labels)
    const ok = Array.from({ length: 100 }, (_, i) => [`text ${i}`, `l${i % 40}`]);
    expect(buildDataset(tableOf(['text', 'label'], ok), { textColumn: 'text', labelColumn: 'label' }).labels.length).toBe(40);
  });

  it('rows with an empty text, second text or label are skipped and reported with their lines', () => {
    const table = fromText('premise\thypothesis\tlabel\nA man runs.\tA person moves.\tyes\n\tSomeone.\tno\nA cat.\t \tno\nA dog.\tAn animal.\t\nTwo.\tThree.\tno\n');
    const ds = buildDataset(table);
    expect(ds.columns).toEqual({ text: 'premise', textPair: 'hypothesis', label: 'label' });
    expect(ds.examples.map((e) => e.line)).toEqual([2, 6]);
    expect(ds.skipped.map((s) => [s.code, s.line])).toEqual([
      ['empty-text', 3],
      ['empty-text', 4],
      ['empty-label', 5],
    ]);
    expect(ds.skipped[1].message).toMatch(/second text column 'hypothesis' is empty/);
    const summary = summarizeIssues(ds.skipped);
    expect(summary[0]).toMatchObject({ code: 'empty-text', count: 2, lines: [3, 4] });
    expect(summary[0].message).toMatch(/2 rows: an empty text, skipped \(lines 3, 4\)/);
  });

  it('summaries cap their line lists', () => {
    const rows = Array.from({ length: 40 }, (_, i) => [i % 2 ? `t${i}` : '', i % 4 < 2 ? 'a' : 'b']);
    const ds = buildDataset(tableOf(['text', 'label'], rows), { textColumn: 'text', labelColumn: 'label' });
    const s = summarizeIssues(ds.skipped)[0];
    expect(s.count).toBe(20);
    expect(s.lines.length).toBe(10);
    expect(s.message).toMatch(/lines 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 and 10 more/);
  });

  it('no-examples when nothing is left, with the reasons', () => {
    const e = expectCode(() => buildDataset(tableOf(['text', 'label'], [['', 'a'], [' ', 'b']]), { textColumn: 'text', labelColumn: 'label' }), 'no-examples');
    expect(e.message).toMatch(/all 2 rows were skipped/);
    expect(e.lines).toEqual([2, 3]);
  });

  it('guessColumns: label by name or fewest distinct values; pairs; an explicit text column means no guessed pair', () => {
    const t = tableOf(
      ['id', 'question', 'sentence', 'label'],
      Array.from({ length: 30 }, (_, i) => [`${i}`, `what is question number ${i}?`, `this is the sentence number ${i}.`, i % 3 ? 'yes' : 'no']),
    );
    expect(guessColumns(t)).toEqual({ text: 'question', textPair: 'sentence', label: 'label' });
    expect(buildDataset(t, { textColumn: 'sentence' }).columns).toEqual({ text: 'sentence', label: 'label' });
    expect(buildDataset(t, { textPairColumn: null }).columns).toEqual({ text: 'question', label: 'label' });
    const noName = tableOf(['c1', 'c2', 'c3'], Array.from({ length: 30 }, (_, i) => [`a rather long text ${i}`, i % 2 ? 'x' : 'y', `k${i % 7}`]));
    expect(guessColumns(noName).label).toBe('c2');
  });
});

describe('datasetWarnings', () => {
  it('labels that differ only in case, spacing or punctuation are named with their counts', () => {
    const { table: t, dataset } = loadDataset('text,label\na,Pos\nb,pos\nc,pos\nd,neg\ne,NEG \nf,not_spam\ng,not-spam\nh,other\n', 'l.csv');
    expect(dataset.labels).toEqual(['NEG', 'Pos', 'neg', 'not-spam', 'not_spam', 'other', 'pos']);
    expect(datasetWarnings(t, dataset)).toEqual([
      "labels 'NEG' (1 row) and 'neg' (1 row); 'Pos' (1 row) and 'pos' (2 rows); 'not-spam' (1 row) and 'not_spam' (1 row) differ only in case, spacing or punctuation, and are trained as separate classes. If they are one class, write them the same way.",
    ]);
  });

  it('parser issues and skipped rows, summarised with their line numbers', () => {
    const { table: t, dataset } = loadDataset('text,label\na,pos\nb,neg\n"open quote,pos\nc,neg\n', 'q.csv', { textColumn: 'text', labelColumn: 'label' });
    expect(t.issues.map((i) => i.code)).toContain('bad-quotes');
    expect(datasetWarnings(t, dataset).join('\n')).toMatch(/^line 4: .*quote/m);
    const ragged = loadDataset('text,label\na,pos\nb,neg,extra\n,pos\nc,neg\n', 'r.csv');
    expect(datasetWarnings(ragged.table, ragged.dataset)).toEqual([
      "line 3 has 3 fields but the header has 2: the extra ('extra') were dropped. A delimiter inside a field? Quote the field.",
      "line 4: the text column 'text' is empty, so the row was skipped. Fill in the text or delete the row.",
    ]);
    expect(datasetWarnings(loadDataset('text,label\na,pos\nb,neg\n').table, loadDataset('text,label\na,pos\nb,neg\n').dataset)).toEqual([]);
  });
});

describe('labelOrder and alignDev', () => {
  const train = buildDataset(tableOf(['text', 'label'], [['a', 'neg'], ['b', 'pos'], ['c', 'neu']]));

  it('alignDev re-indexes dev to the training labels (a dev with one class is fine)', () => {
    const dev = buildDataset(tableOf(['text', 'label'], [['x', 'pos'], ['y', 'neg']]));
    const aligned = alignDev(train, dev);
    expect(aligned.labels).toEqual(['neg', 'neu', 'pos']);
    expect(aligned.examples.map((e) => train.labels[e.label])).toEqual(['pos', 'neg']);
    expect(aligned.counts).toEqual([1, 0, 1]);
    const one = buildDataset(tableOf(['text', 'label'], [['x', 'pos']]), { labelOrder: train.labels });
    expect(one.counts).toEqual([0, 0, 1]);
  });

  it('a dev label unseen in train is unseen-label naming the labels and their lines', () => {
    const dev = buildDataset(tableOf(['text', 'label'], [['x', 'pos'], ['y', 'angry'], ['z', 'happy'], ['w', 'angry']]));
    const e = expectCode(() => alignDev(train, dev), 'unseen-label');
    expect(e.message).toMatch(/'angry' \(2 rows, lines 3, 5\), 'happy' \(1 rows, line 4\)/);
    expect(e.message).toMatch(/The training labels are 'neg', 'neu', 'pos'/);
    expect(e.lines).toEqual([3, 4, 5]);
    const e2 = expectCode(() => buildDataset(tableOf(['text', 'label'], [['x', 'pos'], ['y', 'angry']]), { labelOrder: train.labels }), 'unseen-label');
    expect(e2.lines).toEqual([3]);
  });
});

describe('splitDataset', () => {
  const ds: Dataset = buildDataset(synthetic({ a: 500, b: 300, c: 150, d: 45, e: 5 }));

  it('is stratified: each class within one example of its share, dev size exact', () => {
    const { train, dev } = splitDataset(ds, { devFraction: 0.1, seed: 1 });
    expect(dev.examples.length).toBe(100);
    expect(train.examples.length + dev.examples.length).toBe(1000);
    ds.counts.forEach((n, k) => expect(Math.abs(dev.counts[k] - n * 0.1)).toBeLessThanOrEqual(1));
    expect(dev.counts).toEqual(devQuotas(ds.counts, 0.1));
    // Disjoint, together the whole set, each half in file order.
    const lines = [...train.examples, ...dev.examples].map((e) => e.line).sort((a, b) => a - b);
    expect(lines).toEqual(ds.examples.map((e) => e.line).sort((a, b) => a - b));
    for (const half of [train, dev]) expect(half.examples.map((e) => e.line)).toEqual(half.examples.map((e) => e.line).sort((a, b) => a - b));
    expect(train.labels).toEqual(ds.labels);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = splitDataset(ds, { seed: 42 }).dev.examples.map((e) => e.line);
    const b = splitDataset(ds, { seed: 42 }).dev.examples.map((e) => e.line);
    const c = splitDataset(ds, { seed: 43 }).dev.examples.map((e) => e.line);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('keeps a one-example class in train; refuses bad fractions and too-small sets', () => {
    const tiny = buildDataset(tableOf(['text', 'label'], [['a', 'x'], ['b', 'x'], ['c', 'x'], ['d', 'y']]));
    const { train, dev } = splitDataset(tiny, { devFraction: 0.5, seed: 0 });
    expect(train.counts[1]).toBe(1);
    expect(dev.counts[1]).toBe(0);
    expect(dev.examples.length).toBe(2);
    expectCode(() => splitDataset(tiny, { devFraction: 1 }), 'bad-option');
    expectCode(() => splitDataset(tiny, { devFraction: 0 }), 'bad-option');
    expectCode(() => splitDataset(tiny, { devFraction: NaN }), 'bad-option');
    const e = expectCode(() => splitDataset(tiny, { devFraction: 0.1 }), 'too-few-examples');
    expect(e.message).toMatch(/4 examples are too few to split off a 10% dev set/);
  });
});

describe('seeded randomness', () => {
  it('mulberry32 is the same generator as the tests use; shuffles are seeded permutations', () => {
    const a = mulberry32(123);
    const b = rng(123);
    for (let i = 0; i < 5; i++) expect(a()).toBe(b());
    const items = Array.from({ length: 50 }, (_, i) => i);
    const s1 = seededShuffle(items, 9);
    expect(seededShuffle(items, 9)).toEqual(s1);
    expect(s1).not.toEqual(items);
    expect([...s1].sort((x, y) => x - y)).toEqual(items);
    expect(items[0]).toBe(0); // input untouched
  });
});
