// The one CSV writer (src/data/csv-writer.ts) every prediction CSV goes through: RFC 4180 quoting and formula
// escaping (a cell a spreadsheet would run as a formula gets a leading '), header cells included.
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/data/csv-writer';

describe('csv writer', () => {
  it('quotes what RFC 4180 needs and nothing else', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('')).toBe('');
    expect(csvCell('0.125')).toBe('0.125');
  });

  it("escapes cells a spreadsheet would run as formulas (=, +, -, @, tab, CR first), multi-line ones too", () => {
    expect(csvCell('=HYPERLINK("http://x","click")')).toBe('"\'=HYPERLINK(""http://x"",""click"")"');
    expect(csvCell('+1+1')).toBe('"\'+1+1"');
    expect(csvCell('-2+3')).toBe('"\'-2+3"');
    expect(csvCell('@SUM(A1)')).toBe('"\'@SUM(A1)"');
    expect(csvCell('\t=1')).toBe('"\'\t=1"');
    expect(csvCell('=1+1\nsecond line')).toBe('"\'=1+1\nsecond line"');
    expect(csvCell('a = b')).toBe('a = b');
  });

  it('toCsv writes a header and rows, header cells escaped too, and reads back with papaparse', () => {
    const csv = toCsv(['text', 'p_=cmd'], [['=1+1', '0.5'], ['fine, thanks', '0.25']]);
    expect(csv).toBe('text,p_=cmd\n"\'=1+1",0.5\n"fine, thanks",0.25\n');
    expect(Papa.parse<string[]>(csv.trimEnd()).data).toEqual([['text', 'p_=cmd'], ["'=1+1", '0.5'], ['fine, thanks', '0.25']]);
    expect(toCsv(['a'], [['x']], '\r\n')).toBe('a\r\nx\r\n');
    expect(toCsv(['=label'], [])).toBe('"\'=label"\n');
  });
});
