// Embedding gather (word, position and token-type rows): out (rows, E) = scale * table[ids] (or +=), and its
// backward, a scatter-add of dOut into the parameter gradient dTable (V, E). See embedding.wgsl.
// Design decision: the ids are known on the CPU when a batch is packed, so uploadEmbeddingIds range-checks them
// there (a clear error instead of a silent wrong row) and groups them by id (CSR: unique ids, offsets, row
// lists) for the backward, which then reduces each (unique id, column) in a fixed order — deterministic, no
// float atomics, and rows * E work however large the vocabulary is.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkDim, checkDistinct, checkSize } from './validate';
import wgsl from './embedding.wgsl?raw';

const WG = 256;
// Params { rows, E, V, U, scale, accumulate } at binding 0, then storage buffers in @binding order.
export const embeddingForwardKernel: KernelSpec = {
  name: 'embedding.forward',
  wgsl,
  entryPoint: 'forward',
  bindings: ['uniform', 'read', 'read', 'rw'], // p, ids, table, out
  overrides: { WG },
};
export const embeddingBackwardKernel: KernelSpec = {
  name: 'embedding.backward',
  wgsl,
  entryPoint: 'backward',
  bindings: ['uniform', 'read', 'read', 'rw'], // p, groups, dOut, dTable
  overrides: { WG },
};

/** The rows of each distinct id: rows rowList[offsets[k] .. offsets[k+1]) (ascending) hold id unique[k]. */
export interface IdGroups {
  unique: Uint32Array; // (U) ascending
  offsets: Uint32Array; // (U + 1)
  rowList: Uint32Array; // (rows)
}

/** Throws a specific error unless every id is an integer in [0, V). `what` names the ids in the message. */
export function checkIds(op: string, ids: ArrayLike<number>, V: number, what = 'ids'): void {
  checkDim(op, 'V (table rows)', V);
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new Error(
        `${op}: ${what}[${r}] = ${id} is not a row of the table (valid ids are integers 0..${V - 1}); ` +
          'check that the tokenizer and the model match, and that positions stay below the model\'s maximum length',
      );
    }
  }
}

/** CSR grouping of ids by value (validated against V); O(rows log rows), independent of V. */
export function groupIds(ids: ArrayLike<number>, V: number, what = 'ids'): IdGroups {
  checkIds('groupIds', ids, V, what);
  const rows = ids.length;
  const order = Uint32Array.from({ length: rows }, (_, r) => r);
  order.sort((a, b) => ids[a] - ids[b] || a - b);
  const uniq: number[] = [];
  const offs: number[] = [];
  for (let j = 0; j < rows; j++) {
    const id = ids[order[j]];
    if (j === 0 || id !== ids[order[j - 1]]) {
      uniq.push(id);
      offs.push(j);
    }
  }
  offs.push(rows);
  return { unique: Uint32Array.from(uniq), offsets: Uint32Array.from(offs), rowList: order };
}

/** Ids of one gather on the GPU: `ids` (rows) for the forward and the packed CSR `groups` for the backward. */
export interface EmbeddingIds {
  rows: number;
  /** Rows of the table these ids index. */
  V: number;
  /** Distinct ids. */
  U: number;
  ids: GpuTensor; // (rows) u32
  groups: GpuTensor; // (2U + 1 + rows) u32: [unique | offsets | rowList]
  release(): void;
}

/**
 * Check ids against a table of V rows (throws before anything is uploaded), group them, and upload both.
 * Build once per packed batch and table; release() when the step is done.
 */
export function uploadEmbeddingIds(e: GpuEngine, ids: ArrayLike<number>, V: number, label = 'ids'): EmbeddingIds {
  checkDim('uploadEmbeddingIds', 'rows', ids.length);
  const g = groupIds(ids, V, label);
  const U = g.unique.length;
  const packed = new Uint32Array(2 * U + 1 + ids.length);
  packed.set(g.unique, 0);
  packed.set(g.offsets, U);
  packed.set(g.rowList, 2 * U + 1);
  const tIds = e.tensor([ids.length], label, Uint32Array.from(ids));
  const tGroups = e.tensor([packed.length], `${label}.groups`, packed);
  return {
    rows: ids.length,
    V,
    U,
    ids: tIds,
    groups: tGroups,
    release() {
      tIds.release();
      tGroups.release();
    },
  };
}

export interface EmbeddingShape {
  /** Row width. */
  E: number;
  /** Multiplier of the gathered rows (USE-lite's doubled word embeddings: 2); default 1. */
  scale?: number;
}

function checkScale(op: string, scale: number): void {
  if (!Number.isFinite(scale)) throw new Error(`${op}: scale must be finite, got ${scale}`);
}

/** out (rows, E) = scale * table[ids] (overwritten), or out += scale * table[ids] with accumulate. table (V, E). */
export function embeddingForward(
  e: GpuEngine,
  t: { table: GpuTensor; ids: EmbeddingIds; out: GpuTensor },
  s: EmbeddingShape & { accumulate?: boolean },
): void {
  const op = 'embedding.forward';
  const { rows, V } = t.ids;
  const scale = s.scale ?? 1;
  checkDim(op, 'E', s.E);
  checkScale(op, scale);
  checkSize(op, t.table, V * s.E, `table (V, E) = (${V}, ${s.E})`);
  checkSize(op, t.out, rows * s.E, `out (rows, E) = (${rows}, ${s.E})`);
  checkDistinct(op, t.out, [t.table, t.ids.ids]);
  const u = [u32(rows), u32(s.E), u32(V), u32(t.ids.U), f32(scale), u32(s.accumulate ? 1 : 0)];
  e.run(embeddingForwardKernel, [t.ids.ids, t.table, t.out], u, grid1d(rows * s.E, WG));
}

/** dTable (V, E) += scale * scatter of dOut (rows, E) by id (only the rows of ids present are touched). */
export function embeddingBackward(e: GpuEngine, t: { ids: EmbeddingIds; dOut: GpuTensor; dTable: GpuTensor }, s: EmbeddingShape): void {
  const op = 'embedding.backward';
  const { rows, V, U } = t.ids;
  const scale = s.scale ?? 1;
  checkDim(op, 'E', s.E);
  checkScale(op, scale);
  checkSize(op, t.dOut, rows * s.E, `dOut (rows, E) = (${rows}, ${s.E})`);
  checkSize(op, t.dTable, V * s.E, `dTable (V, E) = (${V}, ${s.E})`);
  checkDistinct(op, t.dTable, [t.dOut, t.ids.groups]);
  const u = [u32(rows), u32(s.E), u32(V), u32(U), f32(scale), u32(0)];
  e.run(embeddingBackwardKernel, [t.ids.groups, t.dOut, t.dTable], u, grid1d(U * s.E, WG));
}
