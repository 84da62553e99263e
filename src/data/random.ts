// Seeded randomness for splits and shuffles: the program's one generator lives in src/util/random.ts (below every
// layer, so heads/ and train/ use it too); the data module re-exports it for its own files.
export { mulberry32, seededShuffle } from '../util/random';
