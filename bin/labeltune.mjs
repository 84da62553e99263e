#!/usr/bin/env node
// The labeltune command: runs src/cli/main.ts under tsx (TypeScript) with the ?raw loader for WGSL files, then
// exits explicitly (a Dawn WebGPU instance would otherwise keep Node alive).
import { register } from 'tsx/esm/api';
import '../scripts/raw-loader.mjs';

register();
const { main } = await import('../src/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
