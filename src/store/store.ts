// The one zustand store, composed of typed slices: engine (GPU + self-check), encoder (model, EP, cache), data
// (dataset, columns, split), train (runs, live series), head (the active head), use (playground, batch prediction,
// run history), label (the active-labelling session).
import { create } from 'zustand';
import { createDataSlice, type DataSlice } from './data-slice';
import { createEncoderSlice, type EncoderSlice } from './encoder-slice';
import { createEngineSlice, type EngineSlice } from './engine-slice';
import { createHeadSlice, type HeadSlice } from './head-slice';
import { createLabelSlice, type LabelSlice } from './label-slice';
import { createTrainSlice, type TrainSlice } from './train-slice';
import { createUseSlice, type UseSlice } from './use-slice';

export type StudioState = EngineSlice & EncoderSlice & DataSlice & TrainSlice & HeadSlice & UseSlice & LabelSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createEngineSlice(...a),
  ...createEncoderSlice(...a),
  ...createDataSlice(...a),
  ...createTrainSlice(...a),
  ...createHeadSlice(...a),
  ...createUseSlice(...a),
  ...createLabelSlice(...a),
}));
