// Registry entry of the linear probe (../linear.ts): softmax regression on the pooled vector, or on the pair
// features [u, v, |u-v|, u*v] for pairs encoded side by side. Design decision: convex, so it starts at zero and
// takes a larger learning rate (1e-2) than the attention heads.
import { pairFeatures, linear as linearNode } from '../../onnx/blocks';
import { bool, HeadOnnxError, int, cInt, type HeadKindEntry } from '../kind-entry';
import { LinearHead } from '../linear';

export const linearEntry: HeadKindEntry<'linear'> = {
  kind: 'linear',
  title: 'Linear probe',
  blurb: 'Softmax regression on the sentence vector. Seconds to train.',
  input: 'features',
  trainDefaults: { lr: 1e-2, objective: 'softmax' },
  build: (e, ctx) => new LinearHead(e, { C: ctx.C, labels: ctx.labels, pair: ctx.pair }),
  codec: {
    save(head) {
      const h = head as LinearHead;
      return { config: { C: h.config.C, labels: h.labels, pair: h.config.pair }, extra: {} };
    },
    expect(c) {
      const w = 'config (linear)';
      const C = int(c, 'C', w);
      const L = int(c, 'labels', w);
      const D = bool(c, 'pair', w) ? 4 * C : C;
      return { L, shapes: new Map([['param.W', [D, L]], ['param.b', [L]]]) };
    },
    load: (e, c, t, L) => new LinearHead(e, { C: c.C as number, labels: L, pair: c.pair as boolean, W: t['param.W'].data, b: t['param.b'].data }),
  },
  onnx(g, P, src, io) {
    const c = src.config;
    const C = cInt(c, 'C', 'linear');
    const L = cInt(c, 'labels', 'linear');
    const sideBySide = io.pooledB !== null;
    if (c.pair !== sideBySide) {
      throw new HeadOnnxError(`config (linear).pair is ${JSON.stringify(c.pair)} but tokenizer.pair is "${src.meta.tokenizer.pair}": a pair probe needs pairs encoded side by side and vice versa`);
    }
    const x = sideBySide ? pairFeatures(g, io.pooled, io.pooledB!) : io.pooled;
    const D = sideBySide ? 4 * C : C;
    return { logits: linearNode(g, x, P.get('param.W', [D, L]), P.get('param.b', [L])), L, C };
  },
};
