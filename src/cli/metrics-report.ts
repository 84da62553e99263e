// The dev metrics of a trained head as the train command reports them: the JSON object (`dev` of `--json`) and
// the human summary lines. Design decision: single-label reports keep their earlier keys (accuracy, macro_f1,
// loss, confusion) and gain balanced accuracy and calibration; multi-label reports add micro-F1, subset accuracy,
// Hamming loss, per-label P/R/F1/support and the tuned thresholds.
import type { Calibration } from '../train/calibration';
import type { Metrics } from '../train/metrics';

export function calibrationJson(cal: Calibration | null): Record<string, number> | null {
  if (!cal) return null;
  return { temperature: cal.temperature, ece_before: cal.eceBefore, ece_after: cal.eceAfter, nll_before: cal.nllBefore, nll_after: cal.nllAfter };
}

export function perLabelJson(labels: readonly string[], m: Metrics): Record<string, { precision: number; recall: number; f1: number; support: number }> {
  return Object.fromEntries(labels.map((l, k) => [l, { precision: m.perClass[k].precision, recall: m.perClass[k].recall, f1: m.perClass[k].f1, support: m.perClass[k].support }]));
}

/** `thresholds`: the ones the file stores (at the fitted temperature); default the metrics' own. */
export function devReport(labels: readonly string[], m: Metrics, loss: number, cal: Calibration | null, thresholds?: readonly number[]): Record<string, unknown> {
  const out: Record<string, unknown> = { accuracy: m.accuracy, macro_f1: m.macroF1, loss, confusion: m.confusion };
  if (m.balancedAccuracy !== undefined) out.balanced_accuracy = m.balancedAccuracy;
  if (m.multiLabel) {
    out.multi_label = {
      micro_f1: m.multiLabel.microF1,
      macro_f1: m.macroF1,
      subset_accuracy: m.multiLabel.subsetAccuracy,
      hamming_loss: m.multiLabel.hammingLoss,
      thresholds: Object.fromEntries(labels.map((l, k) => [l, (thresholds ?? m.multiLabel!.thresholds)[k]])),
      per_label: perLabelJson(labels, m),
    };
  }
  const c = calibrationJson(cal);
  if (c) out.calibration = c;
  return out;
}

const pct = (x: number) => (x * 100).toFixed(2);

export function devSummary(m: Metrics, n: number, L: number, cal: Calibration | null): string[] {
  const lines = m.multiLabel
    ? [`dev macro-F1 ${pct(m.macroF1)}, micro-F1 ${pct(m.multiLabel.microF1)}, subset accuracy ${pct(m.multiLabel.subsetAccuracy)}%, Hamming loss ${m.multiLabel.hammingLoss.toFixed(4)} (${n} examples, ${L} labels, thresholds tuned on dev)`]
    : [`dev accuracy ${pct(m.accuracy)}%, macro-F1 ${pct(m.macroF1)} (${n} examples, ${L} labels)${m.balancedAccuracy !== undefined ? `; balanced accuracy ${pct(m.balancedAccuracy)}%` : ''}`];
  if (cal) lines.push(`calibration: temperature ${cal.temperature.toFixed(3)}, dev ECE ${pct(cal.eceBefore)}% -> ${pct(cal.eceAfter)}%`);
  return lines;
}
