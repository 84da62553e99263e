// Every benchmark file in ../shared/data read as a user's file would be: sniffed (format, quoting, header),
// parsed (row counts exactly as its README's table) and built into a dataset (columns guessed, label counts
// checked against counts taken with Python's csv module / str.split). Spot checks of rows: MRPC's bare quotes
// stay text, AG News's "" quoting is undone, TREC's one non-UTF-8 byte is read as Windows-1252.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildDataset, loadDataset, parse, sniff } from '../../src/data';

const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

function read(rel: string): Uint8Array {
  const path = DATA + rel;
  if (!existsSync(path)) throw new Error(`${path} is missing: these tests need the benchmark sets in ../shared/data (see its README.md); they are never copied into the repository.`);
  return readFileSync(path);
}

interface Expect {
  file: string;
  rows: number;
  format: string;
  quoting: string;
  hasHeader: boolean;
  columns: string[];
  guessed: { text: string; textPair?: string; label: string };
  counts: Record<string, number>;
}

const FILES: Expect[] = [
  { file: 'sst2/train.tsv', rows: 67349, format: 'tsv', quoting: 'none', hasHeader: true, columns: ['sentence', 'label'], guessed: { text: 'sentence', label: 'label' }, counts: { 0: 29780, 1: 37569 } },
  { file: 'sst2/dev.tsv', rows: 872, format: 'tsv', quoting: 'none', hasHeader: true, columns: ['sentence', 'label'], guessed: { text: 'sentence', label: 'label' }, counts: { 0: 428, 1: 444 } },
  { file: 'rte/train.tsv', rows: 2490, format: 'tsv', quoting: 'none', hasHeader: true, columns: ['index', 'sentence1', 'sentence2', 'label'], guessed: { text: 'sentence1', textPair: 'sentence2', label: 'label' }, counts: { entailment: 1249, not_entailment: 1241 } },
  { file: 'rte/dev.tsv', rows: 277, format: 'tsv', quoting: 'none', hasHeader: true, columns: ['index', 'sentence1', 'sentence2', 'label'], guessed: { text: 'sentence1', textPair: 'sentence2', label: 'label' }, counts: { entailment: 146, not_entailment: 131 } },
  { file: 'mrpc/train.tsv', rows: 3667, format: 'tsv', quoting: 'none', hasHeader: true, columns: ['Quality', '#1 ID', '#2 ID', '#1 String', '#2 String'], guessed: { text: '#1 String', textPair: '#2 String', label: 'Quality' }, counts: { 0: 1194, 1: 2473 } },
  { file: 'mrpc/dev.tsv', rows: 408, format: 'tsv', quoting: 'none', hasHeader: true, columns: ['Quality', '#1 ID', '#2 ID', '#1 String', '#2 String'], guessed: { text: '#1 String', textPair: '#2 String', label: 'Quality' }, counts: { 0: 129, 1: 279 } },
  { file: 'trec/train.txt', rows: 5452, format: 'label-text', quoting: 'none', hasHeader: false, columns: ['label', 'text'], guessed: { text: 'text', label: 'label' }, counts: { 0: 1162, 1: 1250, 2: 86, 3: 1223, 4: 835, 5: 896 } },
  { file: 'trec/test.txt', rows: 500, format: 'label-text', quoting: 'none', hasHeader: false, columns: ['label', 'text'], guessed: { text: 'text', label: 'label' }, counts: { 0: 138, 1: 94, 2: 9, 3: 65, 4: 81, 5: 113 } },
  { file: 'agnews/dev.tsv', rows: 10001, format: 'tsv', quoting: 'double-quote', hasHeader: false, columns: ['col1', 'col2'], guessed: { text: 'col1', label: 'col2' }, counts: { Business: 2496, 'Sci/Tech': 2538, Sports: 2458, World: 2509 } },
  { file: 'agnews/test.tsv', rows: 7600, format: 'tsv', quoting: 'double-quote', hasHeader: false, columns: ['col1', 'col2'], guessed: { text: 'col1', label: 'col2' }, counts: { Business: 1900, 'Sci/Tech': 1900, Sports: 1900, World: 1900 } },
];

describe('../shared/data: sniff, parse, build', () => {
  for (const f of FILES) {
    it(`${f.file}: ${f.format}, ${f.hasHeader ? 'header' : 'no header'}, ${f.rows} rows, labels as counted independently`, () => {
      const { sniffed, table, dataset } = loadDataset(read(f.file), f.file.split('/')[1]);
      expect({ format: sniffed.format, quoting: sniffed.quoting, hasHeader: sniffed.hasHeader, columns: sniffed.columns }).toEqual({
        format: f.format,
        quoting: f.quoting,
        hasHeader: f.hasHeader,
        columns: f.columns,
      });
      expect(sniffed.preview.length).toBe(20);
      expect(table.rows.length).toBe(f.rows);
      expect(table.issues).toEqual([]);
      expect(table.rows.every((r) => r.length === f.columns.length)).toBe(true);
      // Rows are one per line after the header: line numbers are exact.
      expect(table.lines[0]).toBe(f.hasHeader ? 2 : 1);
      expect(table.lines[table.lines.length - 1]).toBe(f.rows + (f.hasHeader ? 1 : 0));
      expect(dataset.columns).toEqual(f.guessed);
      expect(dataset.skipped).toEqual([]);
      expect(Object.fromEntries(dataset.labels.map((l, k) => [l, dataset.counts[k]]))).toEqual(Object.fromEntries(Object.entries(f.counts)));
      expect(dataset.labels).toEqual(Object.keys(f.counts)); // numeric labels numerically, names in string order
    });
  }

  it('sst2/train.tsv (67,349 rows) sniffs and parses in under 2 s', () => {
    const bytes = read('sst2/train.tsv');
    const t0 = performance.now();
    const s = sniff(bytes, 'train.tsv');
    const table = parse(s.text, s);
    const ms = performance.now() - t0;
    expect(table.rows.length).toBe(67349);
    expect(ms).toBeLessThan(2000);
    const ds = buildDataset(table);
    expect(ds.examples[0]).toEqual({ text: 'hide new secretions from the parental units', label: 0, line: 2 });
    expect(ds.examples[67348]).toEqual({ text: 'this new jangle of noise , mayhem and stupidity must be a serious contender for the title .', label: 0, line: 67350 });
  });

  it('mrpc: byte-order mark stripped, bare " kept as text in both sentences', () => {
    const s = sniff(read('mrpc/dev.tsv'), 'dev.tsv');
    expect(s.encoding.bom).toBe(true);
    expect(s.columns[0]).toBe('Quality'); // not '\uFEFFQuality'
    const ds = buildDataset(parse(s.text, s));
    expect(ds.examples[0]).toEqual({
      text: "He said the foodservice pie business doesn 't fit the company 's long-term growth strategy .",
      textPair: '" The foodservice pie business does not fit our long-term growth strategy .',
      label: 1,
      line: 2,
    });
    expect(ds.examples[1].textPair).toBe('His wife said he was " 100 percent behind George Bush " and looked forward to using his years of training in the war .');
    expect(ds.examples.filter((e) => e.text.includes('"') || e.textPair!.includes('"')).length).toBe(85);

    const train = loadDataset(read('mrpc/train.tsv'), 'train.tsv').dataset;
    expect(train.examples[0].text).toBe('Amrozi accused his brother , whom he called " the witness " , of deliberately distorting his evidence .');
    expect(train.examples.filter((e) => e.text.includes('"') || e.textPair!.includes('"')).length).toBe(768);
  });

  it('agnews: "" quoting undone exactly as Python\'s csv module does', () => {
    const { table, dataset } = loadDataset(read('agnews/dev.tsv'), 'dev.tsv');
    expect(table.rows[14][0].slice(0, 120)).toBe(' NEW YORK (Reuters) - Kimberly-Clark Corp. &lt;A HREF="http://www.investor.reuters.com/FullQuote.aspx?ticker=KMB.N targe');
    expect(table.rows[14][1]).toBe('Business');
    expect(table.lines[14]).toBe(15);
    expect(table.rows[35][0].startsWith('Iraqi interim Prime Minister Ayad Allawi said on Tuesday "major neglect" by U.S.-led')).toBe(true);
    expect(dataset.examples.filter((e) => e.text.includes('"')).length).toBe(397);
    const test = loadDataset(read('agnews/test.tsv'), 'test.tsv').dataset;
    expect(test.examples.filter((e) => e.text.includes('"')).length).toBe(278);
  });

  it('trec: `LABEL text` split on the first space; the one non-UTF-8 byte read as Windows-1252', () => {
    const { sniffed, dataset } = loadDataset(read('trec/train.txt'), 'train.txt');
    expect(sniffed.encoding.name).toBe('windows-1252');
    expect(sniffed.notes.join(' ')).toMatch(/line 66/);
    expect(dataset.examples[0]).toEqual({ text: 'How did serfdom develop in and then leave Russia ?', label: 0, line: 1 });
    expect(dataset.examples[65]).toEqual({ text: 'Which city has the oldest relationship as a sister\u00f0city with Los Angeles ?', label: 4, line: 66 });
    const test = loadDataset(read('trec/test.txt'), 'test.txt').dataset;
    expect(test.examples[0]).toEqual({ text: 'How far is it from Denver to Aspen ?', label: 5, line: 1 });
  });

  it('rte: the index column is not mistaken for labels; sentence pairs', () => {
    const ds = loadDataset(read('rte/dev.tsv'), 'dev.tsv').dataset;
    expect(ds.examples[0]).toEqual({
      text: 'Dana Reeve, the widow of the actor Christopher Reeve, has died of lung cancer at age 44, according to the Christopher Reeve Foundation.',
      textPair: 'Christopher Reeve had an accident.',
      label: 1,
      line: 2,
    });
  });

  it('a file read as text (not bytes) gives the same table', () => {
    const bytes = read('mrpc/dev.tsv');
    const fromText = loadDataset(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), 'dev.tsv');
    const fromBytes = loadDataset(bytes, 'dev.tsv');
    expect(fromText.table.rows).toEqual(fromBytes.table.rows);
    expect(fromText.sniffed.encoding.bom).toBe(true);
  });
});
