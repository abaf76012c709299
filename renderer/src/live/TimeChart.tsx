/**
 * One chart.js line chart for time series, tuned for long runs: no animation, no parsing, data
 * normalised, LTTB decimation to about the canvas width, and redraws coalesced into the page's
 * frame jobs (one redraw per animation frame across every chart and pane, ui/frame-jobs.ts). Guides (thresholds, guard rails) are two-point dashed datasets. Without a fixed
 * yMax the y axis follows the data (chart-scale.ts); guides above it are named under the chart.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import {
  Chart,
  Decimation,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import { formatDuration } from '../ui/format';
import { frameJobKey, frameJobs } from '../ui/frame-jobs';
import { xExtent, type Guide, type Series } from './chart-data';
import { dataYScale, pointRadius, timeStepSec } from './chart-scale';

Chart.register(LineController, LineElement, PointElement, LinearScale, Decimation, Tooltip, Legend);

/** Points LTTB keeps: about one per horizontal pixel of a typical panel. */
const DECIMATED_SAMPLES = 600;
/** Time-axis labels at most: more crowd a half-width panel. */
const MAX_TIME_TICKS = 8;

type LineDataset = ChartDataset<'line', { x: number; y: number }[]>;

function datasets(series: readonly Series[], guides: readonly Guide[]): LineDataset[] {
  const out: LineDataset[] = series.map((s) => ({
    label: s.label,
    data: s.points,
    borderColor: s.color,
    backgroundColor: s.color,
    borderWidth: 1.5,
    pointRadius: pointRadius(s.points.length),
    indexAxis: 'x' as const,
  }));
  const extent = xExtent(series);
  if (extent !== null) {
    for (const g of guides) {
      out.push({
        label: g.label,
        data: [
          { x: extent.min, y: g.y },
          { x: extent.max, y: g.y },
        ],
        borderColor: g.color,
        backgroundColor: g.color,
        borderDash: [6, 4],
        borderWidth: 1,
        pointRadius: 0,
      });
    }
  }
  return out;
}

export function TimeChart(props: {
  testId: string;
  title: string;
  series: Series[];
  guides: Guide[];
  yUnit: string;
  yMax?: number;
}) {
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const chartRef = useRef<Chart<'line', { x: number; y: number }[]> | null>(null);
  const cancelRef = useRef<(() => void) | null>(null);
  const [jobKey] = useState(() => frameJobKey('chart'));
  const { series, yUnit, yMax } = props;
  const scale = useMemo(
    () =>
      yMax === undefined
        ? dataYScale(series, props.guides)
        : { max: yMax, shown: props.guides, above: [] as Guide[] },
    [series, props.guides, yMax],
  );
  const guides = scale.shown;
  // Tick labels follow the scale: a latency axis under a second reads in milliseconds.
  const yTick = useRef<(v: number) => string>((v) => `${v}${yUnit}`);
  yTick.current =
    yUnit === ' s' && scale.max < 1
      ? (v) => `${Math.round(v * 1000)} ms`
      : (v) => `${Number(v.toPrecision(4))}${yUnit}`;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (canvas === null) return;
    const chart = new Chart<'line', { x: number; y: number }[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: {
            type: 'linear',
            // Whole-second steps only (set per update): fractional ticks printed "0:01 0:01 0:02".
            ticks: {
              callback: (v) => (Number.isInteger(Number(v)) ? formatDuration(Number(v) * 1000) : null),
              maxTicksLimit: MAX_TIME_TICKS + 1,
            },
          },
          y: { type: 'linear', beginAtZero: true, ticks: { callback: (v) => yTick.current(Number(v)) } },
        },
        plugins: {
          decimation: {
            enabled: true,
            algorithm: 'lttb',
            samples: DECIMATED_SAMPLES,
            threshold: DECIMATED_SAMPLES,
          },
          legend: { labels: { boxWidth: 12, font: { size: 11 } } },
          tooltip: { callbacks: { title: (items) => formatDuration((items[0]?.parsed.x ?? 0) * 1000) } },
        },
      },
    });
    chartRef.current = chart;
    return () => {
      cancelRef.current?.();
      chart.destroy();
      chartRef.current = null;
    };
  }, [yUnit]);

  useEffect(() => {
    cancelRef.current = frameJobs().run(jobKey, () => {
      const chart = chartRef.current;
      if (chart === null) return;
      chart.data.datasets = datasets(series, guides);
      const y = chart.options.scales?.y;
      if (y !== undefined) y.max = scale.max;
      const x = chart.options.scales?.x;
      const extent = xExtent(series);
      if (x?.ticks !== undefined && extent !== null)
        (x.ticks as { stepSize?: number }).stepSize = timeStepSec(extent.max - extent.min, MAX_TIME_TICKS);
      chart.update('none');
    });
  }, [series, guides, scale.max, jobKey]);

  const pointCount = series.reduce((n, s) => n + s.points.length, 0);
  return (
    <section
      className="panel chart-panel"
      data-testid={props.testId}
      data-points={pointCount}
      data-y-max={scale.max}
      data-guides-shown={guides.length}
    >
      <h3>{props.title}</h3>
      <div className="chart-box">
        <canvas ref={canvasRef} role="img" aria-label={props.title} />
      </div>
      {scale.above.length > 0 ? (
        <p className="muted small" data-testid="guides-above">
          Off the top of this scale: {scale.above.map((g) => g.label).join(', ')} (every point is below them).
        </p>
      ) : null}
    </section>
  );
}
