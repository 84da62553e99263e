// A drop zone that also opens the file picker: used by batch prediction and head import. Design decision: it
// hands the File to a workflow and keeps no state but "a file is over me", so the workflows own every message.
import { useRef, useState, type ReactNode } from 'react';

interface Props {
  onFile(file: File): void;
  accept?: string;
  testId: string;
  disabled?: boolean;
  children: ReactNode;
  className?: string;
}

export function FileDrop({ onFile, accept, testId, disabled, children, className = '' }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const take = (files: FileList | null | undefined) => {
    const f = files?.[0];
    if (f && !disabled) onFile(f);
  };
  return (
    <div
      className={`dropzone use-drop ${over ? 'over' : ''} ${disabled ? 'disabled' : ''} ${className}`}
      data-testid={testId}
      role="button"
      tabIndex={disabled ? -1 : 0}
      aria-disabled={disabled}
      onClick={() => !disabled && input.current?.click()}
      onKeyDown={(e) => {
        if ((e.key === 'Enter' || e.key === ' ') && !disabled) {
          e.preventDefault();
          input.current?.click();
        }
      }}
      onDragEnter={(e) => {
        e.preventDefault();
        if (!disabled) setOver(true);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        if (!disabled) setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        take(e.dataTransfer?.files);
      }}
    >
      {children}
      <input
        ref={input}
        type="file"
        accept={accept}
        hidden
        data-testid={`${testId}-input`}
        onChange={(e) => {
          take(e.target.files);
          e.target.value = '';
        }}
      />
    </div>
  );
}
