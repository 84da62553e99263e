// sniff + parse on small hand-made files: each format, each encoding case, and each bad input with its coded
// error or per-row issue and line numbers.
import { describe, expect, it } from 'vitest';
import { DataError, decode, detectHeader, parse, sniff, summarizeIssues, type DataErrorCode } from '../../src/data';

const enc = (s: string) => new TextEncoder().encode(s);

function codeOf(fn: () => unknown): { code: DataErrorCode; message: string; lines: number[] } {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataError) return { code: e.code, message: e.message, lines: e.lines };
    throw e;
  }
  throw new Error('expected a DataError, got none');
}

function table(text: string | Uint8Array, name?: string) {
  const s = sniff(text, name);
  return { s, t: parse(s.text, s, name) };
}

describe('huge cells', () => {
  it('a TSV whose first data row holds a ~1 MB cell keeps its header and both rows', () => {
    const blob = 'x'.repeat(1_000_000);
    const { s, t } = table(`text\tlabel\n${blob}\tpos\nshort text\tneg\n`, 'blob.tsv');
    expect(s).toMatchObject({ format: 'tsv', hasHeader: true, columns: ['text', 'label'] });
    expect(t.rows.map((r) => [r[0].length, r[1]])).toEqual([[1_000_000, 'pos'], [10, 'neg']]);
    expect(t.lines).toEqual([2, 3]);
  });

  it('the same with \\r line endings and as CSV', () => {
    const blob = 'y'.repeat(600_000);
    const cr = table(`text\tlabel\r${blob}\tpos\rshort text\tneg\r`, 'cr.tsv');
    expect(cr.t.rows.map((r) => r[1])).toEqual(['pos', 'neg']);
    const csv = table(`text,label\n"${blob}",pos\nshort text,neg\n`, 'blob.csv');
    expect(csv.s.hasHeader).toBe(true);
    expect(csv.t.rows.map((r) => r[1])).toEqual(['pos', 'neg']);
  });
});

describe('decode: encodings, empty and binary files', () => {
  it('empty, whitespace-only and BOM-only files are empty-file', () => {
    expect(codeOf(() => sniff(new Uint8Array(0), 'a.csv')).code).toBe('empty-file');
    expect(codeOf(() => sniff(enc(' \n\t\r\n'), 'a.csv')).code).toBe('empty-file');
    expect(codeOf(() => sniff(Uint8Array.of(0xef, 0xbb, 0xbf))).code).toBe('empty-file');
    expect(codeOf(() => sniff('')).code).toBe('empty-file');
    expect(codeOf(() => sniff(new Uint8Array(0), 'a.csv')).message).toMatch(/'a.csv' is empty \(0 bytes\)/);
  });

  it('NUL bytes, control bytes, zip/xlsx, PNG and invalid UTF-8 are binary-file', () => {
    expect(codeOf(() => sniff(enc('text,label\nhi\0there,1\n'))).message).toMatch(/NUL byte at offset 13/);
    const zip = codeOf(() => sniff(Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 1, 2, 3), 'data.xlsx'));
    expect(zip.code).toBe('binary-file');
    expect(zip.message).toMatch(/'data.xlsx'.*Excel \.xlsx/);
    expect(codeOf(() => sniff(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10))).message).toMatch(/PNG/);
    const noise = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) % 256);
    expect(codeOf(() => sniff(noise)).code).toBe('binary-file');
    const ctrl = enc('a\x01b\x02c\x03d\x04e,1\n'.repeat(50));
    expect(codeOf(() => sniff(ctrl)).message).toMatch(/control characters/);
    // Mostly invalid UTF-8 mixed with valid multi-byte characters (so no Windows-1252 fallback).
    const bad = new Uint8Array([...enc('é'), ...Array.from({ length: 200 }, () => 0xff), ...enc('\n')]);
    expect(codeOf(() => sniff(bad)).message).toMatch(/not valid UTF-8/);
    expect(codeOf(() => sniff('a\tb\nc\u0000d\t1\n')).message).toMatch(/NUL character on line 2/);
  });

  it('a NUL byte anywhere is refused, also past the first MiB the control-byte check samples', () => {
    const rows = 'a perfectly normal text\tpos\n'.repeat(50_000); // ~1.4 MB
    const late = enc(`${rows}late\0nul\tneg\n`);
    expect(late.length).toBeGreaterThan(1 << 20);
    const e = codeOf(() => sniff(late, 'late.tsv'));
    expect(e.code).toBe('binary-file');
    expect(e.message).toMatch(/'late\.tsv' is not a text file: it has a NUL byte on line 50,001/);
    // The Windows-1252 path (no UTF-8 characters, one bad byte) checks the whole file too.
    const latin = new Uint8Array([...enc(rows), 0xe9, ...enc('t\0\tneg\n')]);
    expect(codeOf(() => sniff(latin)).message).toMatch(/NUL byte on line 50,001/);
  });

  it('UTF-8 BOM removed; UTF-16 with and without BOM; Windows-1252 fallback; stray bad bytes counted', () => {
    const bom = decode(enc('\ufefftext,label\nhi,1\n'));
    expect(bom.text.startsWith('text')).toBe(true);
    expect(bom.encoding).toMatchObject({ name: 'utf-8', bom: true, replaced: 0 });

    const s = 'text\tlabel\ncafé crème\tpos\nbad\tneg\n';
    const le = new Uint8Array(2 + s.length * 2);
    le.set([0xff, 0xfe]);
    for (let i = 0; i < s.length; i++) le[2 + 2 * i] = s.charCodeAt(i);
    expect(decode(le)).toMatchObject({ text: s, encoding: { name: 'utf-16le', bom: true } });
    const be = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) be[2 * i + 1] = s.charCodeAt(i);
    expect(decode(be)).toMatchObject({ text: s, encoding: { name: 'utf-16be', bom: false } });

    const latin = Uint8Array.from('caf\xe9 cr\xe8me,pos\nna\xefve,neg\n', (c) => c.charCodeAt(0));
    const l = decode(latin);
    expect(l.text).toBe('café crème,pos\nnaïve,neg\n');
    expect(l.encoding.name).toBe('windows-1252');

    const mixed = new Uint8Array([...enc('ok é,1\nline two,0\nbad '), 0xff, ...enc(',1\n')]);
    const m = decode(mixed);
    expect(m.encoding).toMatchObject({ name: 'utf-8', replaced: 1, firstReplacedLine: 3 });
    expect(m.text).toContain('bad \ufffd,1');
  });
});

describe('CSV', () => {
  it('quoted commas, "" and embedded newlines; rows keep the line they start on', () => {
    const { s, t } = table('text,label\n"Hello, world",pos\n"multi\nline ""quoted"" text",neg\nplain,pos\n\n"x\r\ny",neg\n', 'a.csv');
    expect(s).toMatchObject({ format: 'csv', delimiter: ',', quoting: 'double-quote', hasHeader: true, columns: ['text', 'label'] });
    expect(t.rows).toEqual([
      ['Hello, world', 'pos'],
      ['multi\nline "quoted" text', 'neg'],
      ['plain', 'pos'],
      ['x\ny', 'neg'], // every line break reads as '\n' (decode.ts), inside quotes too
    ]);
    expect(t.lines).toEqual([2, 3, 5, 7]);
    expect(t.issues).toEqual([]);
  });

  it('semicolon and pipe delimiters; CRLF line ends', () => {
    const semi = table('text;label\r\nBonjour, le monde;fr\r\nHello, world;en\r\nHallo, Welt;de\r\n');
    expect(semi.s).toMatchObject({ format: 'csv', delimiter: ';', hasHeader: true });
    expect(semi.t.rows[2]).toEqual(['Hallo, Welt', 'de']);
    const pipe = table('a b c|x\nd, e|y\nf|x\n');
    expect(pipe.s.delimiter).toBe('|');
    expect(pipe.t.rows.length).toBe(3);
  });

  it('an unterminated quote is a bad-quotes issue on the line it starts', () => {
    const { t } = table('text,label\ngood,1\n"broken,0\nnext,1\n', 'b.csv');
    const issue = t.issues.find((i) => i.code === 'bad-quotes');
    expect(issue?.line).toBe(3);
    expect(issue?.message).toMatch(/line 3/);
  });

  it('ragged rows are padded or cut, each with a ragged-row issue and its line', () => {
    const { t } = table('text,label,extra\na,1,x\nb,0\nc,1,x,y\nd,0,x\n', 'r.csv');
    expect(t.rows).toEqual([
      ['a', '1', 'x'],
      ['b', '0', ''],
      ['c', '1', 'x'],
      ['d', '0', 'x'],
    ]);
    expect(t.issues.map((i) => [i.code, i.line])).toEqual([
      ['ragged-row', 3],
      ['ragged-row', 4],
    ]);
    expect(t.issues[1].message).toMatch(/extra \('y'\) were dropped/);
  });

  it('a header and no rows is no-rows, saying how to fix it', () => {
    const e = codeOf(() => sniff('text,label\n', 'h.csv'));
    expect(e.code).toBe('no-rows');
    expect(e.message).toMatch(/header \(text, label\) but no data rows/);
  });

  it('header detection: names vs repeated label values vs numbers', () => {
    expect(detectHeader([['text', 'label'], ['a fine film', 'pos'], ['dull', 'neg']]).hasHeader).toBe(true);
    expect(detectHeader([['a fine film', 'pos'], ['dull', 'neg'], ['great', 'pos']]).hasHeader).toBe(false);
    expect(detectHeader([['great fun', '1'], ['dull', '0']]).hasHeader).toBe(false);
    expect(detectHeader([['review', 'stars'], ['it was a long and winding film', '4'], ['ok', '2']]).hasHeader).toBe(true);
    expect(detectHeader([['Body', 'Kind'], ['this is a much longer piece of text here', 'x'], ['and another rather long one too', 'y']]).hasHeader).toBe(true);
    // Headerless CSV sniffed end to end: generated names.
    const { s } = table('loved it,pos\nhated it,neg\nmeh,neg\nsuperb,pos\n', 'n.csv');
    expect(s).toMatchObject({ hasHeader: false, columns: ['col1', 'col2'] });
  });
});

describe('line endings, repeated header names, near-duplicate labels', () => {
  it('mixed \\n, \\r\\n and \\r line endings are each a line break (no row swallows the next)', () => {
    for (const [name, text] of [
      ['mixed.tsv', 'text\tlabel\na fine film\tpos\rdull and slow\tneg\r\ngreat fun\tpos\nawful\tneg\n'],
      ['mixed.csv', 'text,label\na fine film,pos\rdull and slow,neg\r\ngreat fun,pos\nawful,neg\n'],
      ['mixed.txt', 'pos a fine film\rneg dull and slow\r\npos great fun\nneg awful\n'],
    ] as const) {
      const { t } = table(text, name);
      expect(t.rows.map((r) => r.join('|')), name).toEqual(name.endsWith('.txt') ? ['pos|a fine film', 'neg|dull and slow', 'pos|great fun', 'neg|awful'] : ['a fine film|pos', 'dull and slow|neg', 'great fun|pos', 'awful|neg']);
      expect(t.lines, name).toEqual(name.endsWith('.txt') ? [1, 2, 3, 4] : [2, 3, 4, 5]);
    }
    const jsonl = table('{"text":"a","label":"x"}\r{"text":"b","label":"y"}\n{"text":"c","label":"x"}\r\n', 'm.jsonl');
    expect(jsonl.t.rows).toHaveLength(3);
  });

  it('a header with a repeated name is still a header (the repeat renamed, with an issue on line 1)', () => {
    const { s, t } = table('text,text,label\na fine film,so good,pos\ndull,so bad,neg\ngreat,yes,pos\n', 'dup.csv');
    expect(s).toMatchObject({ hasHeader: true, columns: ['text', 'text (2)', 'label'] });
    expect(t.rows.map((r) => r[2])).toEqual(['pos', 'neg', 'pos']);
    expect(t.issues).toEqual([{ code: 'repeated-column', line: 1, message: "line 1: the header names 'text' twice (columns 1 and 2): the second is read as 'text (2)'. Rename one of them." }]);
    // Repeated values that are not column names still mean data.
    expect(detectHeader([['so good', 'so good'], ['dull', 'bad'], ['fine', 'good']]).hasHeader).toBe(false);
  });
});

describe('TSV', () => {
  it('bare quotes are text when the file is not quoted; quoted files are unquoted', () => {
    const bare = table('a\tlabel\nHe said " hi\t1\n" Quote at start\t0\n');
    expect(bare.s.quoting).toBe('none');
    expect(bare.t.rows).toEqual([
      ['He said " hi', '1'],
      ['" Quote at start', '0'],
    ]);
    const quoted = table('"Say ""hi"" now"\tgreet\nplain text\tother\n"tab\there"\tgreet\n');
    expect(quoted.s.quoting).toBe('double-quote');
    expect(quoted.t.rows).toEqual([
      ['Say "hi" now', 'greet'],
      ['plain text', 'other'],
      ['tab\there', 'greet'],
    ]);
  });

  it('a file with no delimiter at all is one column per line', () => {
    const { s, t } = table('just some text\nanother line of prose here\nand a third one\n');
    expect(s.notes.join(' ')).toMatch(/one column per line/);
    expect(t.columns).toEqual(['col1']);
    expect(t.rows.length).toBe(3);
  });
});

describe('LABEL text lines', () => {
  it('label before the first space, numeric or named; fastText __label__ prefix removed', () => {
    const { s, t } = table('DESC:manner How did serfdom develop ?\nENTY:cremat What films ?\nDESC:def What is an atom ?\n');
    expect(s).toMatchObject({ format: 'label-text', columns: ['label', 'text'] });
    expect(t.rows[0]).toEqual(['DESC:manner', 'How did serfdom develop ?']);
    const ft = table('__label__pos a fine film\n__label__neg a dull film\n');
    expect(ft.s.format).toBe('label-text');
    expect(ft.t.rows).toEqual([
      ['pos', 'a fine film'],
      ['neg', 'a dull film'],
    ]);
  });
});

describe('JSON', () => {
  it('an array of objects: union of keys, values as strings, the line each record starts on', () => {
    const text = '[\n  {"text": "good", "label": 1},\n  {"text": "bad",\n   "label": 0, "extra": null},\n  {"text": "x", "label": true, "meta": {"a": [1]}}\n]\n';
    const { s, t } = table(text, 'd.json');
    expect(s.format).toBe('json');
    expect(t.columns).toEqual(['text', 'label', 'extra', 'meta']);
    expect(t.rows).toEqual([
      ['good', '1', '', ''],
      ['bad', '0', '', ''],
      ['x', 'true', '', '{"a":[1]}'],
    ]);
    expect(t.lines).toEqual([2, 3, 5]);
  });

  it('{"data": [...]} with other keys around it; strings with braces and escaped quotes do not confuse line numbers', () => {
    const text = '{"meta": {"rows": [{"no": 1}]},\n "data": [\n  {"text": "a \\"}{\\" b", "label": "x"},\n\n  {"text": "c", "label": "y"}\n ]}';
    const { t } = table(text);
    expect(t.rows).toEqual([
      ['a "}{" b', 'x'],
      ['c', 'y'],
    ]);
    expect(t.lines).toEqual([3, 5]);
  });

  it('syntax errors give the line; wrong shapes and non-object records are reported', () => {
    const e = codeOf(() => sniff('[\n {"text": "a", "label": 1},\n {"text" "b"}\n]', 'bad.json'));
    expect(e.code).toBe('json-syntax');
    expect(e.message).toMatch(/'bad.json' is not valid JSON at line 3, column \d+: /);
    // The place is said once (V8's own "at position N (line L column C)" is taken out of its message).
    expect(e.message).not.toMatch(/position|line 3 column/);
    expect(e.lines).toEqual([3]);
    expect(codeOf(() => sniff('{"a": 1, "b": "x"}', 'o.json')).code).toBe('json-shape');
    expect(codeOf(() => sniff('"just a string"', 's.json')).code).toBe('json-shape');
    expect(codeOf(() => sniff('[]', 'e.json')).code).toBe('no-rows');
    const { t } = table('[\n{"text": "a", "label": 1},\n42,\n["x"]\n]', 'm.json');
    expect(t.rows.length).toBe(1);
    expect(t.issues.map((i) => [i.code, i.line])).toEqual([
      ['not-an-object', 3],
      ['not-an-object', 4],
    ]);
  });
});

describe('JSONL', () => {
  it('one object per line; bad lines and non-objects reported with their lines, the rest kept', () => {
    const text = '{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n\n{"text": "c", label: "x"}\n[1, 2]\n{"text": "d", "label": "y", "id": 4}\n';
    const { s, t } = table(text, 'd.jsonl');
    expect(s.format).toBe('jsonl');
    expect(t.columns).toEqual(['text', 'label', 'id']);
    expect(t.rows).toEqual([
      ['a', 'x', ''],
      ['b', 'y', ''],
      ['d', 'y', '4'],
    ]);
    expect(t.lines).toEqual([1, 2, 6]);
    expect(t.issues.map((i) => [i.code, i.line])).toEqual([
      ['bad-json-line', 4],
      ['not-an-object', 5],
    ]);
    const summary = summarizeIssues(t.issues);
    expect(summary.map((x) => x.code)).toEqual(['bad-json-line', 'not-an-object']);
  });

  it('detected from content without an extension; every line bad is no-rows', () => {
    expect(sniff('{"text": "a", "label": 1}\n{"text": "b", "label": 0}\n').format).toBe('jsonl');
    const e = codeOf(() => sniff('{oops}\n{nope}\n', 'x.jsonl'));
    expect(e.code).toBe('no-rows');
    expect(e.lines).toEqual([1, 2]);
  });
});

describe('parse options', () => {
  it('header on/off can be changed after sniffing, and progress reaches 1', () => {
    const s = sniff('a fine film\tpos\na dull film\tneg\nmeh\tneg\n');
    expect(s.hasHeader).toBe(false);
    const fractions: number[] = [];
    const t = parse(s.text, { ...s, hasHeader: true, onProgress: (f) => fractions.push(f) });
    expect(t.columns).toEqual(['a fine film', 'pos']);
    expect(t.rows.length).toBe(2);
    expect(fractions[fractions.length - 1]).toBe(1);
    expect(codeOf(() => parse('x', { format: 'xml' as never })).code).toBe('bad-option');
  });
});
