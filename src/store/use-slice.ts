// The use slice (being written; see /work/notes/ui-contract.md).
import type { StateCreator } from 'zustand';

export interface UseSlice {
  setUse(patch: Partial<Omit<UseSlice, 'setUse'>>): void;
}

export const createUseSlice: StateCreator<UseSlice, [], [], UseSlice> = (set) => ({
  setUse: (patch) => set(patch),
});
