// The safetensors container, float32 only, written and parsed by hand (the format is tiny): an 8-byte
// little-endian header length N, N bytes of JSON header {name: {dtype, shape, data_offsets}, "__metadata__":
// {string: string}}, then the raw little-endian tensor bytes, offsets relative to the data start. Design decision:
// the parser trusts nothing — every length, offset, dtype and shape is checked, the data must be covered exactly
// (no gaps, no overlaps, no trailing bytes), and each failure is a SafetensorsError saying what and where. Names
// come from the file, so every name-keyed map is null-prototype (a tensor called "__proto__" stays a tensor).

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Record<string, F32Tensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serialise tensors (in the given order) and string metadata to one safetensors file. */
export function writeSafetensors(tensors: Record<string, F32Tensor>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new SafetensorsError(`metadata "${k}" must be a string, got ${typeof v}`);
  }
  header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new SafetensorsError('"__metadata__" is reserved and cannot name a tensor');
    if (!t.shape.every((s) => Number.isInteger(s) && s >= 0)) throw new SafetensorsError(`tensor "${name}" has an invalid shape [${t.shape}]`);
    if (count(t.shape) !== t.data.length) throw new SafetensorsError(`tensor "${name}" has ${t.data.length} values but shape [${t.shape}] needs ${count(t.shape)}`);
    const bytes = 4 * t.data.length;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    else for (let i = 0; i < t.data.length; i++) view.setFloat32(at + 4 * i, t.data[i], true);
    at += 4 * t.data.length;
  }
  return out;
}

/** Parse a safetensors file holding only F32 tensors; throws SafetensorsError on anything malformed. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new SafetensorsError(`file is ${bytes.length} bytes, too short for the 8-byte header length (truncated or not a safetensors file)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (n === 0 || n > bytes.length - 8) {
    throw new SafetensorsError(`header length ${n} does not fit a file of ${bytes.length} bytes (truncated or not a safetensors file)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    throw new SafetensorsError(`header (${n} bytes) is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = Object.create(null);
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SafetensorsError('"__metadata__" is not an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new SafetensorsError(`metadata "${k}" is a ${typeof v}, the format allows strings only`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null) throw new SafetensorsError(`tensor "${name}": entry is not an object`);
    const { dtype, shape, data_offsets: off } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (dtype !== 'F32') throw new SafetensorsError(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; only F32 is supported`);
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new SafetensorsError(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`);
    }
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0)) {
      throw new SafetensorsError(`tensor "${name}" has invalid data_offsets ${JSON.stringify(off)} (expected [begin, end])`);
    }
    const [begin, end] = off as [number, number];
    if (begin > end || end > dataLen) {
      throw new SafetensorsError(`tensor "${name}" data_offsets [${begin}, ${end}] are out of range for ${dataLen} data bytes (truncated file?)`);
    }
    if (end - begin !== 4 * count(shape)) {
      throw new SafetensorsError(`tensor "${name}" spans ${end - begin} bytes but F32 shape [${shape}] needs ${4 * count(shape)}`);
    }
    entries.push({ name, shape, begin, end });
  }
  // The data must be covered exactly: sorted by begin, each tensor starts where the previous one ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = '';
  for (const t of sorted) {
    if (t.begin < at) throw new SafetensorsError(`tensors "${prev}" and "${t.name}" overlap (byte ${t.begin} < ${at})`);
    if (t.begin > at) throw new SafetensorsError(`gap of ${t.begin - at} unindexed data bytes before tensor "${t.name}"`);
    at = t.end;
    prev = t.name;
  }
  if (at !== dataLen) throw new SafetensorsError(`${dataLen - at} data bytes after the last tensor are not indexed by the header`);
  const tensors: Record<string, F32Tensor> = Object.create(null);
  for (const t of entries) {
    const len = (t.end - t.begin) / 4;
    const data = new Float32Array(len);
    const start = dataStart + t.begin;
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(start, start + 4 * len));
    else for (let i = 0; i < len; i++) data[i] = view.getFloat32(start + 4 * i, true);
    tensors[t.name] = { shape: t.shape, data };
  }
  return { tensors, metadata };
}
