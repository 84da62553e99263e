// Number formatting shared by the train and results views (percentages, durations, rates).
export const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}

export function rate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '–';
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

export const HEAD_INFO: Record<string, { title: string; blurb: string }> = {
  ytuning: { title: 'Y-Tuning', blurb: 'Label decoder: label queries attend over the text tokens (best accuracy).' },
  'ltuning-prefix': { title: 'L-Tuning prefix', blurb: 'Label token states become prefixes; scores (text, label) as match / no match.' },
  'ltuning-prompt': { title: 'L-Tuning prompt', blurb: 'A learned map of each label seed prompts one attention layer; match objective.' },
  linear: { title: 'Linear probe', blurb: 'Softmax regression on the sentence vector. Seconds to train.' },
  label: { title: 'Label tuning', blurb: 'Tunes the label texts’ vectors only; starts from zero-shot.' },
  zeroshot: { title: 'Zero-shot', blurb: 'Cosine of text and label-text vectors. Nothing to train.' },
};
