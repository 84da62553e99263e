// The one zustand store, composed of typed slices (engine, encoder; data and training slices come next).
import { create } from 'zustand';
import { createEncoderSlice, type EncoderSlice } from './encoder-slice';
import { createEngineSlice, type EngineSlice } from './engine-slice';

export type StudioState = EngineSlice & EncoderSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createEngineSlice(...a),
  ...createEncoderSlice(...a),
}));
