// The train slice (being written; see /work/notes/ui-contract.md).
import type { StateCreator } from 'zustand';

export interface TrainSlice {
  setTrain(patch: Partial<Omit<TrainSlice, 'setTrain'>>): void;
}

export const createTrainSlice: StateCreator<TrainSlice, [], [], TrainSlice> = (set) => ({
  setTrain: (patch) => set(patch),
});
