// `labeltune train --head ltuning-prefix,prompt-tuning` in-process on the tiny test BERT: the published L-Tuning
// (label texts through the encoder, the frozen encoder run per (text, label) pair) and a baseline train on token
// ids, print the measured estimate, export files that `eval` reads back with the same dev accuracy; a file of the
// cached-feature head saved under its old name still loads (as label-attn-prefix).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyBert } from '../../tools/make-tiny-bert';
import { runCli as run, sentimentRows } from '../helpers/cli-run';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-cli-lt-train-'));
const model = join(dir, 'tiny-bert');
const train = join(dir, 'train.tsv');
const dev = join(dir, 'dev.tsv');

beforeAll(async () => {
  process.env.LABELTUNE_CACHE_DIR = join(dir, 'cache');
  await writeTinyBert(model);
  writeFileSync(train, `text\tsentiment\ttopic\n${sentimentRows(24, 0)}\n`);
  writeFileSync(dev, `text\tsentiment\ttopic\n${sentimentRows(8, 1)}\n`);
});

describe('labeltune train --head ltuning-prefix,prompt-tuning (frozen encoder in WGSL)', () => {
  it('trains on token ids (no feature encode), and eval reads each exported file back', async () => {
    const out = join(dir, 'h.safetensors');
    const r = await run(['train', '--data', train, '--dev', dev, '--label', 'sentiment', '--model', model, '--head', 'ltuning-prefix,prompt-tuning', '--epochs', '1', '--batch', '8', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    const reports = JSON.parse(r.out) as { head: string; dev: { accuracy: number }; out: string; timings: { encode_s: number } }[];
    expect(reports.map((x) => x.head)).toEqual(['ltuning-prefix', 'prompt-tuning']);
    for (const rep of reports) expect(rep.timings.encode_s, rep.head).toBe(0);
    for (const rep of reports) {
      const ev = await run(['eval', '--head-file', rep.out, '--data', dev, '--label', 'sentiment', '--model', model, '--json']);
      expect(ev.code, ev.err).toBe(0);
      expect(JSON.parse(ev.out).metrics.accuracy, rep.head).toBe(rep.dev.accuracy);
    }
  });

  it('a cached-feature head file that names its kind ltuning-prefix (before the rename) evaluates as label-attn-prefix', async () => {
    const out = join(dir, 'attn.safetensors');
    const r = await run(['train', '--data', train, '--dev', dev, '--label', 'sentiment', '--model', model, '--head', 'label-attn-prefix', '--epochs', '1', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).head).toBe('label-attn-prefix');
    // The same file as written before the rename: its metadata names the kind ltuning-prefix (same header length).
    const bytes = readFileSync(out);
    const at = bytes.indexOf('"label-attn-prefix"');
    expect(at).toBeGreaterThan(0);
    const old = join(dir, 'old.safetensors');
    writeFileSync(old, Buffer.concat([bytes.subarray(0, at), Buffer.from('"ltuning-prefix"   '), bytes.subarray(at + 19)]));
    const a = await run(['eval', '--head-file', out, '--data', dev, '--label', 'sentiment', '--model', model, '--json']);
    const b = await run(['eval', '--head-file', old, '--data', dev, '--label', 'sentiment', '--model', model, '--json']);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(JSON.parse(b.out).metrics).toEqual(JSON.parse(a.out).metrics);
  });
});
