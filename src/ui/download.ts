// Save bytes or text as a file the browser downloads: a Blob URL behind a temporary <a download> click.
// Design decision: the URL is revoked a little later, not at once — some browsers start the download
// asynchronously and a revoked URL would cancel it. The store hands files over (DownloadFile); only the UI saves.
import type { DownloadFile } from '../store/batch-predict';

export function downloadFile({ data, name: fileName, mime }: DownloadFile): void {
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
