// The pooled sentence vectors of an active-labelling pool and its test set, from the default encoder (USE-lite on
// onnxruntime-node) through the on-disk feature cache that `npm run results` fills. Shared by the simulation
// (active-sim.ts) and the dev-score check (active-devscore.ts). Design decision: I/O only, no statistics here.
import type { Dataset } from '../src/data';
import { NodeCacheStore } from '../src/encoder/cache-store-node';
import { cacheKey } from '../src/encoder/cache-key';
import { Encoder } from '../src/encoder/encoder';
import { FeatureCache } from '../src/encoder/feature-cache';
import { loadModelSourceNode } from '../src/encoder/sources-node';

export async function poolFeatures(pool: Dataset, test: Dataset): Promise<{ pool: Float32Array; test: Float32Array; C: number; encodeSeconds: number; cached: number }> {
  const encoder = await Encoder.load(await loadModelSourceNode({ kind: 'default' }), { runtime: 'node', epPolicy: 'auto' });
  const cache = await FeatureCache.open({ store: new NodeCacheStore(), budgetBytes: 8 * 2 ** 30 });
  const t0 = performance.now();
  let cached = 0;
  const flat = async (ds: Dataset) => {
    const f = await encoder.encode(
      ds.examples.map((x) => ({ text: x.text })),
      {
        cache,
        cacheKey: (i) => cacheKey({ modelHash: encoder.info.hash, tmax: encoder.tmax, text: i.text, textPair: i.textPair }),
        onProgress: (p) => {
          if (p.done === p.total) cached += p.cached;
        },
      },
    );
    const C = encoder.info.hiddenSize;
    const out = new Float32Array(f.length * C);
    f.forEach((x, i) => out.set(x.pooled, i * C));
    return out;
  };
  try {
    const p = await flat(pool);
    const t = await flat(test);
    return { pool: p, test: t, C: encoder.info.hiddenSize, encodeSeconds: (performance.now() - t0) / 1000, cached };
  } finally {
    await cache.close();
    await encoder.dispose();
  }
}
