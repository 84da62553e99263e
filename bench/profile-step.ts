// `npm run bench:profile`: where one training step's GPU time goes, per kernel, for any head kind that trains on
// token ids (default: `finetune` on USE-lite). Every dispatch gets its own compute pass with a timestamp pair, so
// the per-kernel times are GPU times (sums over the step), printed largest first with the GEMM shapes apart.
// Design decision: profiling wraps GpuEngine.run from the outside (one pass per dispatch) instead of adding a
// mode to the engine: shipped code pays nothing, and the plain step is timed first for comparison (one pass per
// dispatch makes the profiled step slower on some drivers; read the shares, not the absolute sum).
//
// --compare N: before the profile, time N plain steps with each GEMM operand path, alternating step by step
// (scalar = the `gemm` entry point, vec4 = `gemm_v4` where the operands allow it, as shipped), and print median
// and min of each: a before/after of the GEMM work in one run. The scalar steps swap gemm_v4 dispatches for the
// scalar kernel (same bindings and uniforms) in the same wrapper of GpuEngine.run: the small and 64 x 128 vec4
// tiles for the scalar kernel of the same tile, the wide 128 x 128 vec4 tile for the scalar 64 x 128 one.
//
//   npm run bench:profile [-- --kind finetune --B 16 --T 48 --compare 5]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuEngine } from '../src/gpu/engine';
import type { KernelSpec } from '../src/gpu/kernel';
import { matmulKernel, matmulSmallKernel, matmulVec4Kernel, matmulVec4SmallKernel, matmulVec4WideKernel } from '../src/kernels/matmul';
import { buildHead, headEntry, headTrainDefaults, type HeadKind } from '../src/heads/registry';
import { readEncoderSpec } from '../src/model/onnx-reader';
import { packBatch, type TrainExample } from '../src/train/batches';
import { DEFAULT_TRAIN_OPTIONS, Trainer } from '../src/train/trainer';

const MODEL = fileURLToPath(new URL('../public/models/use-lite/model.onnx', import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { kind: { type: 'string', default: 'finetune' }, B: { type: 'string', default: '16' }, T: { type: 'string', default: '48' }, compare: { type: 'string', default: '0' } } });
  const kind = values.kind as HeadKind;
  if (headEntry(kind).input !== 'token-ids') throw new Error(`--kind ${kind} trains on cached features; this profiler runs the encoder's kinds (finetune, ltuning-*, prefix-tuning, prompt-tuning)`);
  const B = Number(values.B);
  const T = Number(values.T);
  const gpu = await acquireGpu({ timestamps: true });
  if (!gpu.timestamps) throw new Error(`${describeAdapter(gpu.report)} gives no timestamp queries: cannot profile per kernel`);
  const spec = readEncoderSpec(new Uint8Array(readFileSync(MODEL)));
  const e = new GpuEngine(gpu);
  const L = 2;
  const head = buildHead(e, kind, { C: spec.hiddenSize, labels: L, pair: false, labelFeatures: [], seed: 0, encoderSpec: spec });
  const trainer = new Trainer(e, head, { ...DEFAULT_TRAIN_OPTIONS, ...headTrainDefaults(kind), batchSize: B, tmax: T, seed: 0 });
  const ex: TrainExample[] = Array.from({ length: B }, (_, b) => ({
    tokens: { ids: Uint32Array.from({ length: T }, (_, i) => 5 + ((i * 31 + b * 7) % (spec.vocabSize - 10))), typeIds: null, mask: new Uint8Array(T).fill(1) },
    label: b % L,
  }));
  const batch = packBatch(e, ex, ex.map((_, i) => i), T);
  const step = async () => {
    const t0 = performance.now();
    trainer.step(batch, 100);
    await trainer.lastLoss();
    return performance.now() - t0;
  };
  await step(); // pipelines compiled, buffers pooled
  const plain = await step();

  const proto = GpuEngine.prototype as unknown as { run: (spec: KernelSpec, buffers: unknown, uniforms: unknown, wg: unknown) => void };
  const orig = proto.run;
  const compareRuns = Number(values.compare);
  const compare: Record<string, number[]> = { scalar: [], vec4: [] };
  if (compareRuns > 0) {
    const scalarOf = new Map([
      [matmulVec4Kernel, matmulKernel],
      [matmulVec4SmallKernel, matmulSmallKernel],
    ]);
    const scalarRun = function (this: GpuEngine, k: KernelSpec, buffers: unknown, uniforms: unknown, wg: unknown) {
      // The wide vec4 tile (128 x 128) becomes the scalar 64 x 128 tile on twice the rows of workgroups (groups
      // past M exit at the kernel's whole-group guard).
      if (k === matmulVec4WideKernel) {
        const [gx, gy, gz] = wg as number[];
        orig.call(this, matmulKernel, buffers, uniforms, [gx, 2 * gy, gz]);
      } else orig.call(this, scalarOf.get(k) ?? k, buffers, uniforms, wg);
    };
    proto.run = scalarRun;
    await step(); // the scalar pipelines compiled
    for (let r = 0; r < compareRuns; r++) {
      for (const path of ['scalar', 'vec4'] as const) {
        proto.run = path === 'scalar' ? scalarRun : orig;
        compare[path].push(await step());
      }
    }
    proto.run = orig;
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [sMed, vMed] = [med(compare.scalar), med(compare.vec4)];
    const [sMin, vMin] = [Math.min(...compare.scalar), Math.min(...compare.vec4)];
    console.log(`GEMM paths, ${compareRuns} plain steps each, alternating: scalar ${sMed.toFixed(0)} ms med (${sMin.toFixed(0)} min), vec4 ${vMed.toFixed(0)} ms med (${vMin.toFixed(0)} min); scalar/vec4 ${(sMed / vMed).toFixed(2)}x med, ${(sMin / vMin).toFixed(2)}x min; load average ${loadavg()[0].toFixed(2)}`);
  }

  const N = 4096; // the WebGPU maximum query count: 2048 dispatches
  const qs = gpu.device.createQuerySet({ type: 'timestamp', count: N });
  const names: string[] = [];
  proto.run = function (this: GpuEngine, k: KernelSpec, buffers: unknown, uniforms: unknown, wg: unknown) {
    if (names.length * 2 + 2 <= N) {
      this.endPass();
      this.nextPassTimestamps = { querySet: qs, beginningOfPassWriteIndex: names.length * 2, endOfPassWriteIndex: names.length * 2 + 1 };
      names.push(k.name.startsWith('matmul.gemm') && Array.isArray(uniforms) ? `${k.name} M=${uniforms[1].u32} K=${uniforms[2].u32} N=${uniforms[3].u32}${uniforms[7].u32 ? ' A^T' : ''}${uniforms[8].u32 ? ' B^T' : ''}` : k.name);
    }
    orig.call(this, k, buffers, uniforms, wg);
    this.endPass();
  };
  const profiled = await step();
  proto.run = orig;

  const n = names.length * 2;
  const resolve = gpu.device.createBuffer({ size: n * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = gpu.device.createBuffer({ size: n * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = gpu.device.createCommandEncoder();
  enc.resolveQuerySet(qs, 0, n, resolve, 0);
  enc.copyBufferToBuffer(resolve, 0, read, 0, n * 8);
  gpu.device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const ts = new BigUint64Array(read.getMappedRange());
  const agg = new Map<string, { ms: number; n: number }>();
  let total = 0;
  names.forEach((name, i) => {
    const ms = Number(ts[2 * i + 1] - ts[2 * i]) / 1e6;
    total += ms;
    const a = agg.get(name) ?? { ms: 0, n: 0 };
    a.ms += ms;
    a.n++;
    agg.set(name, a);
  });
  console.log(`${kind}, B=${B}, T=${T}, ${describeAdapter(gpu.report)}, load average ${loadavg()[0].toFixed(2)}`);
  console.log(`plain step ${plain.toFixed(0)} ms; profiled step ${profiled.toFixed(0)} ms, ${names.length} dispatches, ${total.toFixed(0)} ms inside them`);
  console.log('| kernel | ms | dispatches | share |\n|---|---|---|---|');
  for (const [k, v] of [...agg].sort((a, b) => b[1].ms - a[1].ms)) console.log(`| ${k} | ${v.ms.toFixed(1)} | ${v.n} | ${((100 * v.ms) / total).toFixed(1)}% |`);
  console.log(JSON.stringify({ bench: 'profile-step', kind, B, T, plainMs: plain, profiledMs: profiled, dispatches: names.length, compare: compareRuns > 0 ? compare : undefined, loadAverage: loadavg()[0], kernels: Object.fromEntries([...agg].map(([k, v]) => [k, v.ms])) }));
  trainer.dispose();
  head.dispose();
  e.destroy();
  gpu.destroy();
}

main().catch((err) => {
  console.error(`bench:profile: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
