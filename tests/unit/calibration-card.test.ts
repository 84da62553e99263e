// The Results step's calibration card and per-label chart render (server-side, no browser) from dev logits:
// the fitted temperature and the ECE before -> after appear in the markup.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/train/calibration';
import { classificationMetrics } from '../../src/train/metrics';
import { CalibrationCard, PerLabelChart } from '../../src/ui/train/CalibrationCard';

describe('CalibrationCard', () => {
  it('shows the temperature and ECE computed from the dev logits', () => {
    const logits = [4, -4, -3, 3, 5, -5, 2, -2, -4, 4, 3, -3];
    const targets = [0, 1, 0, 0, 1, 0];
    const html = renderToStaticMarkup(createElement(CalibrationCard, { logits, targets, L: 2 }));
    const cal = calibrate(logits, targets, 2, 'softmax');
    expect(html).toContain(`data-testid="calibration-temperature">${cal.temperature.toFixed(3)}<`);
    expect(html).toContain('data-testid="calibration-ece"');
    const chart = renderToStaticMarkup(createElement(PerLabelChart, { labels: ['a', 'b'], metrics: classificationMetrics([0, 1, 0], [0, 1, 1], 2) }));
    expect(chart).toContain('data-testid="per-label-chart"');
  });
});
