// The one zustand store, composed of typed slices (engine now; data, encoder and training slices come next).
import { create } from 'zustand';
import { createEngineSlice, type EngineSlice } from './engine-slice';

export type StudioState = EngineSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createEngineSlice(...a),
}));
