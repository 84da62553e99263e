// The labeltune commands on multi-label data, in-process on the tiny test BERT: train detects "a|b" label cells,
// trains with a sigmoid per label, tunes thresholds and a temperature on dev and exports them (format version 3);
// eval reads the file back with the same dev metrics; predict writes a `predicted` list; class weights; and the
// bad inputs: a single-label head on multi-label data, a bad --class-weights, a label-name list with a repeat.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/heads/safetensors';
import { writeTinyBert } from '../../tools/make-tiny-bert';
import { runCli as run, sentimentRows } from '../helpers/cli-run';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-cli-ml-'));
const model = join(dir, 'tiny-bert');
const data = join(dir, 'data.tsv');
const dev = join(dir, 'dev.tsv');
const single = join(dir, 'single.tsv');
const M = ['--model', model];

/** Texts with "good"/"great" -> pos, "boring" -> dull, "film" -> film; several per row. */
function rows(n: number, offset: number): string {
  const words = [['good', 'pos'], ['boring', 'dull'], ['film', 'film']];
  return Array.from({ length: n }, (_, i) => {
    const j = i + offset;
    const on = words.filter((_, k) => ((j >> k) & 1) === 1 || (j % 7 === 0 && k === 0));
    const use = on.length ? on : [words[j % 3]];
    return `${use.map((w) => w[0]).join(' ')} ${i}\t${use.map((w) => w[1]).join('|')}`;
  }).join('\n');
}

beforeAll(async () => {
  process.env.LABELTUNE_CACHE_DIR = join(dir, 'cache');
  await writeTinyBert(model);
  writeFileSync(data, `text\tlabels\n${rows(64, 0)}\n`);
  writeFileSync(dev, `text\tlabels\n${rows(24, 3)}\n`);
  writeFileSync(single, `text\tsentiment\ttopic\n${sentimentRows(40, 0)}\n`);
});

describe('multi-label through the CLI', () => {
  it('train -> eval -> predict with thresholds and a temperature in the file', async () => {
    const out = join(dir, 'ml.safetensors');
    const r = await run(['train', '--data', data, '--dev', dev, ...M, '--head', 'linear', '--epochs', '3', '--lr', '0.05', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.labels).toEqual(['dull', 'film', 'pos']);
    expect(rep.dev.multi_label).toMatchObject({ per_label: { pos: { support: expect.any(Number) } } });
    expect(Object.keys(rep.dev.multi_label.thresholds)).toEqual(['dull', 'film', 'pos']);
    expect(rep.dev.calibration.temperature).toBeGreaterThan(0);
    expect(rep.dev.calibration.nll_after).toBeLessThanOrEqual(rep.dev.calibration.nll_before + 1e-9);
    const md = readSafetensors(new Uint8Array(readFileSync(out))).metadata;
    expect(md.version).toBe('3');
    expect(JSON.parse(md.task).type).toBe('multi-label');
    expect(JSON.parse(md.calibration).temperature).toBeCloseTo(rep.dev.calibration.temperature, 10);

    const e = await run(['eval', '--head-file', out, '--data', dev, ...M, '--json']);
    expect(e.code, e.err).toBe(0);
    const ev = JSON.parse(e.out);
    // Same decisions as at the end of training: thresholds moved to the calibrated probabilities.
    expect(ev.metrics.macro_f1).toBeCloseTo(rep.dev.macro_f1, 10);
    expect(ev.metrics.multi_label.micro_f1).toBeCloseTo(rep.dev.multi_label.micro_f1, 10);
    expect(ev.metrics.calibration.ece).toBeCloseTo(rep.dev.calibration.ece_after, 3);

    const p = await run(['predict', '--head-file', out, '--data', dev, ...M, '--text', 'text']);
    expect(p.code, p.err).toBe(0);
    const csv = Papa.parse<string[]>(p.out.trim()).data;
    expect(csv[0]).toEqual(['text', 'predicted', 'p_dull', 'p_film', 'p_pos']);
    for (const row of csv.slice(1)) {
      const names = JSON.parse(row[1]) as string[];
      const t = Object.values(rep.dev.multi_label.thresholds as Record<string, number>);
      expect(names.every((n) => ['dull', 'film', 'pos'].includes(n))).toBe(true);
      expect(names.length).toBe(row.slice(2).filter((v, k) => Number(v) >= (t[k] as number) - 1e-6).length);
    }
  });

  it('class weights train both kinds; bad input is one line naming the fix', async () => {
    const w = await run(['train', '--data', data, '--dev', dev, ...M, '--head', 'linear', '--epochs', '1', '--class-weights', 'auto', '--json', '--no-calibrate']);
    expect(w.code, w.err).toBe(0);
    expect(JSON.parse(w.out).dev.calibration).toBeUndefined();
    const s = await run(['train', '--data', single, '--dev-split', '0.25', ...M, '--label', 'sentiment', '--head', 'linear', '--epochs', '1', '--class-weights', 'pos=2', '--json']);
    expect(s.code, s.err).toBe(0);
    expect(JSON.parse(s.out).dev.balanced_accuracy).toBeGreaterThanOrEqual(0);
    const bad = await run(['train', '--data', single, ...M, '--label', 'sentiment', '--class-weights', 'happy=2']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toMatch(/--class-weights: no label "happy"/);
    const names = join(dir, 'labels.txt');
    writeFileSync(names, 'dull\nfilm\ndull\n');
    const dup = await run(['train', '--data', data, ...M, '--label-names', names]);
    expect(dup.code).toBe(1);
    expect(dup.err.trim()).toMatch(/names a label twice: 'dull' \(lines 1 and 3\)/);
    // A single-label head on multi-label data.
    const head = join(dir, 'single.safetensors');
    expect((await run(['train', '--data', single, ...M, '--label', 'sentiment', '--head', 'linear', '--epochs', '1', '--out', head])).code).toBe(0);
    const mixed = join(dir, 'mixed.tsv');
    writeFileSync(mixed, 'text\tsentiment\na good one\tpos\nbad\tneg\nboth\tpos|neg\n');
    const ev = await run(['eval', '--head-file', head, '--data', mixed, ...M]);
    expect(ev.code).toBe(1);
    expect(ev.err.trim()).toMatch(/predicts one label per text, but .* has several labels per row \(line 4\)/);
  });
});
