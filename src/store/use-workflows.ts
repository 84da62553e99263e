// The Use and History steps' actions, as the UI calls them; each lives in a module with one job:
//   ./use-ready.ts      the checks every action makes first (head, engine, encoder, the head's encoder)
//   ./playground.ts     one text -> probabilities and the label attention view
//   ./batch-predict.ts  a dropped file -> predictions, accuracy when it has labels, the prediction CSV
//   ./head-files.ts     export (.safetensors, head ONNX, combined ONNX) and import of heads
//   ./history.ts        the stored runs, deleting one, picking runs to compare
export { batchCsvFile, cancelBatch, openBatchFile, runBatch, setBatchColumns, type DownloadFile } from './batch-predict';
export { exportActiveHead, exportUnavailable, importHeadFile } from './head-files';
export { loadHistory, removeRun, setHeadBudget, toggleCompare } from './history';
export { lastKeptRun, useHistoryHead } from './history-heads';
export { predictText } from './playground';
export { headReadsPairs } from './use-ready';
