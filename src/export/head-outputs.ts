// The outputs every head ONNX graph ends with (head-only, fine-tuned classifier, and through them the combined
// model): `logits` (the head's raw scores), `probabilities` and, for multi-label heads, `predicted`.
// Design decision: calibration and thresholds live in the graph, not in the caller: probabilities are
// softmax(logits / T) or, multi-label, sigmoid(logits / T), and predicted = (probabilities >= threshold_k) as
// 0/1 floats, so any onnxruntime gives exactly the probabilities and labels the head file describes.
import type { HeadMeta } from '../heads/serialize';
import type { Graph } from '../onnx/graph';

/** Names of the outputs a head graph with this metadata has. */
export function headOutputNames(meta: Pick<HeadMeta, 'task'>): string[] {
  return meta.task?.multiLabel ? ['logits', 'probabilities', 'predicted'] : ['logits', 'probabilities'];
}

export function headOutputs(g: Graph, logits: string, L: number, meta: Pick<HeadMeta, 'task' | 'calibration'>): void {
  g.output(g.node('Identity', [logits], {}, 'logits'), 'float', ['batch', L]);
  const T = meta.calibration?.temperature ?? 1;
  const scaled = T === 1 ? logits : g.node('Div', [logits, g.constFloat([T], [], 'temperature')]);
  if (!meta.task?.multiLabel) {
    g.output(g.node('Softmax', [scaled], { axis: -1 }, 'probabilities'), 'float', ['batch', L]);
    return;
  }
  const probs = g.node('Sigmoid', [scaled], {}, 'probabilities');
  g.output(probs, 'float', ['batch', L]);
  const thresholds = meta.task.thresholds ?? new Array<number>(L).fill(0.5);
  const on = g.node('GreaterOrEqual', [probs, g.constFloat(thresholds, [L], 'thresholds')]);
  g.output(g.node('Cast', [on], { to: 1 }, 'predicted'), 'float', ['batch', L]);
}
