// Limits shared by the layers (the data module caps datasets, head files are capped the same way): defined at
// the bottom so heads/ and data/ read one number without importing each other.

/** Most distinct labels a dataset (and so a head) may have; more means the column is text or ids. */
export const MAX_LABELS = 1000;
