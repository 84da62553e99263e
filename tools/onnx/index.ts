// tools/onnx: a small ONNX graph builder (Graph) and reusable layer blocks, used by the model tools
// (tools/convert-use-lite.ts, the tiny-BERT generator). Node-only; nothing under src/ imports it.
export { Graph, tensorProto } from './graph';
export type { Attrs, AttrValue, Dim, ElemType, TensorData, ToModelOptions } from './graph';
