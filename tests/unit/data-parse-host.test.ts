// The parsing worker's host (src/worker/parse-host.ts) run directly in Node: a real file read as a Blob with
// staged progress, a user override of the header, errors as plain data that rebuild into DataError, throttling.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data';
import { errorToData, parseSource, readBytes, throttleProgress } from '../../src/worker/parse-host';
import { parseErrorFromData } from '../../src/worker/parse-client';

const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

describe('parseSource', () => {
  it('reads AG News dev (2 MB) from a Blob with reading then parsing progress', async () => {
    const bytes = readFileSync(DATA + 'agnews/dev.tsv');
    const seen: [string, number][] = [];
    const file = await parseSource(new Blob([bytes]), 'dev.tsv', {}, (stage, f) => seen.push([stage, f]));
    expect(file.size).toBe(bytes.length);
    expect(file.options).toEqual({ format: 'tsv', delimiter: '\t', quoting: 'double-quote', hasHeader: false });
    expect(file.detected).toBe(true);
    expect(file.table.rows.length).toBe(10001);
    const reading = seen.filter(([s]) => s === 'reading').map(([, f]) => f);
    const parsing = seen.filter(([s]) => s === 'parsing').map(([, f]) => f);
    expect(reading[0]).toBe(0);
    expect(reading.at(-1)).toBe(1);
    expect(parsing.at(-1)).toBe(1);
    expect(parsing.length).toBeGreaterThan(2);
    expect(seen.findIndex(([s]) => s === 'parsing')).toBeGreaterThan(seen.findLastIndex(([s]) => s === 'reading'));
  });

  it('a header override re-reads the file and says so', async () => {
    const t = 'sentence,label\nhello world,a\nbye now,b\n';
    const auto = await parseSource(t, 'x.csv');
    expect(auto.options.hasHeader).toBe(true);
    expect(auto.table.columns).toEqual(['sentence', 'label']);
    const off = await parseSource(t, 'x.csv', { hasHeader: false });
    expect(off.detected).toBe(false);
    expect(off.table.columns).toEqual(['col1', 'col2']);
    expect(off.table.rows[0]).toEqual(['sentence', 'label']);
    expect(off.notes.at(-1)).toBe('changed by you: no header row');
  });

  it('empty and binary sources reject with DataErrors that survive the worker boundary', async () => {
    for (const [bytes, c] of [
      [new Uint8Array(0), 'empty-file'],
      [new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2]), 'binary-file'],
    ] as const) {
      let err: unknown;
      try {
        await parseSource(new Blob([bytes]), 'f.csv');
      } catch (e) {
        err = e;
      }
      const back = parseErrorFromData(structuredClone(errorToData(err)));
      expect(back).toBeInstanceOf(DataError);
      expect((back as DataError).code).toBe(c);
      expect(back.message).toBe((err as Error).message);
    }
  });

  it('readBytes reassembles a multi-chunk stream', async () => {
    const parts = [new Uint8Array(70_000).fill(1), new Uint8Array(70_000).fill(2)];
    const out = await readBytes(new Blob(parts));
    expect(out.length).toBe(140_000);
    expect(out[69_999]).toBe(1);
    expect(out[70_000]).toBe(2);
  });
});

describe('throttleProgress', () => {
  it('passes 0, 1, stage changes, 1% steps and 100 ms gaps; drops the rest', () => {
    let now = 0;
    const got: number[] = [];
    const p = throttleProgress((_, f) => got.push(f), () => now);
    p('reading', 0);
    p('reading', 0.001);
    p('reading', 0.005);
    p('reading', 0.011);
    now = 150;
    p('reading', 0.012);
    p('parsing', 0.012);
    p('parsing', 1);
    expect(got).toEqual([0, 0.011, 0.012, 0.012, 1]);
  });
});
