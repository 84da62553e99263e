// ResultsPanel (being written; see /work/notes/ui-contract.md).
export function ResultsPanel() {
  return null;
}
