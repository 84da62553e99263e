// `node --import ./scripts/raw-loader.mjs` (after tsx) makes `?raw` imports work outside Vite.
import { register } from 'node:module';
register('./raw-hooks.mjs', import.meta.url);
