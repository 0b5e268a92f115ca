import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { clockTime, formatBytes } from './format.js';
import type { EgressSeries } from './series.js';

/** Time-axis steps in whole seconds: never a tick between seconds (uPlot's own read `:46.500`). */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400];

const SERIES = [
  { label: 'Registry seed', stroke: '#b3261e' },
  { label: 'Web seed', stroke: '#8a5a00' },
  { label: 'Peers', stroke: '#1b6e3a' },
  { label: 'Central registry would send', stroke: '#3a4fb0', dash: [6, 4] },
];

/** Cumulative bytes by source over time (uPlot), redrawn on every sample. */
export function EgressChart({ series }: { series: EgressSeries }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: 260,
      series: [
        { value: (_u: uPlot, v: number | null) => (v == null ? '–' : clockTime(v)) },
        ...SERIES.map((s) => ({
          ...s,
          width: 2,
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : formatBytes(v)),
        })),
      ],
      axes: [
        { values: (_u, ticks) => ticks.map(clockTime), incrs: TIME_STEPS, space: 70 },
        { values: (_u, ticks) => ticks.map((t) => formatBytes(t)), size: 70 },
      ],
      legend: { live: false },
    };
    plot.current = new uPlot(opts, [[], [], [], [], []], el);
    const onResize = () =>
      plot.current?.setSize({ width: Math.max(320, el.clientWidth), height: 260 });
    addEventListener('resize', onResize);
    return () => {
      removeEventListener('resize', onResize);
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData([
      series.time,
      series.registrySeed,
      series.webSeed,
      series.peers,
      series.central,
    ]);
  }, [series]);

  return (
    <figure class="chart">
      <div
        ref={box}
        role="img"
        aria-label="Bytes sent by the registry seed, the web seed and peers over time"
      />
      <figcaption class="muted">
        Cumulative bytes since the registry started, sampled every 1.5 s.
      </figcaption>
    </figure>
  );
}
