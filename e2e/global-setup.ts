// Builds the studio and serves it with `vite preview` (COOP/COEP headers) for the browser tier.
// Design decision: the e2e tier tests the *built* app, exactly what `npm run build` ships — a production build
// (vitest runs with NODE_ENV=test, which would otherwise bundle React's much slower development build), written
// to a per-process folder so parallel e2e runs never overwrite each other's bundle mid-test. The build has one
// test-only page besides the app, e2e/pages/parity.html (WGSL encoder vs onnxruntime-web, e2e/parity.test.ts):
// a second entry of the same build, so the app's index.html and bundle are the ones `npm run build` ships.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, preview, type PreviewServer } from 'vite';

let server: PreviewServer | null = null;
const outDir = resolve('.cache/e2e-dist', String(process.pid));

export async function setup({ provide }: { provide: (key: string, value: unknown) => void }) {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const input = { index: resolve('index.html'), parity: resolve('e2e/pages/parity.html') };
    await build({ mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true, rollupOptions: { input } } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  server = await preview({ preview: { port: 0, strictPort: false, host: '127.0.0.1' }, build: { outDir }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  provide('baseUrl', url);
}

export async function teardown() {
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
}
