// The tfjs peer of the `finetune` head for the training benchmark (bench/train.bench.ts): the whole encoder of an
// EncoderSpec (read from model.onnx by readEncoderSpec — USE-lite: word embeddings x2 + the timing signal, two
// pre-LN layers with the projected skip in layer 0, ReLU FFN, masked mean -> dense + tanh -> L2 pooling) plus the
// classifier, in @tensorflow/tfjs ops on its WebGPU backend, trained by tfjs autodiff (tf.variableGrads) with
// the same clip + AdamW as the head peers (tfTrainStep in ./tfjs-heads.ts).
// Design decision: the peer is built FROM our FinetuneHead's parameters (names "encoder.<spec tensor>",
// "classifier.W/b", values read back from the GPU) and takes the same host-side inputs our encoder computes on
// the CPU (prepareInputs: positions, the effective mask, the timing signal), so its step-0 loss must equal ours
// and the benchmark checks that before timing. BERT's post-LN layers, learned positions, token types and an
// embedding LayerNorm are written too (the spec names each difference), but only USE-lite is benchmarked.
import { prepareInputs, type TokenBatch } from '../src/model/inputs';
import type { EncoderSpec, LayerNormSpec, LinearSpec, Tensor as SpecTensor } from '../src/model/spec';
import { specTensors } from '../src/model/spec';
import type { ParamInit, TfHead, TfHeadVar } from './tfjs-heads';
import type { Tf } from './tfjs-peer';

type Tensor = import('@tensorflow/tfjs').Tensor;

/** One fixed token batch as tfjs tensors (ids and everything prepareInputs derives from them). */
export interface TfTokenBatch {
  B: number;
  T: number;
  ids: Tensor; // (B*T) int32
  positions: Tensor; // (B*T) int32
  types: Tensor; // (B*T) int32
  timing: Tensor | null; // (B*T, E) scaled timing signal
  mask: Tensor; // (B, T) effective mask
  dispose(): void;
}

export function tfTokenBatch(tf: Tf, spec: EncoderSpec, b: TokenBatch): TfTokenBatch {
  const prep = prepareInputs(spec, b);
  const ids = tf.tensor1d(Int32Array.from(b.ids), 'int32');
  const positions = tf.tensor1d(Int32Array.from(prep.positions), 'int32');
  const types = tf.tensor1d(Int32Array.from(prep.tokenTypes), 'int32');
  const timing = prep.timing ? tf.tensor2d(prep.timing, [b.B * b.T, spec.embedWidth]) : null;
  const mask = tf.tensor2d(prep.mask, [b.B, b.T]);
  return { B: b.B, T: b.T, ids, positions, types, timing, mask, dispose: () => tf.dispose([ids, positions, types, mask, ...(timing ? [timing] : [])]) };
}

/**
 * The finetune head in tfjs: logits (B, labels) = pooled(encoder(batch)) W + b. `forward` ignores the feature
 * batch a head peer gets and reads the token batch given here (the benchmark's batch is fixed).
 */
export function createTfFinetune(tf: Tf, spec: EncoderSpec, params: readonly ParamInit[], batch: TfTokenBatch, labels: number): TfHead {
  const vars: TfHeadVar[] = params.map((p) => ({ name: p.name, v: tf.variable(tf.tensor(p.value, [...p.shape]), true, `finetune.${p.name}`), decay: p.decay }));
  const byName = new Map(vars.map((x) => [x.name, x.v]));
  const nameOf = new Map<SpecTensor, string>(specTensors(spec).map(({ name, tensor }) => [tensor, `encoder.${name}`]));
  const P = (t: SpecTensor): Tensor => {
    const v = byName.get(nameOf.get(t) ?? '');
    if (!v) throw new Error(`tfjs finetune peer: parameter ${nameOf.get(t) ?? '(not a spec tensor)'} is missing from the head's parameter list`);
    return v;
  };
  for (const n of ['classifier.W', 'classifier.b']) if (!byName.has(n)) throw new Error(`tfjs finetune peer: parameter "${n}" is missing`);
  const lin = (x: Tensor, l: LinearSpec): Tensor => {
    const y = tf.matMul(x, P(l.W));
    return l.b ? tf.add(y, P(l.b)) : y;
  };
  const ln = (x: Tensor, l: LayerNormSpec): Tensor => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, l.eps))), P(l.gamma)), P(l.beta));
  };
  const act = (x: Tensor, a: 'gelu' | 'relu'): Tensor => (a === 'relu' ? tf.relu(x) : tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
  const { B, T } = batch;
  const R = B * T;

  const forward = (): Tensor => {
    const E = spec.embeddings;
    // embeddings: word rows x wordScale + positions (learned rows or the timing signal) + types, then the optional norm
    let x = tf.gather(P(E.word), batch.ids);
    if (E.wordScale !== 1) x = tf.mul(x, E.wordScale);
    if (E.position.kind === 'learned') x = tf.add(x, tf.gather(P(E.position.table), batch.positions));
    else x = tf.add(x, batch.timing!);
    if (E.tokenType) x = tf.add(x, tf.gather(P(E.tokenType), batch.types));
    if (E.norm) x = ln(x, E.norm);
    const bias = tf.reshape(tf.mul(tf.sub(1, batch.mask), spec.maskBias), [B, 1, 1, T]); // padded keys
    const attend = (xq: Tensor, L: EncoderSpec['layers'][number]): Tensor => {
      const heads = (t: Tensor) => tf.transpose(tf.reshape(t, [B, T, L.heads, L.headDim]), [0, 2, 1, 3]);
      const s = tf.mul(tf.matMul(heads(lin(xq, L.q)), heads(lin(xq, L.k)), false, true), L.scale);
      const o = tf.matMul(tf.softmax(tf.add(s, bias)), heads(lin(xq, L.v)));
      return lin(tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [R, L.heads * L.headDim]), L.attnOut);
    };
    for (const L of spec.layers) {
      if (L.norm === 'post') {
        const x1 = ln(tf.add(x, attend(x, L)), L.ln1);
        x = ln(tf.add(x1, lin(act(lin(x1, L.ffnIn), L.activation), L.ffnOut)), L.ln2);
      } else {
        const y = tf.add(attend(ln(x, L.ln1), L), L.skip ? lin(x, L.skip) : x);
        x = tf.add(y, lin(act(lin(ln(y, L.ln2), L.ffnIn), L.activation), L.ffnOut));
      }
    }
    // pooling: masked mean (count floor), dense + tanh layers, L2 normalisation
    const C = spec.hiddenSize;
    const h = tf.reshape(x, [B, T, C]);
    const m = tf.reshape(batch.mask, [B, T, 1]);
    const minCount = spec.pooling?.minCount ?? 1;
    let p = tf.div(tf.sum(tf.mul(h, m), 1), tf.maximum(tf.sum(m, 1), minCount)); // (B, C)
    for (const d of spec.pooling?.dense ?? []) p = tf.tanh(lin(p, d));
    const l2 = spec.pooling?.l2;
    if (l2) p = tf.div(p, tf.sqrt(tf.maximum(tf.sum(tf.square(p), -1, true), l2.eps)));
    return tf.add(tf.matMul(p, byName.get('classifier.W')!), byName.get('classifier.b')!);
  };
  return {
    kind: 'finetune',
    L: labels,
    vars,
    forward: () => forward(),
    dispose() {
      for (const x of vars) x.v.dispose();
    },
  };
}
