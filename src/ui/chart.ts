// An SVG line chart of samples over time, for the overview's time series.
import { type ComponentChild, h } from "preact";

const CHART_WIDTH = 360;
const CHART_HEIGHT = 90;

/** A line chart of `series` over the samples' times; y from 0 to the largest value. */
export function chart<T extends { readonly atMs: number }>(
  title: string,
  samples: readonly T[],
  series: readonly [string, string, (s: T) => number][],
): ComponentChild {
  const t0 = samples[0]?.atMs ?? 0;
  const t1 = samples[samples.length - 1]?.atMs ?? 1;
  let max = 1;
  for (const s of samples) for (const [, , get] of series) max = Math.max(max, get(s));
  const x = (ms: number) => (t1 === t0 ? CHART_WIDTH : ((ms - t0) / (t1 - t0)) * CHART_WIDTH);
  const y = (v: number) => CHART_HEIGHT - (v / max) * (CHART_HEIGHT - 4);
  return h(
    "figure",
    { class: "chart" },
    h(
      "figcaption",
      null,
      title,
      " ",
      series.map(([name, color]) => h("span", { style: { color } }, ` ● ${name}`)),
    ),
    h(
      "svg",
      { width: CHART_WIDTH, height: CHART_HEIGHT, viewBox: `0 0 ${CHART_WIDTH} ${CHART_HEIGHT}` },
      h("rect", { width: CHART_WIDTH, height: CHART_HEIGHT, fill: "#fafafa", stroke: "#ddd" }),
      series.map(([name, color, get]) =>
        h("polyline", {
          key: name,
          fill: "none",
          stroke: color,
          "stroke-width": 1.5,
          points: samples.map((s) => `${x(s.atMs).toFixed(1)},${y(get(s)).toFixed(1)}`).join(" "),
        }),
      ),
      h("text", { x: 4, y: 12, "font-size": 10, fill: "#666" }, String(Number(max.toFixed(2)))),
    ),
  );
}
