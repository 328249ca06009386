/** A uPlot line chart (time on x), sized to its container and redrawn in place when the data changes. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface LineSeries {
  readonly label: string;
  readonly color: string;
  readonly values: readonly (number | null)[];
}

export function LineChart({ title, unit, t, series }: { title: string; unit: string; t: readonly number[]; series: readonly LineSeries[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = [t as number[], ...series.map((line) => line.values as (number | null)[])] as uPlot.AlignedData;

  useEffect(() => {
    const element = box.current as HTMLDivElement;
    const width = (): number => Math.max(240, element.clientWidth);
    plot.current = new uPlot({
      width: width(), height: 200,
      series: [{}, ...series.map((line) => ({ label: line.label, stroke: line.color, width: 2, spanGaps: false, value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${v} ${unit}`) }))],
      axes: [{}, { label: unit, size: 60 }],
      scales: { x: { time: true } },
    }, data, element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: width(), height: 200 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} aria-hidden="true" />
    </figure>
  );
}
