// HistoryPanel (being written; see /work/notes/ui-contract.md).
export function HistoryPanel() {
  return null;
}
