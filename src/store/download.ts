// Save bytes or text as a file the browser downloads: a Blob URL behind a temporary <a download> click.
// Design decision: the URL is revoked a little later, not at once — some browsers start the download
// asynchronously and a revoked URL would cancel it.
export function downloadFile(data: Uint8Array | string, fileName: string, mime: string): void {
  const blob = new Blob([typeof data === 'string' ? data : (data as BlobPart)], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file-name-safe version of a free text (labels, dataset names). */
export function safeFileName(s: string): string {
  return s.replace(/\.[a-z0-9]+$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'head';
}
