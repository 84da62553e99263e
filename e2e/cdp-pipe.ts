// A headless Chromium driven over the DevTools protocol on a pipe, without Playwright: for the one check that
// Playwright cannot make — a page that is really hidden. Design decision: Playwright turns on focus emulation for
// every page it attaches to (Emulation.setFocusEmulationEnabled), which keeps `document.visibilityState` at
// 'visible' whatever happens to the page; over a bare CDP connection, opening a second tab in the page's window
// makes the first one hidden, as in a desktop browser (checked with document.visibilityState inside the page).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CHROMIUM } from './browser';

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

export class CdpBrowser {
  private nextId = 1;
  private readonly waits = new Map<number, { resolve: (m: CdpMessage) => void; reject: (e: Error) => void }>();
  private buf = '';

  private constructor(
    private readonly proc: ChildProcess,
    private readonly out: Writable,
    inp: Readable,
    private readonly userDir: string,
  ) {
    inp.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      for (let k = this.buf.indexOf('\0'); k >= 0; k = this.buf.indexOf('\0')) {
        const m = JSON.parse(this.buf.slice(0, k)) as CdpMessage;
        this.buf = this.buf.slice(k + 1);
        const w = m.id !== undefined ? this.waits.get(m.id) : undefined;
        if (!w) continue;
        this.waits.delete(m.id!);
        if (m.error) w.reject(new Error(`CDP: ${m.error.message}`));
        else w.resolve(m);
      }
    });
  }

  /** Headless Chromium with WebGPU (the flags of ./browser.ts) and the protocol on fds 3/4. */
  static async launch(): Promise<CdpBrowser> {
    const userDir = mkdtempSync(join(tmpdir(), 'labeltune-cdp-'));
    const proc = spawn(
      CHROMIUM,
      ['--headless', '--remote-debugging-pipe', `--user-data-dir=${userDir}`, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', 'about:blank'],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    return new CdpBrowser(proc, proc.stdio[3] as Writable, proc.stdio[4] as Readable, userDir);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waits.set(id, { resolve: (m) => resolve(m.result ?? {}), reject });
      this.out.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    });
  }

  /** A new tab (in the first window unless `newWindow`) and a flat session attached to it. */
  async newTab(url: string, newWindow = true): Promise<{ targetId: string; session: string }> {
    const { targetId } = (await this.send('Target.createTarget', { url, newWindow })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    return { targetId, session: sessionId };
  }

  /**
   * Evaluate `expression` in the tab (promises awaited), returning its JSON value; a thrown error rejects. While the
   * tab is still navigating it has no execution context yet (CDP: "Cannot find default execution context", seen in
   * CI right after Target.attachToTarget) or loses it mid-call: those retry for up to 30 s, nothing else does.
   */
  async evaluate<T>(session: string, expression: string): Promise<T> {
    const end = Date.now() + 30_000;
    let r: { result: { value: T }; exceptionDetails?: { text: string; exception?: { description?: string } } };
    for (;;) {
      try {
        r = (await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, session)) as typeof r;
        break;
      } catch (e) {
        const noContext = /execution context|Execution context was destroyed|Inspected target navigated/i.test((e as Error).message);
        if (!noContext || Date.now() > end) throw e;
        await new Promise((res) => setTimeout(res, 200));
      }
    }
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value;
  }

  async close(): Promise<void> {
    await this.send('Browser.close').catch(() => undefined);
    await new Promise((r) => (this.proc.exitCode !== null ? r(null) : this.proc.once('exit', r)));
    rmSync(this.userDir, { recursive: true, force: true });
  }
}
