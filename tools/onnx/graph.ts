// The ONNX graph builder now lives in src/onnx/graph.ts (the studio's head export uses it in the browser);
// the model tools keep importing it from here.
export * from '../../src/onnx/graph';
