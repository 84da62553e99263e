// A head trained in the trainer worker, put on the page's GPU engine: the worker sends its parameters back (the
// kept best checkpoint), the page builds the same kind from the same HeadContext and writes them in.
// Design decision: the Use step (playground, batch prediction, export, import) keeps running on the page's
// engine. Its work is a few short forward passes on demand, the page already owns a checked engine for it, and
// the head files it imports land there; moving them to the worker would add a second protocol for no page
// responsiveness gain. The cost is one parameter transfer per run (tiny for the feature heads).
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { buildHead, type HeadContext, type HeadKind } from '../heads/registry';
import { getEngine, startEngine } from './workflows';

/** The page's engine; started again (a new device) when it was lost. `fresh` says whether it had to be. */
export async function pageEngine(): Promise<{ engine: GpuEngine | null; fresh: boolean }> {
  const have = getEngine();
  if (have) return { engine: have, fresh: false };
  await startEngine();
  return { engine: getEngine(), fresh: true };
}

/** A head of `kind` on `e` holding `values` (head.params order), waited for on the GPU. */
export async function headWithParams(e: GpuEngine, kind: HeadKind, ctx: HeadContext, values: readonly Float32Array[]): Promise<Head> {
  const head = buildHead(e, kind, ctx);
  try {
    if (head.params.length !== values.length) throw new Error(`the ${kind} head has ${head.params.length} parameter tensors but ${values.length} came back from training`);
    head.params.forEach((p, i) => p.value.write(values[i]));
    await e.sync();
    return head;
  } catch (err) {
    head.dispose();
    throw err;
  }
}
