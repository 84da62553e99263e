// `labeltune train --head finetune` in-process on the tiny test BERT: token ids instead of a feature encode, the
// measured run estimate on stderr, --layer-decay, an exported file that eval reads back with the same dev
// accuracy, and the bad input around it (a --layer-decay out of range, a model whose graph the WGSL encoder
// cannot read: a clear message naming what did not match, exit 1).
import { mkdtempSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeTinyBert } from '../../tools/make-tiny-bert';
import { Graph } from '../../tools/onnx';
import { runCli as run, sentimentRows } from '../helpers/cli-run';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-cli-ft-train-'));
const model = join(dir, 'tiny-bert');
const odd = join(dir, 'odd-model');
const train = join(dir, 'train.tsv');
const dev = join(dir, 'dev.tsv');

beforeAll(async () => {
  process.env.LABELTUNE_CACHE_DIR = join(dir, 'cache');
  await writeTinyBert(model);
  writeFileSync(train, `text\tsentiment\ttopic\n${sentimentRows(48, 0)}\n`);
  writeFileSync(dev, `text\tsentiment\ttopic\n${sentimentRows(16, 1)}\n`);
  // A model with the tiny BERT's tokenizer whose graph is no transformer (one MatMul): onnxruntime runs it, the
  // WGSL reader must say why it cannot.
  mkdirSync(odd);
  copyFileSync(join(model, 'tokenizer.json'), join(odd, 'tokenizer.json'));
  const g = new Graph('odd');
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  g.input('attention_mask', 'int64', ['batch', 'seq']);
  const table = g.initializer('table', Float32Array.from({ length: 224 * 8 }, (_, i) => Math.sin(i)), [224, 8]);
  const h = g.node('Gather', [table, ids], { axis: 0 }, 'last_hidden_state');
  g.output(h, 'float', ['batch', 'seq', 8]);
  writeFileSync(join(odd, 'model.onnx'), g.toBytes({ opset: 17 }));
});

afterEach(() => vi.restoreAllMocks());

describe('labeltune train --head finetune', () => {
  it('trains every encoder weight on token ids, prints a measured estimate, and exports a file eval reads back', async () => {
    const out = join(dir, 'ft.safetensors');
    const r = await run(['train', '--data', train, '--dev', dev, '--label', 'sentiment', '--model', model, '--head', 'finetune', '--epochs', '3', '--batch', '8', '--lr', '3e-3', '--layer-decay', '0.9', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ command: 'train', head: 'finetune', train_examples: 48, dev_examples: 16 });
    expect(report.timings.encode_s).toBe(0); // no feature encode for a token-id head
    expect(report.dev.accuracy).toBeGreaterThan(0.75); // the words decide the label: above the 50% majority rate
    const ev = await run(['eval', '--head-file', out, '--data', dev, '--label', 'sentiment', '--model', model, '--json']);
    expect(ev.code, ev.err).toBe(0);
    expect(JSON.parse(ev.out).metrics.accuracy).toBe(report.dev.accuracy);
  });

  it('says how long the run will take before it starts (measured on this adapter)', async () => {
    const r = await run(['train', '--data', train, '--dev', dev, '--label', 'sentiment', '--model', model, '--head', 'finetune', '--epochs', '1', '--batch', '16']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/measured [\d.]+ s per step \(batch 16 x \d+ tokens\): about [\d.]+ (s|min) for 3 steps \+ dev evaluations/);
    expect(r.out).toMatch(/no feature encode \(token ids, encoder in WGSL\)/);
  });

  it('refuses --layer-decay outside (0, 1] as a usage error', async () => {
    const r = await run(['train', '--data', train, '--model', model, '--head', 'finetune', '--layer-decay', '1.5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--layer-decay must be in \(0, 1\]/);
  });

  it('a model the WGSL encoder cannot read: one line naming what did not match, exit 1', async () => {
    const r = await run(['train', '--data', train, '--label', 'sentiment', '--model', odd, '--head', 'finetune', '--epochs', '1']);
    expect(r.code).toBe(1);
    // The data's warnings (a tiny dev split: few examples per label) come first; the error itself is one line.
    const errors = r.err.split('\n').filter((l) => l && !l.startsWith('labeltune: warning:'));
    expect(errors, r.err).toHaveLength(1);
    expect(errors[0]).toMatch(/^labeltune: .*(graph|layer|attention|transformer|LayerNorm|Softmax)/i);
  });
});
