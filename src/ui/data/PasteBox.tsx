// Paste a dataset as text (any format the files may have); read like a dropped file.
import { useState } from 'react';
import { loadPastedText } from '../../store/data-workflows';

const PLACEHOLDER = 'text,label\nI loved every minute of it,positive\nA dull, lifeless film,negative\n\n(or TSV, JSON, JSONL, or one "LABEL text" per line)';

export function PasteBox() {
  const [text, setText] = useState('');
  return (
    <details className="dp-paste">
      <summary>…or paste text</summary>
      <textarea data-testid="paste-text" value={text} placeholder={PLACEHOLDER} rows={6} spellCheck={false} onChange={(e) => setText(e.target.value)} />
      <div className="dp-paste-actions">
        <button type="button" className="dp-btn primary" data-testid="paste-apply" disabled={text.trim() === ''} onClick={() => void loadPastedText(text)}>
          Use pasted text
        </button>
        <span className="dp-muted">{text ? `${text.split('\n').filter((l) => l.trim() !== '').length.toLocaleString('en-US')} non-empty lines` : ''}</span>
      </div>
    </details>
  );
}
