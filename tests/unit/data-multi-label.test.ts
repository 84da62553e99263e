// Multi-label label cells (src/data/multi-label.ts through buildDataset): detection of JSON arrays and delimited
// lists, one 0/1 column per label, label-name lists, and every bad input with its lines.
import { describe, expect, it } from 'vitest';
import { alignDev, buildDataset, DataError, detectLabelSep, parseLabelNames, splitDataset, splitLabelCell, type ParsedTable } from '../../src/data';

function tableOf(columns: string[], rows: string[][]): ParsedTable {
  return { format: 'csv', columns, rows, lines: rows.map((_, i) => i + 2), issues: [] };
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof DataError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

const texts = ['a fine day', 'so sad today', 'what a shock', 'angry and sad', 'just fine', 'scared stiff'];

describe('detectLabelSep', () => {
  it('finds JSON arrays and delimited lists, and leaves single labels and free text alone', () => {
    expect(detectLabelSep(['["joy"]', '["joy","sad"]', 'sad'])).toBe('json');
    expect(detectLabelSep(['joy', 'sad', 'joy|sad', 'fear'])).toBe('|');
    expect(detectLabelSep(['3', '4', '3,4', '0'])).toBe(',');
    expect(detectLabelSep(['joy', 'sad', 'fear'])).toBeNull();
    expect(detectLabelSep(['World', 'Sci/Tech', 'Sports'])).toBeNull();
    // pieces that never stand alone: prose with commas, not a label list
    expect(detectLabelSep(['well, yes', 'no, never', 'maybe'])).toBeNull();
  });

  it('splits cells, trimming and dropping empty pieces and repeats', () => {
    expect(splitLabelCell(' a , b,,a ', ',')).toEqual(['a', 'b']);
    expect(splitLabelCell('["x", 2]', 'json')).toEqual(['x', '2']);
    expect(splitLabelCell('plain', 'json')).toEqual(['plain']);
  });
});

describe('buildDataset with several labels per row', () => {
  it('detects a delimited column, counts rows per label and keeps every label', () => {
    const ds = buildDataset(tableOf(['text', 'label'], texts.map((t, i) => [t, ['joy', 'sad', 'surprise', 'anger;sad', 'joy', 'fear'][i]])));
    expect(ds.multiLabel).toBe(true);
    expect(ds.labelSep).toBe(';');
    expect(ds.labels).toEqual(['anger', 'fear', 'joy', 'sad', 'surprise']);
    expect(ds.counts).toEqual([1, 1, 2, 2, 1]);
    expect(ds.examples[3].labels).toEqual([0, 3]);
  });

  it('names label ids through a label-name list and refuses ids it does not name', () => {
    const names = ['anger', 'joy', 'sad'];
    const ds = buildDataset(tableOf(['text', 'label'], [['x', '0'], ['y', '1,2'], ['z', '2']]), { labelNames: names });
    expect(ds.labels).toEqual(names);
    expect(ds.examples[1].labels).toEqual([1, 2]);
    expect(code(() => buildDataset(tableOf(['text', 'label'], [['x', '0'], ['y', '1,7'], ['z', '2']]), { labelNames: names }))).toMatch(/^unknown-label: .*'7' \(1 rows, line 3\)/);
  });

  it('--multi-label forces it (default delimiter ","); false forbids it', () => {
    const t = tableOf(['text', 'label'], [['x', 'a'], ['y', 'b'], ['z', 'c']]);
    expect(buildDataset(t, { multiLabel: true }).multiLabel).toBe(true);
    const cells = tableOf(['text', 'label'], [['x', 'a'], ['y', 'b'], ['z', 'a,b']]);
    expect(buildDataset(cells, { multiLabel: false }).labels).toEqual(['a', 'a,b', 'b']);
  });

  it('reads one 0/1 column per label and skips rows with no label, by line', () => {
    const t = tableOf(['text', 'joy', 'sad'], [['x', '1', '0'], ['y', '1', '1'], ['z', '0', '0'], ['w', '0', '1']]);
    const ds = buildDataset(t, { textColumn: 'text', labelColumns: ['joy', 'sad'] });
    expect(ds.labels).toEqual(['joy', 'sad']);
    expect(ds.examples.map((e) => e.labels)).toEqual([[0], [0, 1], [1]]);
    expect(ds.skipped).toHaveLength(1);
    expect(ds.skipped[0].line).toBe(4);
    expect(ds.skipped[0].message).toMatch(/every label column \('joy', 'sad'\) is 0/);
    expect(code(() => buildDataset(tableOf(['text', 'joy', 'sad'], [['x', 'yes', '0'], ['y', '1', '0']]), { textColumn: 'text', labelColumns: ['joy', 'sad'] }))).toMatch(/'yes' in column 'joy' \(line 2\)/);
  });

  it('skips a row whose label list is empty and keeps the rest', () => {
    const ds = buildDataset(tableOf(['text', 'label'], [['x', '["a"]'], ['y', '[]'], ['z', '["a","b"]'], ['w', '["b"]']]));
    expect(ds.examples).toHaveLength(3);
    expect(ds.skipped.map((s) => s.line)).toEqual([3]);
    expect(ds.skipped[0].message).toMatch(/lists no label/);
  });

  it('a label listed twice in a cell is kept once, with a row note naming the line, the cell and the label', () => {
    const rows = [
      ['a fine day', 'joy,joy'],
      ['so sad today', 'sadness'],
      ['what a shock', 'surprise,joy'],
      ['angry and sad', 'anger,sadness,anger'],
      ['just fine', 'joy'],
      ['scared stiff', 'fear, fear ,sadness,fear'],
    ];
    const ds = buildDataset(tableOf(['text', 'label'], rows), { multiLabel: true, labelSep: ',' });
    expect(ds.examples.map((e) => e.labels!.map((k) => ds.labels[k]))).toEqual([['joy'], ['sadness'], ['joy', 'surprise'], ['anger', 'sadness'], ['joy'], ['fear', 'sadness']]);
    expect(ds.skipped.map((i) => [i.code, i.line, i.message])).toEqual([
      ['repeated-label', 2, "line 2: the label cell 'joy,joy' lists 'joy' twice: kept once. If the row should carry another label, fix the cell."],
      ['repeated-label', 5, "line 5: the label cell 'anger,sadness,anger' lists 'anger' twice: kept once. If the row should carry another label, fix the cell."],
      ['repeated-label', 7, "line 7: the label cell 'fear, fear ,sadness,fear' lists 'fear' 3 times: kept once. If the row should carry another label, fix the cell."],
    ]);
    const json = buildDataset(tableOf(['text', 'label'], [['a', '["x","y","x"]'], ['b', '["y"]'], ['c', '["x"]']]));
    expect(json.labelSep).toBe('json');
    expect(json.skipped.map((i) => i.message)).toEqual([`line 2: the label cell '["x","y","x"]' lists 'x' twice: kept once. If the row should carry another label, fix the cell.`]);
    // an id and the name it stands for are the same label too (a label-name list)
    const named = buildDataset(tableOf(['text', 'label'], [['a', '0,joy'], ['b', '1'], ['c', '0,1']]), { multiLabel: true, labelNames: ['joy', 'sad'] });
    expect(named.examples[0].labels).toEqual([0]);
    expect(named.skipped.map((i) => i.message)).toEqual(["line 2: the label cell '0,joy' lists 'joy' twice: kept once. If the row should carry another label, fix the cell."]);
  });

  it('aligns a dev set label by label, and refuses a single-label dev for multi-label training', () => {
    const train = buildDataset(tableOf(['text', 'label'], [['x', 'a'], ['y', 'b|c'], ['z', 'c']]));
    const dev = alignDev(train, buildDataset(tableOf(['text', 'label'], [['u', 'c|a'], ['v', 'b']]), { labelSep: '|' }));
    expect(dev.examples.map((e) => e.labels)).toEqual([[0, 2], [1]]);
    expect(dev.counts).toEqual([1, 1, 1]);
    expect(code(() => alignDev(train, buildDataset(tableOf(['text', 'label'], [['u', 'c|d']]), { labelSep: '|' })))).toMatch(/^unseen-label: .*'d'/);
    expect(code(() => alignDev(train, buildDataset(tableOf(['text', 'label'], [['u', 'c'], ['v', 'a']]))))).toMatch(/multi-label.*single-label/);
  });

  it('splits stratified on the first label and keeps the multi-label flag', () => {
    const rows = Array.from({ length: 40 }, (_, i) => [`t${i}`, i % 4 === 0 ? 'a,b' : i % 2 ? 'a' : 'b']);
    const { train, dev } = splitDataset(buildDataset(tableOf(['text', 'label'], rows)), { devFraction: 0.25, seed: 1 });
    expect(train.multiLabel && dev.multiLabel).toBe(true);
    expect(train.examples.length + dev.examples.length).toBe(40);
    expect(dev.counts.reduce((a, b) => a + b, 0)).toBe(dev.examples.reduce((s, e) => s + e.labels!.length, 0));
  });
});

describe('parseLabelNames', () => {
  it('reads one name per line and names duplicates and gaps by line', () => {
    expect(parseLabelNames('anger\njoy\r\nsad\n\n')).toEqual(['anger', 'joy', 'sad']);
    expect(code(() => parseLabelNames('anger\njoy\nanger\n', 'labels.txt'))).toMatch(/^bad-label-names: labels.txt names a label twice: 'anger' \(lines 1 and 3\)/);
    expect(code(() => parseLabelNames('anger\n\njoy'))).toMatch(/empty name on line 2/);
  });
});

describe('labelSupportWarnings', () => {
  it('names labels never in train, too rare to learn, and too rare in dev to evaluate', async () => {
    const { labelSupportWarnings } = await import('../../src/data');
    const rows = [...Array.from({ length: 30 }, (_, i) => [`t${i}`, 'a']), ...Array.from({ length: 3 }, (_, i) => [`u${i}`, 'b'])];
    const train = buildDataset(tableOf(['text', 'label'], rows), { labelOrder: ['a', 'b', 'c'] });
    const dev = buildDataset(tableOf(['text', 'label'], [['x', 'a'], ['y', 'b']]), { labelOrder: ['a', 'b', 'c'] });
    const w = labelSupportWarnings(train, dev);
    expect(w.map((x) => x.kind)).toEqual(['never-in-train', 'few-train', 'few-dev']);
    expect(w[0].message).toMatch(/^label 'c' never occurs in the training set/);
    expect(w[1].message).toMatch(/'b' \(3\)/);
    expect(w[2].labels).toEqual(['a', 'b']);
    const many = buildDataset(tableOf(['text', 'label'], Array.from({ length: 60 }, (_, i) => [`t${i}`, `l${i % 30}`])));
    expect(labelSupportWarnings(many)[0].message).toMatch(/and 20 more/);
  });
});
