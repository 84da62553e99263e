// tools/onnx: a small ONNX graph builder (Graph) and reusable layer blocks, used by the model tools
// (tools/convert-use-lite.ts, the tiny-BERT generator). The builder itself is src/onnx/graph.ts (no Node
// imports: the studio's head export runs it in the browser).
export { Graph, tensorProto } from './graph';
export type { Attrs, AttrValue, Dim, ElemType, TensorData, ToModelOptions } from './graph';
