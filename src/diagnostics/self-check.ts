// The engine self-check the studio runs on the user's adapter: each check runs WGSL kernels on small random
// inputs and compares them with the float64 references. Design decision: the same comparisons as the GPU test
// tier, shipped in the app, so a user (and the browser test tier) learns whether *their* GPU computes correctly.
// It lives in diagnostics/, above kernels/, because it imports the float64 references (reference/): shipped
// kernel code never does.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import * as refAdd from '../../reference/add';
import * as refAdam from '../../reference/adamw';
import * as refAtt from '../../reference/attention';
import * as refCe from '../../reference/cross-entropy';
import * as refGelu from '../../reference/gelu';
import * as refLn from '../../reference/layernorm';
import * as refMm from '../../reference/matmul';
import { addForward } from '../kernels/add';
import { adamwStep } from '../kernels/adamw';
import { attentionBackward, attentionForward, attentionSaved } from '../kernels/attention';
import { softmaxCrossEntropy } from '../kernels/cross-entropy';
import { geluBackward, geluForward } from '../kernels/gelu';
import { layerNormBackward, layerNormForward } from '../kernels/layernorm';
import { linearBackward, linearForward } from '../kernels/matmul';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Largest |gpu - ref| / (atol + rtol*|ref|); <= 1 passes. */
  worstRatio: number;
  ms: number;
  error?: string;
}

interface Check {
  name: string;
  atol: number;
  rtol: number;
  /** Runs on the GPU and returns pairs of (gpu result, float64 reference). */
  run(e: GpuEngine, rand: (n: number) => Float64Array): Promise<Array<[Float32Array, Float64Array]>>;
}

function seeded(seed: number): (n: number) => Float64Array {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return (n) => Float64Array.from({ length: n }, () => Math.fround(2 * next() - 1));
}

const up = (e: GpuEngine, x: Float64Array, shape: number[], label: string): GpuTensor => e.tensor(shape, label, Float32Array.from(x));

/** Read every tensor, then release them all. */
async function readAll(e: GpuEngine, read: GpuTensor[], all: GpuTensor[]): Promise<Float32Array[]> {
  await e.sync();
  const out = await Promise.all(read.map((t) => t.read()));
  for (const t of all) t.release();
  return out;
}

export const CHECKS: Check[] = [
  {
    name: 'residual add',
    atol: 1e-6,
    rtol: 1e-6,
    async run(e, rand) {
      const n = 1031;
      const a = rand(n);
      const b = rand(n);
      const ta = up(e, a, [n], 'check.a');
      const tb = up(e, b, [n], 'check.b');
      const ty = e.tensor([n], 'check.y');
      addForward(e, ta, tb, ty);
      const out = await ty.read();
      [ta, tb, ty].forEach((t) => t.release());
      return [[out, refAdd.addForward(a, b)]];
    },
  },
  {
    name: 'linear layer y = xW + b, forward and backward (37x70 -> 3)',
    atol: 1e-4,
    rtol: 1e-4,
    async run(e, rand) {
      const [rows, K, N] = [37, 70, 3];
      const x = rand(rows * K), W = rand(K * N), b = rand(N), dY = rand(rows * N);
      const t = { x: up(e, x, [rows, K], 'x'), W: up(e, W, [K, N], 'W'), b: up(e, b, [N], 'b'), dY: up(e, dY, [rows, N], 'dY') };
      const y = e.tensor([rows, N], 'y'), dX = e.tensor([rows, K], 'dX'), dW = e.zeros([K, N], 'dW'), db = e.zeros([N], 'db');
      linearForward(e, t.x, t.W, t.b, y, { rows, K, N });
      linearBackward(e, { x: t.x, W: t.W, dY: t.dY, dX, dW, db }, { rows, K, N });
      const [gy, gdX, gdW, gdb] = await readAll(e, [y, dX, dW, db], [...Object.values(t), y, dX, dW, db]);
      const ry = refMm.linearForward(x, W, b, rows, K, N);
      const rb = refMm.linearBackward(x, W, dY, rows, K, N);
      return [[gy, ry], [gdX, rb.dX], [gdW, rb.dW], [gdb, rb.db]];
    },
  },
  {
    name: 'cross-attention with key padding, forward and backward (B2 L3 T37 H2x5)',
    atol: 1e-5,
    rtol: 1e-4,
    async run(e, rand) {
      const s = { B: 2, Lq: 3, Lk: 37, H: 2, dh: 5 };
      const W = s.H * s.dh;
      const q = rand(s.B * s.Lq * W), k = rand(s.B * s.Lk * W), v = rand(s.B * s.Lk * W), dO = rand(s.B * s.Lq * W);
      const mask = Float64Array.from({ length: s.B * s.Lk }, (_, i) => (i % s.Lk < (i < s.Lk ? 37 : 20) ? 1 : 0));
      const t = { q: up(e, q, [s.B, s.Lq, W], 'q'), k: up(e, k, [s.B, s.Lk, W], 'k'), v: up(e, v, [s.B, s.Lk, W], 'v'), m: up(e, mask, [s.B, s.Lk], 'mask'), dO: up(e, dO, [s.B, s.Lq, W], 'dO') };
      const out = e.tensor([s.B, s.Lq, W], 'out'), probs = attentionSaved(e, s);
      const dQ = e.tensor([s.B, s.Lq, W], 'dQ'), dK = e.tensor([s.B, s.Lk, W], 'dK'), dV = e.tensor([s.B, s.Lk, W], 'dV');
      attentionForward(e, { q: t.q, k: t.k, v: t.v, keyMask: t.m, out, probs }, s);
      attentionBackward(e, { q: t.q, k: t.k, v: t.v, probs, dOut: t.dO, dQ, dK, dV }, s);
      const got = await readAll(e, [out, dQ, dK, dV], [...Object.values(t), out, probs, dQ, dK, dV]);
      const f = refAtt.attentionForward(q, k, v, mask, s);
      const b = refAtt.attentionBackward(q, k, v, f.probs, dO, s);
      return [[got[0], f.out], [got[1], b.dQ], [got[2], b.dK], [got[3], b.dV]];
    },
  },
  {
    name: 'layer norm and GELU, forward and backward (37x70)',
    atol: 1e-5,
    rtol: 1e-4,
    async run(e, rand) {
      const [rows, dim] = [37, 70];
      const x = rand(rows * dim), gamma = rand(dim), beta = rand(dim), dY = rand(rows * dim);
      const t = { x: up(e, x, [rows, dim], 'x'), g: up(e, gamma, [dim], 'gamma'), b: up(e, beta, [dim], 'beta'), dY: up(e, dY, [rows, dim], 'dY') };
      const y = e.tensor([rows, dim], 'y'), mean = e.tensor([rows], 'mean'), rstd = e.tensor([rows], 'rstd');
      const dX = e.tensor([rows, dim], 'dX'), dG = e.zeros([dim], 'dGamma'), dB = e.zeros([dim], 'dBeta');
      const gy = e.tensor([rows, dim], 'gelu.y'), gdX = e.tensor([rows, dim], 'gelu.dX');
      layerNormForward(e, { x: t.x, gamma: t.g, beta: t.b, y, mean, rstd }, { rows, dim });
      layerNormBackward(e, { x: t.x, gamma: t.g, mean, rstd, dY: t.dY, dX, dGamma: dG, dBeta: dB }, { rows, dim });
      geluForward(e, t.x, gy);
      geluBackward(e, t.x, t.dY, gdX);
      const got = await readAll(e, [y, dX, dG, dB, gy, gdX], [...Object.values(t), y, mean, rstd, dX, dG, dB, gy, gdX]);
      const f = refLn.layerNormForward(x, gamma, beta, { rows, dim });
      const b = refLn.layerNormBackward(x, gamma, f.mean, f.rstd, dY, { rows, dim });
      return [[got[0], f.y], [got[1], b.dX], [got[2], b.dGamma], [got[3], b.dBeta], [got[4], refGelu.geluForward(x)], [got[5], refGelu.geluBackward(x, dY)]];
    },
  },
  {
    name: 'softmax cross-entropy with smoothing, logits up to +-100 (37x3)',
    atol: 2e-5,
    rtol: 1e-4,
    async run(e, rand) {
      const [B, L] = [37, 3];
      const logits = rand(B * L).map((z) => Math.fround(100 * z));
      const targets = Uint32Array.from({ length: B }, (_, i) => (i * 7) % L);
      const t = { z: up(e, logits, [B, L], 'logits'), y: e.tensor([B], 'targets', targets) };
      const loss = e.tensor([B], 'loss'), dZ = e.tensor([B, L], 'dLogits'), correct = e.tensor([B], 'correct'), stats = e.tensor([2], 'stats');
      softmaxCrossEntropy(e, { logits: t.z, targets: t.y, weights: null, loss, dLogits: dZ, correct, stats }, { labelSmoothing: 0.1 });
      const got = await readAll(e, [loss, dZ, stats], [t.z, t.y, loss, dZ, correct, stats]);
      const r = refCe.softmaxCrossEntropy(logits, targets, B, L, null, 0.1);
      return [[got[0], r.loss], [got[1], r.dLogits], [got[2].subarray(0, 1), Float64Array.of(r.mean)]];
    },
  },
  {
    name: 'AdamW, 3 steps with weight decay (n=70)',
    atol: 1e-6,
    rtol: 1e-5,
    async run(e, rand) {
      const n = 70;
      const p = rand(n), m = new Float64Array(n), v = new Float64Array(n);
      const t = { p: up(e, p, [n], 'param'), g: e.tensor([n], 'grad'), m: e.zeros([n], 'm'), v: e.zeros([n], 'v'), clip: e.tensor([2], 'clip', [0, 1]) };
      for (let step = 1; step <= 3; step++) {
        const g = rand(n);
        t.g.write(Float32Array.from(g));
        const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step };
        adamwStep(e, { param: t.p, grad: t.g, m: t.m, v: t.v, clip: t.clip }, o);
        refAdam.adamwStep(p, g, m, v, o);
      }
      const [gp] = await readAll(e, [t.p], Object.values(t));
      return [[gp, p]];
    },
  },
];

function worstRatio(gpu: Float32Array, ref: Float64Array, atol: number, rtol: number): number {
  if (gpu.length !== ref.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.abs(gpu[i] - ref[i]) / (atol + rtol * Math.abs(ref[i]));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}

export async function runSelfCheck(e: GpuEngine, onResult?: (r: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [i, check] of CHECKS.entries()) {
    const t0 = performance.now();
    let result: CheckResult;
    try {
      const pairs = await check.run(e, seeded(1234 + i));
      const ratio = Math.max(...pairs.map(([g, r]) => worstRatio(g, r, check.atol, check.rtol)));
      result = { name: check.name, ok: ratio <= 1, worstRatio: ratio, ms: performance.now() - t0 };
    } catch (err) {
      result = { name: check.name, ok: false, worstRatio: Infinity, ms: performance.now() - t0, error: String(err) };
    }
    results.push(result);
    onResult?.(result);
  }
  return results;
}
