// The data slice (being written; see /work/notes/ui-contract.md).
import type { StateCreator } from 'zustand';

export interface DataSlice {
  setData(patch: Partial<Omit<DataSlice, 'setData'>>): void;
}

export const createDataSlice: StateCreator<DataSlice, [], [], DataSlice> = (set) => ({
  setData: (patch) => set(patch),
});
