// Engine details (folded at the bottom of the studio): the WebGPU adapter the studio runs on and the result of
// the kernel self-check against float64 references.
import { useStudio } from '../store/store';
import { useShallow } from 'zustand/react/shallow';
import { startEngine } from '../store/workflows';

export function EnginePanel() {
  const { engineStatus, adapter, checks, engineError } = useStudio(useShallow((s) => ({ engineStatus: s.engineStatus, adapter: s.adapter, checks: s.checks, engineError: s.engineError })));
  return (
    <div className="engine" aria-label="Training engine">
      <p>
        Status: <span data-testid="engine-status" className={`status ${engineStatus}`}>{engineStatus}</span>
        {(engineStatus === 'failed' || engineStatus === 'unavailable') && (
          <button className="btn btn-sm" onClick={() => void startEngine()}>Retry</button>
        )}
      </p>
      {engineError && <pre className="error" data-testid="engine-error">{engineError}</pre>}
      {adapter && (
        <dl className="adapter" data-testid="adapter">
          <dt>Adapter</dt>
          <dd>{[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' · ') || 'unnamed'}</dd>
          <dt>Kind</dt>
          <dd data-testid="adapter-fallback">{adapter.isFallbackAdapter ? 'software (fallback) adapter' : 'hardware adapter'}</dd>
          <dt>Limits</dt>
          <dd>
            {adapter.limits.maxComputeInvocationsPerWorkgroup} invocations/workgroup,{' '}
            {Math.round(adapter.limits.maxComputeWorkgroupStorageSize / 1024)} KiB workgroup memory,{' '}
            {Math.round(adapter.limits.maxStorageBufferBindingSize / 2 ** 20)} MiB storage binding
          </dd>
          <dt>Features</dt>
          <dd>{adapter.features.join(', ') || 'none'}</dd>
        </dl>
      )}
      {checks.length > 0 && (
        <table className="table checks" data-testid="checks">
          <thead>
            <tr><th>Kernel check</th><th>Result</th><th>Worst error / tolerance</th><th>Time</th></tr>
          </thead>
          <tbody>
            {checks.map((c) => (
              <tr key={c.name} data-ok={c.ok}>
                <td>{c.name}</td>
                <td>{c.ok ? 'pass' : 'FAIL'}</td>
                <td title={c.error}>{c.error ? c.error : c.worstRatio.toFixed(3)}</td>
                <td>{c.ms.toFixed(0)} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
