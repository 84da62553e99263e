// Label counts of the current dataset as horizontal bars, train and dev stacked (recharts, no animation).
// Design decision: one bar per label up to 24, the rest summed as "N others" (labelBars), so a 1,000-label
// file still draws a readable chart.
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { labelBars } from '../../store/data-prep';
import type { CurrentDataset } from '../../store/data-slice';
import { useWidth } from './use-width';

const TRAIN = 'var(--accent, #3b5bdb)';
const DEV = '#f59f00';

export function LabelChart({ dataset }: { dataset: CurrentDataset }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const bars = labelBars(dataset);
  const longest = Math.max(...bars.map((b) => b.label.length));
  const height = Math.max(140, bars.length * 30 + 56);
  return (
    <div className="dp-chart" ref={ref} style={{ height }} data-testid="label-chart" data-bars={bars.length}>
      {width > 0 ? (
        <BarChart width={width} height={height} data={bars} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 4 }} barCategoryGap={6}>
          <CartesianGrid horizontal={false} stroke="#e6e8f0" />
          <XAxis type="number" allowDecimals={false} tick={{ fontSize: 12, fill: '#5c6478' }} stroke="#c9cdd8" />
          <YAxis type="category" dataKey="label" width={Math.min(160, 16 + longest * 7.5)} tick={{ fontSize: 12, fill: '#1d2330' }} stroke="#c9cdd8" interval={0} />
          <Tooltip cursor={{ fill: '#eef1fb' }} isAnimationActive={false} />
          <Legend verticalAlign="top" height={24} iconType="circle" wrapperStyle={{ fontSize: 12 }} itemSorter={(item) => (item.value === 'train' ? 0 : 1)} />
          <Bar dataKey="train" name="train" stackId="n" fill={TRAIN} isAnimationActive={false} />
          <Bar dataKey="dev" name="dev" stackId="n" fill={DEV} radius={[0, 4, 4, 0]} isAnimationActive={false} />
        </BarChart>
      ) : null}
    </div>
  );
}
