// Registry entry of the Y-Tuning label decoder (../ytuning.ts, DESIGN.md §1). Design decision: the file stores
// the resolved config (d, H, N, ffn, seed, lnEps, pair) and, when the head was built from label texts, their
// seeds as `config.labelSeeds`, so an import rebuilds exactly the head that was trained.
import { attention, batchDim, broadcastBatch, gelu, keyMaskBias, layerNorm, linear, onesColumn, pairFeatures } from '../../onnx/blocks';
import { bool, cInt, cNum, finiteNum, HeadFileError, HeadOnnxError, int, paramInit, seedMatrix, type Config, type HeadKindEntry } from '../kind-entry';
import type { F32Tensor } from '../safetensors';
import { YTuningHead } from '../ytuning';
import { resolveYTuning, ytuningParamSpecs, type YTuningConfig } from '../ytuning-config';

function ytuningConfig(c: Config, seeds: Float32Array | null): YTuningConfig {
  const w = 'config (ytuning)';
  const d = int(c, 'd', w);
  const cfg: YTuningConfig = { C: int(c, 'C', w), L: int(c, 'L', w), d, H: int(c, 'H', w), N: int(c, 'N', w), ffnMult: int(c, 'ffn', w) / d, seed: finiteNum(c, 'seed', w), lnEps: finiteNum(c, 'lnEps', w) };
  bool(c, 'labelSeeds', w);
  // Files written before pair heads existed have no `pair`: they are single-text heads.
  if (c.pair !== undefined) cfg.pair = bool(c, 'pair', w);
  if (seeds) cfg.labelSeeds = seeds;
  return cfg;
}

export const ytuningEntry: HeadKindEntry<'ytuning'> = {
  kind: 'ytuning',
  title: 'Y-Tuning',
  blurb: 'Label decoder: label queries attend over the text tokens (best accuracy).',
  input: 'features',
  trainDefaults: { lr: 1e-3, objective: 'softmax' },
  build: (e, ctx) => new YTuningHead(e, { C: ctx.C, L: ctx.labels, labelSeeds: seedMatrix(ctx), seed: ctx.seed, pair: ctx.pair }),
  codec: {
    save(head) {
      const r = (head as YTuningHead).config;
      const config = { C: r.C, L: r.L, d: r.d, H: r.H, N: r.N, ffn: r.ffn, seed: r.seed, lnEps: r.lnEps, labelSeeds: r.seeds !== null, pair: r.pair };
      const extra: Record<string, F32Tensor> = r.seeds ? { 'config.labelSeeds': { shape: [r.L, r.C], data: Float32Array.from(r.seeds) } } : {};
      return { config, extra };
    },
    expect(c) {
      const w = 'config (ytuning)';
      const r = resolveYTuning(ytuningConfig(c, null));
      if (r.ffn !== int(c, 'ffn', w)) throw new HeadFileError(`${w}.ffn ${c.ffn} is not a multiple the head can rebuild from d ${r.d}`);
      const shapes = new Map<string, number[]>();
      if (c.labelSeeds) shapes.set('config.labelSeeds', [r.L, r.C]);
      for (const s of ytuningParamSpecs({ ...r, seeds: c.labelSeeds ? new Float64Array(0) : null })) shapes.set(`param.${s.name}`, s.shape);
      return { L: r.L, shapes };
    },
    load: (e, c, t) => new YTuningHead(e, ytuningConfig(c, c.labelSeeds ? t['config.labelSeeds'].data : null), paramInit(t)),
  },
  onnx(g, P, src, io) {
    // exactly as reference/heads/ytuning.ts (memory = T token rows + one pooled token, pre-LN layers)
    const c = src.config;
    const k = 'ytuning';
    const [C, L, d, H, N, ffn] = ['C', 'L', 'd', 'H', 'N', 'ffn'].map((key) => cInt(c, key, k));
    if (d % H !== 0) throw new HeadOnnxError(`config (ytuning): H (${H}) must divide d (${d})`);
    const eps = cNum(c, 'lnEps', k);
    const pair = c.pair === true;
    if (c.pair !== undefined && typeof c.pair !== 'boolean') throw new HeadOnnxError(`config (ytuning).pair must be true or false, got ${JSON.stringify(c.pair)}`);
    if (pair && !io.pooledB) throw new HeadOnnxError(`a pair Y-Tuning head needs pairs encoded side by side, but tokenizer.pair is "${src.meta.tokenizer.pair}"`);
    const p = (name: string, shape: number[]) => P.get(`param.${name}`, shape);
    const B = batchDim(g, io.pooled);
    // label queries (L, d), shared by the batch
    let Q0 = p('E', [L, d]);
    if (c.labelSeeds) Q0 = g.node('Add', [linear(g, P.get('config.labelSeeds', [L, C]), p('Ws', [C, d]), p('bs', [d])), Q0]);
    let X = broadcastBatch(g, Q0, B, L, d); // (B, L, d)
    // memory (B, T+1, d): token rows, then the pooled token (from f, or for pairs from g = [u, v, |u-v|, u*v])
    const tok = layerNorm(g, linear(g, io.tokens, p('Wf', [C, d]), p('bf', [d])), p('mg', [d]), p('mb', [d]), eps);
    const gx = pair ? pairFeatures(g, io.pooled, io.pooledB!) : io.pooled;
    const K = pair ? 4 * C : C;
    const pool = layerNorm(g, linear(g, gx, p('Wp', [K, d]), p('bp', [d])), p('pg', [d]), p('pb', [d]), eps);
    const M = g.node('Concat', [tok, g.node('Unsqueeze', [pool, g.constInt64([1])])], { axis: 1 });
    const bias = keyMaskBias(g, g.node('Concat', [io.mask, onesColumn(g, B)], { axis: 1 }));
    const mha = { H, dh: d / H };
    for (let i = 0; i < N; i++) {
      const l = `l${i}.`;
      const w = (n: string) => p(l + n, [d, d]);
      const v = (n: string, len = d) => p(l + n, [len]);
      const a1 = layerNorm(g, X, v('ln1g'), v('ln1b'), eps);
      const sa = attention(g, linear(g, a1, w('Wsq'), v('bsq')), linear(g, a1, w('Wsk'), null), linear(g, a1, w('Wsv'), v('bsv')), null, mha);
      X = g.node('Add', [X, linear(g, sa, w('Wso'), v('bso'))]);
      const a2 = layerNorm(g, X, v('ln2g'), v('ln2b'), eps);
      const ca = attention(g, linear(g, a2, w('Wcq'), v('bcq')), linear(g, M, w('Wck'), null), linear(g, M, w('Wcv'), v('bcv')), bias, mha);
      X = g.node('Add', [X, linear(g, ca, w('Wco'), v('bco'))]);
      const a3 = layerNorm(g, X, v('ln3g'), v('ln3b'), eps);
      const h = gelu(g, linear(g, a3, p(l + 'W1', [d, ffn]), v('b1', ffn)));
      X = g.node('Add', [X, linear(g, h, p(l + 'W2', [ffn, d]), v('b2'))]);
    }
    const fin = layerNorm(g, X, p('lnfg', [d]), null, eps);
    const score = g.node('Squeeze', [g.node('MatMul', [fin, p('u', [d, 1])]), g.constInt64([2])]); // (B, L)
    let logits = g.node('Add', [score, p('c', [L])]);
    if (pair) logits = g.node('Add', [logits, g.node('MatMul', [gx, p('Wsc', [K, L])])]);
    return { logits, L, C };
  },
};
