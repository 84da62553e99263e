// The Train form's class weights (issue 13, imbalance): none, "auto" (inverse label frequency; multi-label:
// balanced positive/negative weights per label) or set by hand as "name=w, ...". The same spec as the CLI's
// --class-weights (src/train/class-weights.ts); the run refuses a bad one with the parser's message.
// Design decision: a free-text field with a preset menu beside it, so a hand-set spec stays editable.
import { useStudio } from '../../store/store';
import { classWeightsError } from '../../store/run-task';
import { setTrainForm } from '../../store/train-workflows';

export function ClassWeightsField({ disabled }: { disabled: boolean }) {
  const spec = useStudio((s) => s.trainForm.classWeights ?? '');
  const ds = useStudio((s) => s.dataset);
  const labels = ds?.train.labels ?? [];
  const err = labels.length ? classWeightsError(spec, labels) : null;
  const mode = spec.trim() === '' ? 'none' : spec.trim() === 'auto' ? 'auto' : 'hand';
  return (
    <label className="field" data-testid="class-weights-field">
      <span>Class weights{ds?.train.multiLabel ? ' (multi-label: per label)' : ''}</span>
      <select
        data-testid="class-weights-mode"
        value={mode}
        disabled={disabled}
        onChange={(e) => setTrainForm({ classWeights: e.target.value === 'none' ? '' : e.target.value === 'auto' ? 'auto' : labels.map((l) => `${l}=1`).join(',') })}
      >
        <option value="none">none</option>
        <option value="auto">auto (inverse frequency)</option>
        <option value="hand">set by hand</option>
      </select>
      {mode === 'hand' && <input data-testid="class-weights" value={spec} disabled={disabled} onChange={(e) => setTrainForm({ classWeights: e.target.value })} placeholder="label=2,other=1" />}
      {err && (
        <small className="field-error" role="alert">
          {err}
        </small>
      )}
    </label>
  );
}
