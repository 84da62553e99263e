// Shape consistency of an EncoderSpec read from a graph (the last step of src/model/onnx-reader.ts): every
// linear's in/out against the widths around it, layer widths chaining from the embeddings to the token output,
// layer norms and tables matching their widths, heads*headDim matching q/k/v. Design decision: the reader's
// pattern matchers check wiring, not sizes; this catches a graph whose sizes disagree with the recognised
// structure (or a matcher bug) with a message naming the tensor, instead of a wrong encoder later.
import type { EncoderSpec, LayerNormSpec, LinearSpec, Tensor } from './spec';
import { UnsupportedGraphError } from './onnx-graph-view';

const fail = (what: string): never => {
  throw new UnsupportedGraphError(`shape check: ${what}`);
};

const sizeOf = (t: Tensor) => t.shape.reduce((a, b) => a * b, 1);

function tensor(t: Tensor, shape: number[], what: string) {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]) || t.data.length !== sizeOf(t)) {
    fail(`${what} (${t.source.name}) has shape [${t.shape.join(', ')}] and ${t.data.length} values, expected [${shape.join(', ')}]`);
  }
}

function linear(l: LinearSpec, inW: number, outW: number, what: string) {
  if (l.in !== inW || l.out !== outW) fail(`${what} maps ${l.in} -> ${l.out}, expected ${inW} -> ${outW}`);
  tensor(l.W, [inW, outW], `${what} weight`);
  if (l.b) tensor(l.b, [outW], `${what} bias`);
}

function norm(n: LayerNormSpec, dim: number, what: string) {
  tensor(n.gamma, [dim], `${what} scale`);
  tensor(n.beta, [dim], `${what} bias`);
  if (!(n.eps > 0)) fail(`${what} has epsilon ${n.eps}, expected > 0`);
}

export function checkSpecShapes(s: EncoderSpec): void {
  const E = s.embedWidth;
  const emb = s.embeddings;
  tensor(emb.word, [s.vocabSize, E], 'embeddings.word');
  if (emb.position.kind === 'learned') tensor(emb.position.table, [s.maxTokens, E], 'embeddings.position');
  else if (2 * emb.position.invTimescales.length !== E) fail(`the timing signal has ${2 * emb.position.invTimescales.length} channels, the embeddings ${E}`);
  if (emb.tokenType) tensor(emb.tokenType, [emb.tokenType.shape[0], E], 'embeddings.tokenType');
  if (emb.norm) norm(emb.norm, E, 'embeddings.norm');
  let width = E;
  s.layers.forEach((L, i) => {
    const p = `layers.${i}`;
    if (L.inWidth !== width) fail(`${p} reads width ${L.inWidth}, the stream before it is ${width} wide`);
    const W = L.heads * L.headDim;
    for (const [n, l] of [['q', L.q], ['k', L.k], ['v', L.v]] as const) linear(l, L.inWidth, W, `${p}.${n}`);
    linear(L.attnOut, W, L.outWidth, `${p}.attnOut`);
    if (L.skip) linear(L.skip, L.inWidth, L.outWidth, `${p}.skip`);
    else if (L.inWidth !== L.outWidth) fail(`${p} changes width ${L.inWidth} -> ${L.outWidth} without a projected skip`);
    norm(L.ln1, L.norm === 'pre' ? L.inWidth : L.outWidth, `${p}.ln1`);
    linear(L.ffnIn, L.outWidth, L.ffnIn.out, `${p}.ffnIn`);
    linear(L.ffnOut, L.ffnIn.out, L.outWidth, `${p}.ffnOut`);
    norm(L.ln2, L.outWidth, `${p}.ln2`);
    if (!(L.scale > 0)) fail(`${p} has attention scale ${L.scale}`);
    width = L.outWidth;
  });
  if (width !== s.hiddenSize) fail(`the last layer is ${width} wide, hiddenSize is ${s.hiddenSize}`);
  if (s.pooling) {
    let w = s.hiddenSize;
    s.pooling.dense.forEach((d, i) => {
      linear(d, w, d.out, `pooling.dense.${i}`);
      w = d.out;
    });
  }
}
