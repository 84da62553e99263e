// The trainer worker's protocol end to end in Node on a real adapter: TrainerClient (the page's side) talks to
// TrainHost (the worker's request handling, on a device of its own) over a real MessageChannel — structured
// cloning and transfer lists included. A linear run reports steps and dev evaluations and comes back with
// parameters that, written into a head on ANOTHER device (the page's), give the dev logits the worker reported;
// pause holds the run between steps and stop ends it with its best checkpoint; a device destroyed mid-run ends it
// as 'lost' with the CPU copy of its best checkpoint, and the next run gets a new device; a second run while one
// trains is refused; a 'measure' request times a step of a head on synthetic features of the asked (B, T, C) before
// anything is encoded (refused during a run and for token-id kinds; a run asked for meanwhile waits, never refused).
// The browser wiring (train-worker.ts, navigator.gpu) runs in e2e/train.test.ts.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireGpu } from '../../src/gpu/device';
import { GpuEngine } from '../../src/gpu/engine';
import type { EncodedExample } from '../../src/encoder/types';
import { buildHead } from '../../src/heads/registry';
import type { TrainExample } from '../../src/train/batches';
import { DEFAULT_TRAIN_OPTIONS, Trainer, type EvalRecord, type StepRecord } from '../../src/train/trainer';
import type { Checkpoint, TrainJobSpec } from '../../src/train/train-job';
import { TrainerClient, type TrainWorkerLike } from '../../src/worker/train-client';
import { TrainHost } from '../../src/worker/train-host';
import type { TrainRequest, TrainResponse } from '../../src/worker/train-protocol';
import { testEngine } from '../helpers/gpu';
import { randn } from '../helpers/rng';

const C = 8;
const L = 3;

function makeSet(n: number, seed: number): TrainExample[] {
  const centers = randn(L * C, 5, 1.5);
  const noise = randn(n * C, seed, 1);
  return Array.from({ length: n }, (_, i) => {
    const label = i % L;
    const length = 1 + (i % 3);
    const pooled = Float32Array.from({ length: C }, (_, c) => centers[label * C + c] + noise[i * C + c]);
    const features: EncodedExample = { tokens: new Float32Array(length * C).fill(0.25), length, pooled };
    return { features, label };
  });
}

const train = makeSet(96, 21);
const dev = makeSet(30, 22);

function job(epochs: number, over: Partial<TrainJobSpec> = {}): TrainJobSpec {
  return {
    kind: 'linear',
    ctx: { C, labels: L, pair: false, labelFeatures: [], seed: 1 },
    options: { ...DEFAULT_TRAIN_OPTIONS, epochs, batchSize: 8, lr: 0.05, readEvery: 2, patience: 0, tmax: 4 },
    train,
    dev,
    measure: 'never',
    ...over,
  };
}

interface Rig {
  client: TrainerClient;
  /** Every engine the host acquired (a new one after a device loss). */
  engines: GpuEngine[];
  transfers: ArrayBuffer[][];
  ports: MessagePort[];
}
const rigs: Rig[] = [];

function rig(): Rig {
  const { port1: workerSide, port2: pageSide } = new MessageChannel();
  const engines: GpuEngine[] = [];
  const transfers: ArrayBuffer[][] = [];
  const host = new TrainHost({
    acquire: async () => {
      const e = new GpuEngine(await acquireGpu({ onLost: () => undefined }));
      engines.push(e);
      return e;
    },
    post: (message, transfer) => {
      transfers.push(transfer as ArrayBuffer[]);
      workerSide.postMessage(message, transfer as ArrayBuffer[]);
    },
  });
  workerSide.on('message', (req: TrainRequest) => host.handle(req));
  const worker: TrainWorkerLike = {
    postMessage: (req, transfer) => pageSide.postMessage(req, transfer as ArrayBuffer[]),
    addEventListener: (type: 'message' | 'error', listener: (ev: never) => void) => {
      if (type === 'message') pageSide.on('message', (data: TrainResponse) => listener({ data } as never));
    },
    terminate: () => {
      workerSide.close();
      pageSide.close();
    },
  };
  const r = { client: new TrainerClient(worker), engines, transfers, ports: [workerSide, pageSide] };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) await r.client.dispose().catch(() => {});
});

describe('TrainerClient <-> TrainHost over a MessageChannel', () => {
  it('trains with live messages and returns a head that gives the same dev logits on another device', async () => {
    const { client, engines, transfers } = rig();
    const steps: StepRecord[] = [];
    const evals: EvalRecord[] = [];
    const checkpoints: Checkpoint[] = [];
    let adapter = '';
    const run = client.train(job(3), { onStarted: (a) => (adapter = a.host), onStep: (r) => steps.push(r), onEval: (r) => evals.push(r), onCheckpoint: (c) => checkpoints.push(c) });
    const out = await run.outcome;
    expect(out.status).toBe('finished');
    if (out.status !== 'finished') return;
    // Every new best checkpoint came to the page while the run went on (the history keeps it); the last one is
    // the head the run kept.
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    expect(checkpoints.at(-1)!.rec).toEqual(out.result.best);
    expect(checkpoints.at(-1)!.values.map((v) => Array.from(v))).toEqual(out.params.map((v) => Array.from(v)));
    expect(adapter).toBe('node');
    expect(engines).toHaveLength(1);
    expect(steps.length).toBe(Math.floor((3 * Math.ceil(96 / 8)) / 2));
    expect(evals.map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(out.result.stoppedBy).toBe('epochs');
    expect(out.nonFinite).toBeNull();
    expect(out.final.logits).toHaveLength(dev.length * L);
    expect(out.final.metrics.accuracy).toBeGreaterThan(0.6);
    // The parameters and logits came back transferred (moved, not copied).
    expect(transfers.at(-1)!.length).toBe(out.params.length + 1);
    // The page's side: a head on a different device, holding the returned parameters, predicts the same.
    const page = await testEngine();
    const head = buildHead(page, 'linear', job(1).ctx);
    head.params.forEach((p, i) => p.value.write(out.params[i]));
    const trainer = new Trainer(page, head, job(1).options);
    try {
      const again = await trainer.evaluate(dev);
      again.logits.forEach((z, i) => expect(Math.abs(z - out.final.logits[i])).toBeLessThan(1e-4 + 1e-4 * Math.abs(z)));
    } finally {
      trainer.dispose();
      head.dispose();
    }
  });

  it('pause holds the run between steps, stop ends it with its best checkpoint; a second run meanwhile is refused', async () => {
    const { client } = rig();
    const steps: StepRecord[] = [];
    let firstEval!: () => void;
    const evaluated = new Promise<void>((r) => (firstEval = r));
    const run = client.train(job(200), { onStep: (r) => steps.push(r), onEval: () => firstEval() });
    await evaluated;
    run.pause();
    // Messages already on their way arrive; then nothing while paused (a few dev-evaluation lengths of waiting).
    await new Promise((r) => setTimeout(r, 300));
    const held = steps.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(steps.length).toBe(held);
    await expect(client.train(job(1)).outcome).rejects.toThrow(/busy with run/);
    run.resume();
    await expect.poll(() => steps.length, { timeout: 60_000, interval: 20 }).toBeGreaterThan(held);
    run.stop();
    const out = await run.outcome;
    expect(out.status).toBe('finished');
    if (out.status !== 'finished') return;
    expect(out.result.stoppedBy).toBe('aborted');
    expect(out.result.best).not.toBeNull();
    expect(out.params.length).toBeGreaterThan(0);
  });

  it('a device lost mid-run ends it as lost with the best checkpoint on the CPU; the next run gets a new device', async () => {
    const { client, engines } = rig();
    let firstEval!: () => void;
    const evaluated = new Promise<void>((r) => (firstEval = r));
    const run = client.train(job(200), { onEval: () => firstEval() });
    await evaluated;
    // Let the checkpoint's readback land, then lose the device the way a driver reset would show.
    await new Promise((r) => setTimeout(r, 200));
    engines[0].gpu.device.destroy();
    const out = await run.outcome;
    expect(out.status).toBe('lost');
    if (out.status !== 'lost') return;
    expect(out.message).toMatch(/GPU device was lost during training \(destroyed/);
    expect(out.best).not.toBeNull();
    expect(out.best!.values.map((v) => v.length)).toEqual([C * L, L]);
    expect(out.best!.values.every((v) => v.every(Number.isFinite))).toBe(true);
    const next = await client.train(job(1)).outcome;
    expect(next.status).toBe('finished');
    expect(engines).toHaveLength(2);
  });

  it('measure times a step on synthetic features of (B, T, C); a run asked meanwhile waits; refused during a run and for token-id kinds', async () => {
    const { client, engines } = rig();
    const spec = { kind: 'ytuning' as const, ctx: { C, labels: L, pair: false, labelFeatures: [], seed: 1 }, options: { ...DEFAULT_TRAIN_OPTIONS, batchSize: 32, tmax: 4 }, B: 4, T: 6 };
    const measuring = client.measure(spec);
    const run = client.train(job(1));
    const m = await measuring;
    expect(m.stepSeconds).toBeGreaterThan(0);
    expect(Number.isFinite(m.stepSeconds)).toBe(true);
    expect([m.B, m.T]).toEqual([4, 6]);
    expect(m.adapter.host).toBe('node');
    expect((await run.outcome).status).toBe('finished');
    expect(engines).toHaveLength(1); // the same engine measured and trained
    // Pairs encoded side by side get both sides' features.
    const pair = await client.measure({ ...spec, kind: 'linear', ctx: { ...spec.ctx, pair: true }, B: 2, T: 3 });
    expect(pair.stepSeconds).toBeGreaterThan(0);
    await expect(client.measure({ ...spec, kind: 'finetune' })).rejects.toThrow(/token ids/);
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const busy = client.train(job(30), { onStarted: () => started() });
    await isStarted;
    await expect(client.measure(spec)).rejects.toThrow(/busy with run/);
    busy.stop();
    await busy.outcome;
  }, 120_000);
});
