// Registry entry of label tuning (../label-tuning.ts): trainable label vectors S (L, C) start at the label texts'
// pooled seeds; logits = scale * <f, S_l>. Design decision: the scale is fixed when the head is built, a softmax
// temperature of 1/20 relative to the seeds' mean squared norm (pooled vectors of L2-normalised encoders have
// dot products in [-1, 1], too flat for a softmax).
import { HeadFileError, bool, cInt, cNum, finiteNum, int, seedMatrix, type HeadKindEntry } from '../kind-entry';
import { LabelTuningHead } from '../label-tuning';

export const labelEntry: HeadKindEntry<'label'> = {
  kind: 'label',
  title: 'Label tuning',
  blurb: 'Tunes the label texts’ vectors only; starts from zero-shot.',
  input: 'features',
  trainDefaults: { lr: 1e-2, objective: 'softmax' },
  build(e, ctx) {
    const seedList = ctx.labelFeatures.map((f) => f.pooled);
    const meanSq = seedList.reduce((a, s) => a + s.reduce((b, x) => b + x * x, 0), 0) / Math.max(1, seedList.length);
    return new LabelTuningHead(e, { C: ctx.C, labels: ctx.labels, seeds: seedMatrix(ctx), scale: 20 / Math.max(meanSq, 1e-6) });
  },
  codec: {
    save(head) {
      const h = head as LabelTuningHead;
      return { config: { C: h.config.C, labels: h.labels, scale: h.scale, decay: h.config.decay ?? false }, extra: {} };
    },
    expect(c) {
      const w = 'config (label)';
      const C = int(c, 'C', w);
      const L = int(c, 'labels', w);
      if (finiteNum(c, 'scale', w) === 0) throw new HeadFileError(`${w}.scale must be non-zero`);
      bool(c, 'decay', w);
      return { L, shapes: new Map([['param.S', [L, C]]]) };
    },
    load: (e, c, t, L) => new LabelTuningHead(e, { C: c.C as number, labels: L, seeds: t['param.S'].data, scale: c.scale as number, decay: c.decay as boolean }),
  },
  onnx(g, P, src, io) {
    // z = scale * f S^T, f = u or (u + v) / 2
    const c = src.config;
    const C = cInt(c, 'C', 'label');
    const L = cInt(c, 'labels', 'label');
    const scale = cNum(c, 'scale', 'label');
    const S = P.raw('param.S', [L, C]);
    const St = new Float32Array(C * L);
    for (let l = 0; l < L; l++) for (let j = 0; j < C; j++) St[j * L + l] = S[l * C + j];
    const f = io.pooledB ? g.node('Mul', [g.node('Add', [io.pooled, io.pooledB]), g.constFloat([0.5], [])]) : io.pooled;
    const z = g.node('MatMul', [f, g.initializer('label.St', St, [C, L])]);
    return { logits: g.node('Mul', [z, g.constFloat([scale], [])]), L, C };
  },
};
