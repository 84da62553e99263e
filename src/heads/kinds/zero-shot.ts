// Registry entry of the zero-shot head (../zero-shot.ts): scale * cosine of the pooled vector and each label
// text's seed. Design decision: nothing to train, yet it exports like any head — its seeds and scale are stored
// as config (`config.seeds`), so a zero-shot classifier is a file too.
import { cInt, cNum, finiteNum, int, seedMatrix, type HeadKindEntry } from '../kind-entry';
import { reduceSum } from '../../onnx/blocks';
import { normalizedSeeds, ZeroShotHead } from '../zero-shot';

export const zeroShotEntry: HeadKindEntry<'zeroshot'> = {
  kind: 'zeroshot',
  title: 'Zero-shot',
  blurb: 'Cosine of text and label-text vectors. Nothing to train.',
  input: 'features',
  trainDefaults: { lr: 1e-3, objective: 'softmax' },
  build: (e, ctx) => new ZeroShotHead(e, { C: ctx.C, labels: ctx.labels, seeds: seedMatrix(ctx), scale: 20 }),
  codec: {
    save(head) {
      const { C, labels: L, seeds } = (head as ZeroShotHead).config;
      return { config: { C, labels: L, scale: (head as ZeroShotHead).scale }, extra: { 'config.seeds': { shape: [L, C], data: Float32Array.from(seeds) } } };
    },
    expect(c) {
      const w = 'config (zeroshot)';
      const C = int(c, 'C', w);
      const L = int(c, 'labels', w);
      finiteNum(c, 'scale', w);
      return { L, shapes: new Map([['config.seeds', [L, C]]]) };
    },
    load: (e, c, t, L) => new ZeroShotHead(e, { C: c.C as number, labels: L, seeds: t['config.seeds'].data, scale: c.scale as number }),
  },
  onnx(g, P, src, io) {
    // z = scale * <f / max(||f||, 1e-12), s_l / ||s_l||>, f = u or u + v
    const c = src.config;
    const C = cInt(c, 'C', 'zeroshot');
    const L = cInt(c, 'labels', 'zeroshot');
    const scale = cNum(c, 'scale', 'zeroshot');
    const sn = normalizedSeeds(P.raw('config.seeds', [L, C]), L, C);
    const snT = new Float32Array(C * L);
    for (let l = 0; l < L; l++) for (let j = 0; j < C; j++) snT[j * L + l] = sn[l * C + j];
    const f = io.pooledB ? g.node('Add', [io.pooled, io.pooledB]) : io.pooled;
    const norm = g.node('Max', [g.node('Sqrt', [reduceSum(g, g.node('Mul', [f, f]), -1, true)]), g.constFloat([1e-12], [])]);
    const z = g.node('MatMul', [g.node('Div', [f, norm]), g.initializer('zeroshot.seedsT', snT, [C, L])]);
    return { logits: g.node('Mul', [z, g.constFloat([scale], [])]), L, C };
  },
};
