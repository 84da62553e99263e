// The active-head slice: the plain-data description of the head the studio uses now (see active-head.ts).
import type { StateCreator } from 'zustand';
import type { ActiveHeadInfo } from './active-head';

export interface HeadSlice {
  activeHead: ActiveHeadInfo | null;
  setActiveHeadInfo(info: ActiveHeadInfo | null): void;
}

export const createHeadSlice: StateCreator<HeadSlice, [], [], HeadSlice> = (set) => ({
  activeHead: null,
  setActiveHeadInfo: (activeHead) => set({ activeHead }),
});
