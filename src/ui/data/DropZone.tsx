// A drop target with a file picker behind it: drag a file on it, or click (or press Enter) to browse.
// Design decision: the zone only hands the File to `onFile`; reading and parsing happen in data-workflows.ts.
import { useRef, useState, type DragEvent, type KeyboardEvent, type ReactNode } from 'react';

export const DATA_FILE_ACCEPT = '.csv,.tsv,.tab,.txt,.json,.jsonl,.ndjson,text/csv,text/tab-separated-values,text/plain,application/json';

interface Props {
  testId: string;
  inputTestId: string;
  title: string;
  hint: ReactNode;
  compact?: boolean;
  busy?: boolean;
  onFile: (file: File) => void;
}

export function DropZone({ testId, inputTestId, title, hint, compact, busy, onFile }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const take = (files: FileList | null | undefined) => {
    const f = files?.[0];
    if (f) onFile(f);
  };
  const onDrag = (e: DragEvent) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    take(e.dataTransfer?.files);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.current?.click();
    }
  };
  return (
    <div
      className={`dp-drop${compact ? ' compact' : ''}${over ? ' over' : ''}${busy ? ' busy' : ''}`}
      data-testid={testId}
      role="button"
      tabIndex={0}
      aria-label={title}
      onClick={() => input.current?.click()}
      onKeyDown={onKey}
      onDragEnter={onDrag}
      onDragOver={onDrag}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <svg className="dp-drop-icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 16V4m0 0l-4.5 4.5M12 4l4.5 4.5M4 15v3a2 2 0 002 2h12a2 2 0 002-2v-3" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <div className="dp-drop-text">
        <strong>{title}</strong>
        <span>{hint}</span>
      </div>
      <input
        ref={input}
        type="file"
        accept={DATA_FILE_ACCEPT}
        data-testid={inputTestId}
        hidden
        onChange={(e) => {
          take(e.currentTarget.files);
          e.currentTarget.value = '';
        }}
      />
    </div>
  );
}
