// A head trained in the trainer worker, put on the page's GPU engine: the worker sends its parameters back (the
// kept best checkpoint), the page builds the same kind from the same HeadContext and writes them in.
// Design decision: the Use step (playground, batch prediction, export, import) keeps running on the page's
// engine. Its work is a few short forward passes on demand, the page already owns a checked engine for it, and
// the head files it imports land there; moving them to the worker would add a second protocol for no page
// responsiveness gain. The cost is one parameter transfer per run (tiny for the feature heads).
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { buildHead, type HeadContext, type HeadKind } from '../heads/registry';
import { dropEngine, getEngine, startEngine } from './workflows';

/**
 * The page's engine; started again (a new device) when it was lost. `fresh` says whether it had to be.
 * `settleMs`: after a device loss elsewhere (the trainer worker's), give the page's own device that long to
 * report a loss of its own (a driver reset loses both, and `lost` resolves asynchronously) before using it.
 */
export async function pageEngine(settleMs = 0): Promise<{ engine: GpuEngine | null; fresh: boolean }> {
  let have = getEngine();
  if (have && settleMs > 0) {
    const lost = await Promise.race([have.gpu.lost.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), settleMs))]);
    if (lost) have = getEngine(); // the engine's onLost has run: null, or already a new one
  }
  if (have) return { engine: have, fresh: false };
  await startEngine();
  return { engine: getEngine(), fresh: true };
}

/**
 * headWithParams on the page's engine; when that engine's device is dead (the readback fails) and it was not
 * just started, once more on a new device. `fresh`: the head is on a device started for it.
 */
export async function headOnPage(kind: HeadKind, ctx: HeadContext, values: readonly Float32Array[], settleMs = 0): Promise<{ head: Head; fresh: boolean }> {
  const first = await pageEngine(settleMs);
  if (!first.engine) throw new Error('the page has no GPU engine (WebGPU did not start)');
  try {
    return { head: await headWithParams(first.engine, kind, ctx, values), fresh: first.fresh };
  } catch (err) {
    if (first.fresh) throw err;
    dropEngine(first.engine);
    const again = await pageEngine();
    if (!again.engine) throw err;
    return { head: await headWithParams(again.engine, kind, ctx, values), fresh: true };
  }
}

/**
 * A head of `kind` on `e` holding `values` (head.params order), read back once: a dead device fails here. It only
 * runs forward here, so it is built for inference (`trainable: false`: a fine-tuned encoder gets no gradients on
 * the page); such a head lists its tensors in `weights`, in the same order.
 */
export async function headWithParams(e: GpuEngine, kind: HeadKind, ctx: HeadContext, values: readonly Float32Array[]): Promise<Head> {
  const head = buildHead(e, kind, { ...ctx, trainable: false });
  try {
    const targets = head.weights ?? head.params;
    if (targets.length !== values.length) throw new Error(`the ${kind} head has ${targets.length} parameter tensors but ${values.length} came back from training`);
    targets.forEach((p, i) => p.value.write(values[i]));
    if (targets.length) await targets[0].value.read();
    else await e.sync();
    return head;
  } catch (err) {
    head.dispose();
    throw err;
  }
}
