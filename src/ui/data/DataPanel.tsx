// DataPanel (being written; see /work/notes/ui-contract.md).
export function DataPanel() {
  return null;
}
