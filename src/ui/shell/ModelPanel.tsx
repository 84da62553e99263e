// ModelPanel (being written; see /work/notes/ui-contract.md).
export function ModelPanel() {
  return null;
}
