// StatusStrip (being written; see /work/notes/ui-contract.md).
export function StatusStrip() {
  return null;
}
