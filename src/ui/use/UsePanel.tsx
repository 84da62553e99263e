// UsePanel (being written; see /work/notes/ui-contract.md).
export function UsePanel() {
  return null;
}
