// Shared fixtures of the model-source tests (not a test file itself): a minimal valid ONNX protobuf and a
// fast byte comparison (vitest's deep equality walks a multi-MiB Uint8Array element by element, for seconds).

/** A minimal onnx.ModelProto: ir_version 8, a graph named "g" padded with `extraGraphBytes` of doc_string, opset 17. */
export function fakeOnnx(extraGraphBytes = 0): Uint8Array {
  const head = [0x12, 0x01, 0x67]; // GraphProto.name = "g"
  const padTag = extraGraphBytes ? [0x52, ...varint(extraGraphBytes)] : []; // GraphProto.doc_string (field 10)
  const graphLen = head.length + padTag.length + extraGraphBytes;
  const prefix = [0x08, 0x08, 0x3a, ...varint(graphLen), ...head, ...padTag]; // ir_version 8; graph (field 7)
  const suffix = [0x42, 0x02, 0x10, 0x11]; // opset_import { version: 17 }
  const out = new Uint8Array(prefix.length + extraGraphBytes + suffix.length);
  out.set(prefix, 0);
  out.fill(0x61, prefix.length, prefix.length + extraGraphBytes);
  out.set(suffix, prefix.length + extraGraphBytes);
  return out;
}

export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** True when two byte arrays are equal (fast; use with expect(...).toBe(true)). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}
