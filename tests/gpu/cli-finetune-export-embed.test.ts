// The labeltune commands around full fine-tuning and deployment, in-process on the tiny test BERT (and a few
// USE-lite rows): `predict`/`eval` of a finetune head file (token ids through the WGSL encoder), `export --onnx`
// for a finetune head and a feature head (onnxruntime-node runs the file and gives predict's probabilities),
// `embed` with both engines (cosine >= 0.99999 per row, input order kept), and bad input for each (a head for
// another encoder, a missing model, an unwritable path, an unknown engine, a graph the WGSL reader refuses).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tokenHeadLogits } from '../../src/train/token-inference';
import { padBatch } from '../../src/encoder/batching';
import { TextTokenizer } from '../../src/encoder/tokenizer';
import { encoderIdentity } from '../../src/encoder/identity';
import { FinetuneHead } from '../../src/heads/finetune';
import { exportHead, type HeadMeta } from '../../src/heads/serialize';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import { mapSpecTensors } from '../../src/model/spec';
import { writeTinyBert, type TinyBert } from '../../tools/make-tiny-bert';
import { runCli as run } from '../helpers/cli-run';
import { testEngine } from '../helpers/gpu';
import { headFile, runOnnx } from '../helpers/head-files';
import { randn } from '../helpers/rng';
import { tinyBertVariant } from '../unit/model-graphs';

const dir = mkdtempSync(join(tmpdir(), 'labeltune-cli-ft-'));
const model = join(dir, 'tiny-bert');
const otherModel = join(dir, 'tiny-bert-other');
const data = join(dir, 'data.tsv');
const ftFile = join(dir, 'ft.safetensors');
const linFile = join(dir, 'linear.safetensors');
const M = ['--model', model];
const ROWS = [
  ['the movie was good', 'pos'],
  ['a terrible , awful , dull movie and the plot was boring too , so boring', 'neg'],
  ['fun', 'pos'],
  ['bad', 'neg'],
  ['great acting', 'pos'],
];
let tb: TinyBert;
let tok: TextTokenizer;
let ftProbs: number[][];

beforeAll(async () => {
  process.env.LABELTUNE_CACHE_DIR = join(dir, 'cache');
  tb = await writeTinyBert(model);
  await writeTinyBert(otherModel, 12345);
  writeFileSync(data, `text\tlabel\n${ROWS.map((r) => r.join('\t')).join('\n')}\n`);
  tok = TextTokenizer.fromJson('tiny-bert', tb.tokenizerJson, 0);
  // The encoder identity covers model.onnx, tokenizer.json and config.json (src/encoder/identity.ts).
  const { hash } = await encoderIdentity({ model: tb.model, tokenizerJson: tb.tokenizerJson, config: tb.configJson });
  const meta: HeadMeta = { labels: ['neg', 'pos'], labelTexts: ['neg', 'pos'], encoder: { name: 'tiny-bert', hash }, tokenizer: { tmax: 10, pair: 'none' }, training: {}, metrics: { accuracy: 0, macroF1: 0 } };
  // A "fine-tuned" head: every encoder weight moved, a random classifier.
  const e = await testEngine();
  const spec = mapSpecTensors(readEncoderSpec(tb.model), (_, t) => Float32Array.from(t.data, (v, i) => v + 0.02 * Math.sin(i)));
  const head = new FinetuneHead(e, { spec, labels: 2, pair: false, seed: 0, W: randn(32 * 2, 5, 1), b: randn(2, 6, 0.3) });
  writeFileSync(ftFile, await exportHead(head, meta));
  const z = await tokenHeadLogits(e, head, tok, ROWS.map(([text]) => ({ text })), 10, 'none', { batchSize: 2 });
  ftProbs = ROWS.map((_, i) => {
    const m = Math.max(z[2 * i], z[2 * i + 1]);
    const s = Math.exp(z[2 * i] - m) + Math.exp(z[2 * i + 1] - m);
    return [Math.exp(z[2 * i] - m) / s, Math.exp(z[2 * i + 1] - m) / s];
  });
  head.dispose();
  writeFileSync(linFile, headFile('linear', { C: 32, labels: 2, pair: false }, { 'param.W': { shape: [32, 2], data: randn(64, 7, 1) }, 'param.b': { shape: [2], data: [0.1, -0.1] } }, { ...meta, createdAt: '2026-01-01T00:00:00Z' }));
});

afterEach(() => vi.restoreAllMocks());

const csvRows = (out: string) => Papa.parse<Record<string, string>>(out.trim(), { header: true }).data;

/** onnxruntime-node on a combined model file for the rows (single texts, tmax 10, padded on the right). */
async function ortProbs(file: string): Promise<number[][]> {
  const seqs = ROWS.map(([t]) => tok.encode(t, undefined, 10));
  const seq = Math.max(...seqs.map((s) => s.ids.length));
  const b = padBatch(seqs, { indices: seqs.map((_, i) => i), seq }, tok.padId);
  const p = (await runOnnx(new Uint8Array(readFileSync(file)), {
    input_ids: { data: b.ids, dims: [b.rows, seq] },
    attention_mask: { data: b.mask, dims: [b.rows, seq] },
    token_type_ids: { data: b.typeIds, dims: [b.rows, seq] },
  })).probabilities.data;
  return ROWS.map((_, i) => [p[2 * i], p[2 * i + 1]]);
}

const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i][j]))));

describe('predict, eval and export of a finetune head file', () => {
  it('predict runs the WGSL encoder on token ids: the GPU head\'s probabilities, in input order', async () => {
    const r = await run(['predict', '--head-file', ftFile, '--data', data, ...M, '--batch', '2']);
    expect(r.code, r.err).toBe(0);
    const rows = csvRows(r.out);
    expect(rows.map((x) => x.text)).toEqual(ROWS.map(([t]) => t));
    const got = rows.map((x) => [Number(x.p_neg), Number(x.p_pos)]);
    expect(maxDiff(got, ftProbs)).toBeLessThan(1e-6); // printed with 6 decimals
  });

  it('eval reports the accuracy of those predictions', async () => {
    const r = await run(['eval', '--head-file', ftFile, '--data', data, ...M, '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    const correct = ROWS.filter(([, l], i) => (ftProbs[i][1] > ftProbs[i][0] ? 'pos' : 'neg') === l).length;
    expect(report).toMatchObject({ command: 'eval', head: 'finetune', examples: ROWS.length });
    expect(report.metrics.accuracy).toBeCloseTo(correct / ROWS.length, 10);
  });

  it('export --onnx: onnxruntime runs the combined file and gives predict\'s probabilities (finetune and linear)', async () => {
    for (const [name, file] of [['finetune', ftFile], ['linear', linFile]]) {
      const out = join(dir, `${name}.onnx`);
      const r = await run(['export', '--head-file', file, '--onnx', out, ...M]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+\\.\\d MB\\): tiny-bert`));
      const p = await run(['predict', '--head-file', file, '--data', data, ...M, '--no-cache']);
      expect(p.code, p.err).toBe(0);
      const cli = csvRows(p.out).map((x) => [Number(x.p_neg), Number(x.p_pos)]);
      const d = maxDiff(await ortProbs(out), cli);
      console.info(`[cli export] ${name}: max |prob diff| onnxruntime vs labeltune predict = ${d.toExponential(2)}`);
      expect(d).toBeLessThan(1e-4);
    }
  });

  it('export: bad input is one line with the exit code of the other commands', async () => {
    const other = await run(['export', '--head-file', ftFile, '--onnx', join(dir, 'x.onnx'), '--model', otherModel]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/^labeltune: combined ONNX export: the model was fine-tuned from tiny-bert \(hash [0-9a-f]{12}…\), this encoder \(tiny-bert-other: model, tokenizer and config\) has hash [0-9a-f]{12}…; combine it with tiny-bert's files \(choose the model with --model DIR\)$/);
    const otherLinear = await run(['export', '--head-file', linFile, '--onnx', join(dir, 'x.onnx'), '--model', otherModel]);
    expect(otherLinear.code).toBe(1);
    expect(otherLinear.err).toMatch(/the head was trained on tiny-bert .*\(choose the model with --model DIR\)$/);
    const predictOther = await run(['predict', '--head-file', ftFile, '--data', data, '--model', otherModel]);
    expect(predictOther.code).toBe(1);
    expect(predictOther.err).toMatch(/this head was trained on tiny-bert \(hash [0-9a-f]{12}…\), the loaded encoder is tiny-bert-other .*\(choose the model with --model DIR\)$/);
    const missing = await run(['export', '--head-file', ftFile, '--onnx', join(dir, 'x.onnx'), '--model', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^labeltune: Model not found: .*nope does not exist\.$/);
    const unwritable = await run(['export', '--head-file', ftFile, '--onnx', join(dir, 'no-such-folder', 'x.onnx'), ...M]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.err).toMatch(/^labeltune: cannot write .*x\.onnx: the folder .*no-such-folder does not exist \(create it first\)/);
    const noHead = await run(['export', '--head-file', join(dir, 'none.safetensors'), '--onnx', join(dir, 'x.onnx'), ...M]);
    expect(noHead.code).toBe(2);
    expect(noHead.err).toMatch(/cannot read .*none\.safetensors: no such file/);
    const noOnnx = await run(['export', '--head-file', ftFile]);
    expect(noOnnx.code).toBe(2);
    expect(noOnnx.err).toMatch(/export needs --onnx FILE/);
  });
});

const cosine = (a: number[], b: number[]) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((v, i) => {
    ab += v * b[i];
    aa += v * v;
    bb += b[i] * b[i];
  });
  return ab / Math.sqrt(aa * bb);
};

describe('embed: the pooled vector per row, WGSL and onnxruntime engines agree', () => {
  const texts = ['the movie was good', '', 'a terrible , awful , dull movie and the plot was boring too , so very boring', 'fun', 'the movie was good'];
  const file = join(dir, 'texts.tsv');
  beforeAll(() => writeFileSync(file, `text\tid\n${texts.map((t, i) => `${t}\t${i}`).join('\n')}\n`));

  async function both(model: string[], tmax: string[]): Promise<{ wgsl: number[][]; onnx: number[][] }> {
    const out = join(dir, 'vectors.jsonl');
    const w = await run(['embed', '--data', file, '--engine', 'wgsl', ...model, ...tmax, '--batch', '2', '--out', out]);
    expect(w.code, w.err).toBe(0);
    expect(w.out).toMatch(/^wrote 5 vectors of width \d+ \(wgsl engine, /);
    const wgsl = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as number[]);
    const o = await run(['embed', '--data', file, '--engine', 'onnx', ...model, ...tmax]);
    expect(o.code, o.err).toBe(0);
    const onnx = o.out.split('\n').map((l) => JSON.parse(l) as number[]);
    expect(wgsl.length).toBe(texts.length);
    expect(onnx.length).toBe(texts.length);
    return { wgsl, onnx };
  }

  it('tiny BERT: cosine >= 0.99999 per row, input order kept (rows 0 and 4 are the same text)', async () => {
    const { wgsl, onnx } = await both(M, ['--tmax', '12']);
    const cos = wgsl.map((v, i) => cosine(v, onnx[i]));
    console.info(`[embed] tiny BERT: min cosine wgsl vs onnx = ${Math.min(...cos)}`);
    for (const c of cos) expect(c).toBeGreaterThanOrEqual(0.99999);
    expect(wgsl[4]).toEqual(wgsl[0]);
    expect(cosine(wgsl[0], wgsl[2])).toBeLessThan(0.999); // different texts, different vectors
  });

  it('USE-lite (the default model): a few rows agree too', async () => {
    const { wgsl, onnx } = await both([], ['--tmax', '16']);
    expect(wgsl[0].length).toBe(512);
    const cos = wgsl.map((v, i) => cosine(v, onnx[i]));
    console.info(`[embed] USE-lite: min cosine wgsl vs onnx = ${Math.min(...cos)}`);
    for (const c of cos) expect(c).toBeGreaterThanOrEqual(0.99999);
  }, 300_000);

  it('bad input: an unknown engine, a graph the WGSL reader does not recognise', async () => {
    const bad = await run(['embed', '--data', file, '--engine', 'cuda', ...M]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^labeltune: --engine must be one of onnx, wgsl, got "cuda"/);
    const silu = join(dir, 'tiny-bert-silu');
    mkdirSync(silu);
    writeFileSync(join(silu, 'model.onnx'), tinyBertVariant(tb.config, tb.weights, { gelu: 'silu' }));
    writeFileSync(join(silu, 'tokenizer.json'), JSON.stringify(tb.tokenizerJson));
    writeFileSync(join(silu, 'config.json'), JSON.stringify(tb.configJson));
    const r = await run(['embed', '--data', file, '--engine', 'wgsl', '--model', silu]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^labeltune: --engine wgsl cannot run model "[^"]*": unsupported encoder graph: layer 0: the FFN activation \(ops Sigmoid, Mul, .*\) is neither GELU \(erf\) nor ReLU.*--engine onnx runs it\.$/);
    // onnxruntime runs the same model.
    const o = await run(['embed', '--data', file, '--engine', 'onnx', '--model', silu]);
    expect(o.code, o.err).toBe(0);
    expect(o.out.split('\n')).toHaveLength(texts.length);
  });
});
