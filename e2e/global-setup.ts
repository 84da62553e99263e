// Builds the studio and serves it with `vite preview` (COOP/COEP headers) for the browser tier.
// Design decision: the e2e tier tests the *built* app, exactly what `npm run build` ships.
import { build, preview, type PreviewServer } from 'vite';

let server: PreviewServer | null = null;

export async function setup({ provide }: { provide: (key: string, value: unknown) => void }) {
  await build({ logLevel: 'warn' });
  server = await preview({ preview: { port: 0, strictPort: false, host: '127.0.0.1' }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  provide('baseUrl', url);
}

export async function teardown() {
  await server?.close();
}
