// The engine end to end: the tiny two-layer stack (tests/helpers/tiny-stack.ts) trained for 30 AdamW steps with
// the WGSL kernels — every step one command buffer (forward, backward, global-norm clip, AdamW) — must follow the
// float64 reference: the same loss curve and, after 30 steps, the same parameters within tolerance (measured on
// lavapipe: loss within 1e-6 and parameters within 1e-5 relative; the bounds below leave 10x for other drivers).
import { describe, expect, it } from 'vitest';
import type { GpuEngine, GpuTensor } from '../../src/gpu/engine';
import { withErrorScopes } from '../../src/gpu/engine';
import { addAccumulate } from '../../src/kernels/add';
import { adamwStep } from '../../src/kernels/adamw';
import { attentionBackward, attentionForward, attentionSaved } from '../../src/kernels/attention';
import { softmaxCrossEntropy } from '../../src/kernels/cross-entropy';
import { geluBackward, geluForward } from '../../src/kernels/gelu';
import { createGradNormPartials, gradNorm } from '../../src/kernels/grad-norm';
import { layerNormBackward, layerNormForward } from '../../src/kernels/layernorm';
import { linearBackward, linearForward } from '../../src/kernels/matmul';
import { expectClose } from '../helpers/close';
import { testEngine } from '../helpers/gpu';
import { OPT, PARAMS, S, WEIGHT_DECAY, initParams, makeData, referenceStep, type ParamName } from '../helpers/tiny-stack';

const { B, T, C, L, d, H, d2 } = S;
const dh = d / H;

class GpuStack {
  p = {} as Record<ParamName, GpuTensor>;
  g = {} as Record<ParamName, GpuTensor>;
  m = {} as Record<ParamName, GpuTensor>;
  v = {} as Record<ParamName, GpuTensor>;
  private a: Record<string, GpuTensor> = {};
  private clip: GpuTensor;
  private partials: GpuTensor;

  constructor(private e: GpuEngine, init: Record<ParamName, Float64Array>, data: ReturnType<typeof makeData>) {
    for (const { name, shape } of PARAMS) {
      this.p[name] = e.tensor(shape, `p.${name}`, Float32Array.from(init[name]));
      for (const [slot, store] of [['g', this.g], ['m', this.m], ['v', this.v]] as const) {
        store[name] = e.zeros(shape, `${slot}.${name}`);
      }
    }
    // Q = R E with a fixed 0/1 replication matrix R (B*L, L): broadcasting E over the batch is a matmul, and its
    // gradient dE = R^T dQ is the ordinary weight gradient of that matmul.
    const R = new Float32Array(B * L * L);
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) R[(b * L + l) * L + l] = 1;
    const t = (shape: number[], label: string, init?: ArrayLike<number> | Uint32Array) => e.tensor(shape, label, init);
    this.a = {
      F: t([B, T, C], 'F', Float32Array.from(data.F)),
      mask: t([B, T], 'mask', Float32Array.from(data.mask)),
      targets: t([B], 'targets', data.targets),
      R: t([B * L, L], 'R', R),
      M: t([B, T, d], 'M'),
      Q: t([B, L, d], 'Q'),
      O: t([B, L, d], 'O'),
      P: attentionSaved(e, { B, Lq: L, Lk: T, H, dh }),
      Hn: t([B * L, d], 'Hn'),
      mean: t([B * L], 'ln.mean'),
      rstd: t([B * L], 'ln.rstd'),
      Pre: t([B * L, d2], 'Pre'),
      Act: t([B * L, d2], 'Act'),
      Z: t([B, L], 'Z'),
      loss: t([B], 'loss'),
      correct: t([B], 'correct'),
      stats: t([2], 'stats'),
      dZ: t([B, L], 'dZ'),
      dAct: t([B * L, d2], 'dAct'),
      dPre: t([B * L, d2], 'dPre'),
      dHn: t([B * L, d], 'dHn'),
      dO: t([B, L, d], 'dO'),
      dQ: t([B, L, d], 'dQ'),
      dK: t([B, T, d], 'dK'),
      dV: t([B, T, d], 'dV'),
      dS: t([B, H, L, T], 'dS'),
    };
    this.clip = t([2], 'clip');
    this.partials = createGradNormPartials(e, PARAMS.map(({ name }) => this.g[name]));
  }

  /** Record one whole training step (nothing is submitted here). */
  step(step: number): void {
    const { e, p, g, a } = this;
    linearForward(e, a.F, p.Wf, p.bf, a.M, { rows: B * T, K: C, N: d });
    linearForward(e, a.R, p.E, null, a.Q, { rows: B * L, K: L, N: d });
    attentionForward(e, { q: a.Q, k: a.M, v: a.M, keyMask: a.mask, out: a.O, probs: a.P }, { B, Lq: L, Lk: T, H, dh });
    layerNormForward(e, { x: a.O, gamma: p.gamma, beta: p.beta, y: a.Hn, mean: a.mean, rstd: a.rstd }, { rows: B * L, dim: d, eps: OPT.lnEps });
    linearForward(e, a.Hn, p.W1, p.b1, a.Pre, { rows: B * L, K: d, N: d2 });
    geluForward(e, a.Pre, a.Act);
    linearForward(e, a.Act, p.w2, null, a.Z, { rows: B * L, K: d2, N: 1 });
    softmaxCrossEntropy(
      e,
      { logits: a.Z, targets: a.targets, weights: null, loss: a.loss, dLogits: a.dZ, correct: a.correct, stats: a.stats },
      { labelSmoothing: OPT.smoothing },
    );
    linearBackward(e, { x: a.Act, W: p.w2, dY: a.dZ, dX: a.dAct, dW: g.w2, db: null }, { rows: B * L, K: d2, N: 1 });
    geluBackward(e, a.Pre, a.dAct, a.dPre);
    linearBackward(e, { x: a.Hn, W: p.W1, dY: a.dPre, dX: a.dHn, dW: g.W1, db: g.b1 }, { rows: B * L, K: d, N: d2 });
    layerNormBackward(
      e,
      { x: a.O, gamma: p.gamma, mean: a.mean, rstd: a.rstd, dY: a.dHn, dX: a.dO, dGamma: g.gamma, dBeta: g.beta },
      { rows: B * L, dim: d },
    );
    attentionBackward(
      e,
      { q: a.Q, k: a.M, v: a.M, probs: a.P, dOut: a.dO, dQ: a.dQ, dK: a.dK, dV: a.dV, dScores: a.dS },
      { B, Lq: L, Lk: T, H, dh },
    );
    addAccumulate(e, a.dK, a.dV); // M feeds both K and V: dM = dK + dV
    linearBackward(e, { x: a.R, W: p.E, dY: a.dQ, dX: null, dW: g.E, db: null }, { rows: B * L, K: L, N: d });
    linearBackward(e, { x: a.F, W: p.Wf, dY: a.dK, dX: null, dW: g.Wf, db: g.bf }, { rows: B * T, K: C, N: d });
    gradNorm(e, PARAMS.map(({ name }) => g[name]), this.clip, this.partials, OPT.maxNorm);
    for (const { name, decay } of PARAMS) {
      adamwStep(
        e,
        { param: p[name], grad: g[name], m: this.m[name], v: this.v[name], clip: this.clip },
        { lr: OPT.lr, beta1: OPT.beta1, beta2: OPT.beta2, eps: OPT.eps, weightDecay: decay ? WEIGHT_DECAY : 0, step, zeroGrad: true },
      );
    }
  }

  meanLoss(): Promise<number> {
    return this.a.stats.read().then((s) => s[0]);
  }
}

describe('tiny two-layer stack: 30 AdamW steps on the GPU vs the float64 reference', () => {
  it('matches the loss curve and the final parameters', async () => {
    const e = await testEngine();
    const data = makeData();
    const init = initParams();
    // reference run
    const rp = initParams();
    const zeros = () => Object.fromEntries(PARAMS.map(({ name }) => [name, new Float64Array(rp[name].length)])) as Record<ParamName, Float64Array>;
    const rm = zeros();
    const rv = zeros();
    const refLosses: number[] = [];
    for (let step = 1; step <= OPT.steps; step++) refLosses.push(referenceStep(rp, rm, rv, data, step));

    await withErrorScopes(e.device, async () => {
      const net = new GpuStack(e, init, data);
      const gpuLosses: number[] = [];
      const dispatchesBefore = e.dispatchCount;
      for (let step = 1; step <= OPT.steps; step++) {
        net.step(step);
        gpuLosses.push(await net.meanLoss()); // one readback per step: the test compares every step
      }
      const perStep = (e.dispatchCount - dispatchesBefore) / OPT.steps;
      console.info(`[train-stack] ${perStep} dispatches per step; loss ${gpuLosses[0].toFixed(4)} -> ${gpuLosses.at(-1)!.toFixed(4)}`);

      expect(gpuLosses[OPT.steps - 1]).toBeLessThan(0.7 * gpuLosses[0]);
      expectClose(gpuLosses, refLosses, 1e-5, 1e-5, 'loss curve');
      for (const { name } of PARAMS) expectClose(await net.p[name].read(), rp[name], 1e-4, 1e-4, `final ${name}`);
    });
  });
});
