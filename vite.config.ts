// Vite config for the studio. COOP/COEP headers make the page cross-origin isolated (SharedArrayBuffer), which
// onnxruntime-web's threaded wasm backend needs; the same headers are sent by `vite preview` for the e2e tier.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: isolation, port: 5173 },
  preview: { headers: isolation, port: 4173 },
  build: { target: 'es2022', sourcemap: true },
  worker: { format: 'es' },
});
