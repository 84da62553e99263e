// `npm run bench:gemm`: wall time of single GEMM dispatches at the shapes a USE-lite fine-tuning step runs
// (B=8, T=32: 256 rows; the FFN 512 <-> 1536 and the 512 x 512 projections), in the three forms a linear layer
// uses — forward x W (plain), dX = dY W^T (B^T) and dW = x^T dY (A^T) — for each kernel path `matmul` can take.
// Design decision: each row times `reps` dispatches of one shape inside one submit and reports the median and
// min over runs (paths interleaved run by run), so per-dispatch overhead and pipeline compiles are outside the figure; the GEMMs are ~92% of a
// fine-tuning step's GPU time (bench:profile), so this is the quick loop for kernel work.
//
//   npm run bench:gemm [-- --rows 256 --runs 5 --reps 3 --paths auto,scalar]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuEngine } from '../src/gpu/engine';
import { matmul, type MatmulOptions } from '../src/kernels/matmul';

interface Case {
  name: string;
  M: number;
  K: number;
  N: number;
  transA?: boolean;
  transB?: boolean;
}

function cases(rows: number): Case[] {
  const out: Case[] = [];
  for (const [i, o] of [
    [512, 1536],
    [1536, 512],
    [512, 512],
  ] as const) {
    out.push({ name: `fwd x W ${rows}x${i}x${o}`, M: rows, K: i, N: o });
    out.push({ name: `dX = dY W^T`, M: rows, K: o, N: i, transB: true });
    out.push({ name: `dW = x^T dY`, M: i, K: rows, N: o, transA: true });
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '256' },
      runs: { type: 'string', default: '5' },
      reps: { type: 'string', default: '3' },
      paths: { type: 'string', default: 'auto,scalar' },
    },
  });
  const rows = Number(values.rows);
  const runs = Number(values.runs);
  const reps = Number(values.reps);
  const paths = values.paths!.split(',') as NonNullable<MatmulOptions['path']>[];
  const gpu = await acquireGpu();
  const e = new GpuEngine(gpu);
  const load0 = loadavg()[0];
  console.log(`${describeAdapter(gpu.report)} | rows ${rows}, ${runs} runs of ${reps} dispatches | load average ${load0.toFixed(2)}`);
  console.log('| case | M x K x N | path | ms med (min) per GEMM | GFLOP/s (med) |\n|---|---|---|---|---|');
  const json: unknown[] = [];
  for (const c of cases(rows)) {
    const A = e.tensor([c.M * c.K], 'A', Float32Array.from({ length: c.M * c.K }, (_, i) => ((i * 7) % 13) / 13 - 0.5));
    const B = e.tensor([c.K * c.N], 'B', Float32Array.from({ length: c.K * c.N }, (_, i) => ((i * 5) % 11) / 11 - 0.5));
    const Y = e.tensor([c.M * c.N], 'Y');
    const once = (path: (typeof paths)[number]) =>
      matmul(e, A, B, Y, { M: c.M, K: c.K, N: c.N, transA: c.transA, transB: c.transB, bBatched: false, path });
    const ts = new Map(paths.map((p) => [p, [] as number[]]));
    for (const path of paths) once(path);
    await e.sync();
    // The paths alternate run by run, so a burst of load from other processes hits them alike.
    for (let r = 0; r < runs; r++) {
      for (const path of paths) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) once(path);
        await e.sync();
        ts.get(path)!.push((performance.now() - t0) / reps);
      }
    }
    for (const path of paths) {
      const t = ts.get(path)!;
      const med = median(t);
      const gflops = (2 * c.M * c.K * c.N) / (med * 1e6);
      console.log(`| ${c.name} | ${c.M}x${c.K}x${c.N} | ${path} | ${med.toFixed(1)} (${Math.min(...t).toFixed(1)}) | ${gflops.toFixed(2)} |`);
      json.push({ case: c.name, M: c.M, K: c.K, N: c.N, path, ms: med, minMs: Math.min(...t) });
    }
    A.release();
    B.release();
    Y.release();
  }
  console.log(`load average ${load0.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`);
  console.log(JSON.stringify({ bench: 'gemm', adapter: describeAdapter(gpu.report), rows, results: json }));
  e.destroy();
  gpu.destroy();
}

main().catch((err) => {
  console.error(`bench:gemm: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
