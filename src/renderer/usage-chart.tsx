// The small chart of cache usage and traffic over the last minutes, drawn by uPlot (a ~50 KB
// canvas time-series library that bundles offline). Owns only drawing: the samples come from the
// caller (use-stats-history), colours from the theme's CSS variables, redrawn when the theme
// changes. A text summary is the accessible name, since a canvas says nothing to a screen reader.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatBytes, formatRate } from './format';
import type { StatsSample } from './stats-history';

/** Props of UsageChart. */
export interface UsageChartProps {
  samples: readonly StatsSample[];
  /** Longest span of the time axis, ending at the last sample; shorter (down to a minute) while the history is. */
  windowSeconds: number;
  height?: number;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function buildOptions(width: number, height: number): uPlot.Options {
  const text = cssVar('--text-muted');
  const grid = cssVar('--border');
  const used = cssVar('--accent');
  const traffic = cssVar('--traffic');
  const axis = (scale: string, side: 1 | 3, format: (v: number) => string): uPlot.Axis => ({
    scale,
    side,
    stroke: text,
    grid: { stroke: grid, width: 1, show: side === 3 },
    ticks: { show: false },
    size: 64,
    font: '11px system-ui, sans-serif',
    values: (_u, splits) => splits.map((v) => (v == null ? '' : format(v))),
  });
  return {
    width,
    height,
    legend: { show: false },
    cursor: { show: false },
    scales: { x: { time: false }, bytes: { range: (_u, _min, max) => [0, Math.max(max * 1.15, 1024)] }, rate: { range: (_u, _min, max) => [0, Math.max(max * 1.15, 1024)] } },
    series: [
      {},
      { label: 'Cache used', scale: 'bytes', stroke: used, width: 2, fill: `${used}33`, points: { show: false } },
      { label: 'Traffic', scale: 'rate', stroke: traffic, width: 1.5, dash: [4, 3], points: { show: false } },
    ],
    axes: [
      {
        stroke: text,
        grid: { show: false },
        ticks: { show: false },
        font: '11px system-ui, sans-serif',
        size: 24,
        space: 90,
        incrs: [10, 15, 30, 60, 120, 300],
        values: (_u, splits) => splits.map(agoLabel),
      },
      axis('bytes', 3, formatBytes),
      axis('rate', 1, formatRate),
    ],
  };
}

/** Seconds the axis spans: the history's length, at least a minute, at most `windowSeconds`. */
function spanOf(samples: readonly StatsSample[], windowSeconds: number): number {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const span = first === undefined || last === undefined ? 0 : (last.at - first.at) / 1000;
  return Math.min(windowSeconds, Math.max(60, Math.ceil(span / 60) * 60));
}

/** An x value (seconds relative to the last sample, <= 0) as `now`, `30 s ago`, `2 min ago`. */
function agoLabel(seconds: number): string {
  const ago = Math.round(-seconds);
  if (ago <= 0) return 'now';
  return ago < 60 || ago % 60 !== 0 ? `${ago} s ago` : `${ago / 60} min ago`;
}

function toData(samples: readonly StatsSample[], windowSeconds: number): uPlot.AlignedData {
  // x is seconds relative to the last sample, so the axis reads "2 min ago … now".
  const now = samples.length > 0 ? samples[samples.length - 1]!.at / 1000 : 0;
  const span = spanOf(samples, windowSeconds);
  const shown = samples.filter((s) => s.at / 1000 >= now - span);
  const xs: number[] = [];
  const used: Array<number | null> = [];
  const rate: Array<number | null> = [];
  for (const sample of shown) {
    const x = sample.at / 1000 - now;
    if (xs.length > 0 && x <= xs[xs.length - 1]!) continue;
    xs.push(x);
    used.push(sample.bytesUsed);
    rate.push(sample.bytesPerSecond);
  }
  // The axis always spans the whole window (no jumping scale): empty points at its ends.
  if (xs.length === 0 || xs[0]! > -span) {
    xs.unshift(-span);
    used.unshift(null);
    rate.unshift(null);
  }
  if (xs[xs.length - 1]! < 0) {
    xs.push(0);
    used.push(null);
    rate.push(null);
  }
  return [xs, used, rate];
}

/** A line chart of cache bytes used (filled) and transfer rate (dashed) with a text summary. */
export function UsageChart({ samples, windowSeconds, height = 140 }: UsageChartProps): React.JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef({ samples, windowSeconds });
  latest.current = { samples, windowSeconds };

  useEffect(() => {
    const el = box.current;
    if (el === null) return undefined;
    const create = (): void => {
      plot.current?.destroy();
      const { samples: s, windowSeconds: w } = latest.current;
      plot.current = new uPlot(buildOptions(Math.max(200, el.clientWidth), height), toData(s, w), el);
    };
    create();
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', create);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      scheme.removeEventListener('change', create);
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [height]);

  useEffect(() => {
    plot.current?.setData(toData(samples, windowSeconds));
  }, [samples, windowSeconds]);

  const last = samples[samples.length - 1];
  const peak = samples.reduce((m, s) => Math.max(m, s.bytesPerSecond), 0);
  const minutes = Math.round(spanOf(samples, windowSeconds) / 60);
  const summary =
    last === undefined
      ? 'No samples yet.'
      : `Over the last ${minutes === 1 ? 'minute' : `${minutes} minutes`}: cache now ${formatBytes(last.bytesUsed)}, traffic peak ${formatRate(peak)}.`;
  return (
    <figure className="chart">
      <div ref={box} className="chart-canvas" style={{ height }} role="img" aria-label={summary} />
      <figcaption className="chart-legend">
        <span className="legend-item legend-used">Cache used</span>
        <span className="legend-item legend-traffic">Traffic</span>
        <span className="visually-hidden">{summary}</span>
      </figcaption>
    </figure>
  );
}
