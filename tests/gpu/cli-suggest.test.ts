// `labeltune suggest` end to end on the tiny test BERT: a trained linear head ranks unlabelled rows; the ranking
// is checked against the margins of the same head's `predict` probabilities, rows that already carry a label are
// never suggested, --diverse gives k distinct unlabelled rows, and the human table is one line per suggestion.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeTinyBert } from '../../tools/make-tiny-bert';
import { runCli as run, sentimentRows as rows } from '../helpers/cli-run';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-cli-suggest-'));
const model = join(dir, 'tiny-bert');
const M = ['--model', model];
const head = join(dir, 'head.safetensors');
const pool = join(dir, 'pool.tsv');

beforeAll(async () => {
  process.env.LABELTUNE_CACHE_DIR = join(dir, 'cache');
  await writeTinyBert(model);
  const data = join(dir, 'data.tsv');
  writeFileSync(data, `text\tsentiment\n${rows(40, 0).split('\n').map((l) => l.split('\t').slice(0, 2).join('\t')).join('\n')}\n`);
  // --no-calibrate: a fitted temperature below 1 sharpens the probabilities, and with it the float16 feature cache's
  // difference between predict's first (fresh) encode and suggest's cached read grows past the 3-decimal check below.
  const r = await run(['train', '--data', data, '--dev-split', '0.25', ...M, '--label', 'sentiment', '--head', 'linear', '--epochs', '2', '--lr', '0.05', '--no-calibrate', '--out', head, '--json']);
  expect(r.code, r.err).toBe(0);
  // 12 rows: texts in column "review", a "sentiment" column filled on rows 1 and 2 only (file lines 2 and 3).
  const texts = ['good fun', 'bad film', 'a movie', 'great but boring', 'boring', 'fun and bad', 'good and bad', 'film', 'a great movie', 'the bad movie', 'so so', 'fun good great'];
  writeFileSync(pool, `review\tsentiment\n${texts.map((t, i) => `${t}\t${i === 0 ? 'pos' : i === 1 ? 'neg' : ''}`).join('\n')}\n`);
});

afterEach(() => vi.restoreAllMocks());

describe('suggest with a trained head', () => {
  it('--json: the k unlabelled rows with the smallest top-2 margin, in order, labelled rows skipped', async () => {
    const p = await run(['predict', '--head-file', head, '--data', pool, '--text', 'review', '--label', 'sentiment', ...M]);
    expect(p.code, p.err).toBe(0);
    const probs = Papa.parse<Record<string, string>>(p.out, { header: true }).data.map((x) => [Number(x.p_neg), Number(x.p_pos)]);
    expect(probs).toHaveLength(12);
    const r = await run(['suggest', '--head-file', head, '--data', pool, '--text', 'review', '--label', 'sentiment', '--k', '4', '--json', ...M]);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ by: 'margin', diverse: false, head: 'linear', rows: 12, labelled: 2 });
    const lines = s.suggestions.map((x: { line: number }) => x.line);
    expect(lines).toHaveLength(4);
    // Expected order: margins from predict's probabilities (6 decimals in the CSV), unlabelled rows only.
    const margin = (i: number) => 1 - Math.abs(probs[i][0] - probs[i][1]);
    const expected = [...Array(12).keys()].filter((i) => i >= 2).sort((a, b) => margin(b) - margin(a) || a - b).slice(0, 4).map((i) => i + 2);
    expect(lines).toEqual(expected);
    for (const x of s.suggestions) {
      expect(x.score).toBeCloseTo(margin(x.line - 2), 3);
      expect(x.top.map((t: { label: string }) => t.label).sort()).toEqual(['neg', 'pos']);
    }
  });

  it('--diverse --by entropy: k distinct unlabelled rows; the human table has one line per suggestion', async () => {
    const r = await run(['suggest', '--head-file', head, '--data', pool, '--text', 'review', '--label', 'sentiment', '--k', '5', '--by', 'entropy', '--diverse', '--json', ...M]);
    expect(r.code, r.err).toBe(0);
    const lines = JSON.parse(r.out).suggestions.map((x: { line: number }) => x.line);
    expect(new Set(lines).size).toBe(5);
    for (const l of lines) expect(l).toBeGreaterThanOrEqual(4);
    const t = await run(['suggest', '--head-file', head, '--data', pool, '--text', 'review', '--k', '3', ...M]);
    expect(t.code, t.err).toBe(0);
    const out = t.out.split('\n');
    expect(out).toHaveLength(5);
    expect(out[0]).toMatch(/^#\s+line\s+margin\s+top labels\s+text/);
    // The label column was detected without --label (its values are the head's labels): its 2 rows are skipped.
    expect(t.err).toMatch(/3 of 10 unlabelled rows by margin, from the linear head; 2 labelled rows skipped/);
  });

  it('a file whose every row is labelled: nothing to suggest, exit 1', async () => {
    const all = join(dir, 'all.tsv');
    writeFileSync(all, 'review\tsentiment\ngood fun\tpos\nbad film\tneg\n');
    const r = await run(['suggest', '--head-file', head, '--data', all, '--text', 'review', '--label', 'sentiment', ...M]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Every row of \S+all\.tsv already has a label in column 'sentiment': nothing to suggest/);
  });
});
