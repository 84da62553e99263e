// TrainPanel (being written; see /work/notes/ui-contract.md).
export function TrainPanel() {
  return null;
}
