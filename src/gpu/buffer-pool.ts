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

  constructor(private device: GPUDevice) {}

  acquire(bytes: number, usage: GPUBufferUsageFlags, label: string): GPUBuffer {
    const size = bucketSize(bytes);
    const key = `${size}:${usage}`;
    const list = this.free.get(key);
    const buf = list?.pop();
    if (buf) {
      buf.label = label;
      this.live.add(buf);
      return buf;
    }
    const created = this.device.createBuffer({ size, usage, label });
    this.bytesAllocated += size;
    this.live.add(created);
    return created;
  }

  release(buf: GPUBuffer): void {
    if (!this.live.delete(buf)) throw new Error(`BufferPool.release: buffer "${buf.label}" is not live in this pool`);
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
  }
}
