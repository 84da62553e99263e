// A pool of GPUBuffers keyed by (size bucket, usage). Design decision: sizes are rounded up to a bucket
// (multiples of 256 B up to 64 KiB, then powers of two with four steps per octave) so a training loop that
// allocates the same shapes every step reuses buffers instead of creating thousands; a buffer is only ever
// handed out again after it was released, and release never destroys (destroy() does, at the end).

export function bucketSize(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes));
  if (b <= 65536) return Math.ceil(b / 256) * 256;
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 4;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private live = new Set<GPUBuffer>();
  /** Bytes held by the pool: live plus free buffers. */
  bytesAllocated = 0;
  /** Bytes of buffers handed out and not yet released, its high-water mark, and the largest buffer so far. */
  liveBytes = 0;
  peakLiveBytes = 0;
  largestBuffer = 0;

  constructor(private device: GPUDevice) {}

  acquire(bytes: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    const size = bucketSize(bytes);
    const key = `${size}:${usage}`;
    const list = this.free.get(key);
    const buf = list?.pop();
    if (buf) {
      buf.label = label;
      this.live.add(buf);
      this.track(size);
      return buf;
    }
    const created = this.device.createBuffer({ size, usage, label });
    this.bytesAllocated += size;
    this.live.add(created);
    this.track(size);
    return created;
  }

  private track(size: number): void {
    this.liveBytes += size;
    this.peakLiveBytes = Math.max(this.peakLiveBytes, this.liveBytes);
    this.largestBuffer = Math.max(this.largestBuffer, size);
  }

  /** Start a new high-water mark from what is live now (benchmarks measure one phase at a time). */
  resetPeak(): void {
    this.peakLiveBytes = this.liveBytes;
    this.largestBuffer = 0;
  }

  release(buf: GPUBuffer): void {
    if (!this.live.delete(buf)) throw new Error(`BufferPool.release: buffer "${buf.label}" is not live in this pool`);
    this.liveBytes -= buf.size;
    const key = `${buf.size}:${buf.usage}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buf);
  }

  get liveCount(): number {
    return this.live.size;
  }

  destroy(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    for (const b of this.live) b.destroy();
    this.free.clear();
    this.live.clear();
    this.bytesAllocated = 0;
    this.liveBytes = 0;
  }
}
