// The trainer worker's page side without a GPU: packJob gives every typed array of a job a buffer of its own
// (exactly its bytes) and lists those buffers for the transfer, leaving the page's arrays untouched, so posting a
// job neither clones the encoder's large batch buffers nor detaches the page's cached features; a run still pending
// when the worker dies rejects with a message saying so; niceTicks (the live charts' y axis) gives round ticks.
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { EncodedExample } from '../../src/encoder/types';
import type { TrainJobSpec } from '../../src/train/train-job';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/train/trainer';
import { packJob, TrainerClient, type TrainWorkerLike } from '../../src/worker/train-client';
import type { TrainRequest } from '../../src/worker/train-protocol';
import { niceTicks } from '../../src/ui/train/LiveChart';

/** Examples whose token states are views into one shared batch buffer, as the encoder returns them. */
function viewsIntoOneBuffer(n: number, C: number, T: number): EncodedExample[] {
  const batch = new Float32Array(n * T * C).map((_, i) => i);
  return Array.from({ length: n }, (_, i) => ({ tokens: batch.subarray(i * T * C, (i + 1) * T * C), length: T, pooled: Float32Array.of(i, -i) }));
}

function jobOf(features: EncodedExample[]): TrainJobSpec {
  return {
    kind: 'linear',
    ctx: { C: 2, labels: 2, pair: false, labelFeatures: [{ tokens: new Float32Array(4), pooled: new Float32Array(2), length: 2 }], seed: 0 },
    options: DEFAULT_TRAIN_OPTIONS,
    train: features.map((f, i) => ({ features: f, label: i % 2 })),
    dev: [{ tokens: { ids: Uint32Array.of(1, 2, 3), typeIds: null, mask: Uint8Array.of(1, 1, 1) }, label: 1 }],
    measure: 'cpu-adapter',
  };
}

describe('packJob', () => {
  it('copies every typed array into a buffer of its own, lists each for the transfer, and leaves the input as it was', async () => {
    const features = viewsIntoOneBuffer(5, 2, 3);
    const job = jobOf(features);
    const { value, transfer } = await packJob(job);
    const first = value.train[0].features!;
    expect(first.tokens).not.toBe(features[0].tokens);
    expect(first.tokens.buffer.byteLength).toBe(2 * 3 * 4);
    expect(Array.from(value.train[3].features!.tokens)).toEqual(Array.from(features[3].tokens));
    expect(value.dev[0].tokens!.ids).toBeInstanceOf(Uint32Array);
    expect(Array.from(value.dev[0].tokens!.mask)).toEqual([1, 1, 1]);
    expect(value.dev[0].tokens!.typeIds).toBeNull();
    expect(value.options).toEqual(DEFAULT_TRAIN_OPTIONS);
    // 5 x (tokens, pooled) + label features (tokens, pooled) + dev ids and mask, each buffer once.
    expect(transfer).toHaveLength(5 * 2 + 2 + 2);
    expect(new Set(transfer).size).toBe(transfer.length);
    // Posting with the transfer list moves only the copies: the page's arrays stay readable.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(value, transfer);
    expect(first.tokens.byteLength).toBe(0);
    expect(features[0].tokens.byteLength).toBe(2 * 3 * 4);
    expect(job.ctx.labelFeatures[0].tokens.byteLength).toBe(16);
    port1.close();
    port2.close();
  });
});

describe('TrainerClient', () => {
  it('rejects a pending run, and every later one, when the worker fails', async () => {
    const listeners: { error?: (ev: ErrorEvent) => void } = {};
    const posted: TrainRequest[] = [];
    const worker: TrainWorkerLike = {
      postMessage: (m) => posted.push(m),
      addEventListener: (type: 'message' | 'error', l: (ev: never) => void) => {
        if (type === 'error') listeners.error = l as (ev: ErrorEvent) => void;
      },
    };
    const client = new TrainerClient(worker);
    const run = client.train(jobOf(viewsIntoOneBuffer(2, 2, 1)));
    run.pause();
    // The job is packed first, then posted, then the pause given meanwhile.
    await expect.poll(() => posted.map((m) => m.type)).toEqual(['train', 'pause']);
    listeners.error!({ message: 'boom', filename: 'train-worker.js', lineno: 3 } as ErrorEvent);
    await expect(run.outcome).rejects.toThrow(/The trainer worker failed: boom \(train-worker.js:3\)/);
    // Controls of a settled run send nothing; a new run is refused with the same reason.
    run.stop();
    expect(posted).toHaveLength(2);
    await expect(client.train(jobOf([])).outcome).rejects.toThrow(/trainer worker failed/);
  });
});

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 100)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(0.31, 0.72)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0.65, 1.9)).toEqual([0.5, 1, 1.5, 2]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});
