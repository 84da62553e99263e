// The Train step's actions, as the UI calls them; each lives in a module with one job:
//   ./train-form.ts         head choice, settings, their validation and the trainer options they become
//   ./zero-shot-preview.ts  label texts and the zero-shot accuracy they give on dev
//   ./encoded-sets.ts       dev / train / label-text features, encoded once and kept between runs
//   ./run-control.ts        pause, resume, stop
//   ./train-run.ts          one run: encode, build the head, train with live charts, keep the result
//   ./device-loss.ts        a device lost mid-run: record it, restore the best checkpoint on a new device
export { devIsEncoded } from './encoded-sets';
export { pauseTraining, resumeTraining, stopTraining } from './run-control';
export { formErrors, resetTrainForm, setHeadKind, setTrainForm } from './train-form';
export { startTraining } from './train-run';
export { checkZeroShot, onDatasetChanged, resetLabelTexts, setLabelText } from './zero-shot-preview';
