// An in-memory stand-in for the slice of the File System API (OPFS) that OpfsCacheStore uses, so its logic
// (sharding, NotFound handling, listing) runs in Node. It follows the WHATWG File System spec's observable
// behaviour for that slice: DOMException names NotFoundError / TypeMismatchError / InvalidModificationError,
// createWritable() writing to a swap copy that replaces the file only on close() (abort() discards it), and
// Chromium's locking: removeEntry() of a file with an open writable fails with NoModificationAllowedError.
// It is not the browser: the real OPFS is exercised by the browser tier.

type Node = FakeDir | FakeFile;

class FakeFile {
  readonly kind = 'file';
  data = new Uint8Array(0);
  modified = Date.now();
  removed = false;
  openWritables = 0;
  constructor(readonly name: string) {}
}

class FakeDir {
  readonly kind = 'directory';
  readonly children = new Map<string, Node>();
  removed = false;
  constructor(readonly name: string) {}
}

function domError(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

export class FakeFileHandle {
  readonly kind = 'file';
  constructor(private readonly file: FakeFile) {}
  get name(): string {
    return this.file.name;
  }
  async getFile(): Promise<File> {
    if (this.file.removed) throw domError('NotFoundError', `${this.file.name} was removed`);
    return new File([this.file.data.slice()], this.file.name, { lastModified: this.file.modified });
  }
  async createWritable(): Promise<{ write(d: BufferSource): Promise<void>; close(): Promise<void>; abort(): Promise<void> }> {
    if (this.file.removed) throw domError('NotFoundError', `${this.file.name} was removed`);
    let swap = new Uint8Array(0); // keepExistingData defaults to false: the swap starts empty
    let open = true;
    const file = this.file;
    file.openWritables++;
    const release = (): void => {
      if (open) file.openWritables--;
      open = false;
    };
    return {
      async write(d: BufferSource) {
        if (!open) throw new TypeError('stream closed');
        const bytes = d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
        const next = new Uint8Array(swap.length + bytes.length);
        next.set(swap);
        next.set(bytes, swap.length);
        swap = next;
      },
      async close() {
        if (!open) throw new TypeError('stream closed');
        release();
        if (file.removed) throw domError('NotFoundError', `${file.name} was removed`);
        file.data = swap;
        file.modified = Date.now();
      },
      async abort() {
        release();
      },
    };
  }
}

export class FakeDirHandle {
  readonly kind = 'directory';
  constructor(private readonly dir: FakeDir = new FakeDir('')) {}
  get name(): string {
    return this.dir.name;
  }

  private child(name: string): Node | undefined {
    if (this.dir.removed) throw domError('NotFoundError', `directory ${this.dir.name} was removed`);
    if (!name || name === '.' || name === '..' || name.includes('/')) throw new TypeError(`invalid name ${name}`);
    return this.dir.children.get(name);
  }

  async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<FakeDirHandle> {
    let c = this.child(name);
    if (c?.kind === 'file') throw domError('TypeMismatchError', `${name} is a file`);
    if (!c) {
      if (!options.create) throw domError('NotFoundError', `no directory ${name}`);
      c = new FakeDir(name);
      this.dir.children.set(name, c);
    }
    return new FakeDirHandle(c);
  }

  async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<FakeFileHandle> {
    let c = this.child(name);
    if (c?.kind === 'directory') throw domError('TypeMismatchError', `${name} is a directory`);
    if (!c) {
      if (!options.create) throw domError('NotFoundError', `no file ${name}`);
      c = new FakeFile(name);
      this.dir.children.set(name, c);
    }
    return new FakeFileHandle(c);
  }

  async removeEntry(name: string, options: { recursive?: boolean } = {}): Promise<void> {
    const c = this.child(name);
    if (!c) throw domError('NotFoundError', `no entry ${name}`);
    if (c.kind === 'file' && c.openWritables > 0) {
      throw domError('NoModificationAllowedError', `${name} has an open writable stream`);
    }
    if (c.kind === 'directory' && c.children.size > 0 && !options.recursive) {
      throw domError('InvalidModificationError', `${name} is not empty`);
    }
    const mark = (n: Node): void => {
      n.removed = true;
      if (n.kind === 'directory') for (const k of n.children.values()) mark(k);
    };
    mark(c);
    this.dir.children.delete(name);
  }

  async *entries(): AsyncIterableIterator<[string, FakeDirHandle | FakeFileHandle]> {
    if (this.dir.removed) throw domError('NotFoundError', `directory ${this.dir.name} was removed`);
    for (const [name, c] of [...this.dir.children]) {
      yield [name, c.kind === 'directory' ? new FakeDirHandle(c) : new FakeFileHandle(c)];
    }
  }

  /** Test hook: the names in this directory. */
  names(): string[] {
    return [...this.dir.children.keys()];
  }
}
