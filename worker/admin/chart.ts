// The daily chart as inline SVG (no chart library): sent as bars, opened / clicked / converted
// as lines on one axis. The plot stretches to any width (preserveAspectRatio="none" with
// non-scaling strokes); labels live in HTML around it so text never distorts. Pure.
import { esc, fmtInt, fmtRevenue } from "./page.ts";
import type { DailyPoint } from "../stats/report.ts";

const LINES = [
  { key: "opened", label: "Opened", color: "var(--c-opened)" },
  { key: "clicked", label: "Clicked", color: "var(--c-clicked)" },
  { key: "converted", label: "Converted", color: "var(--c-converted)" },
] as const;

/** The smallest "nice" number (1, 2, 5 × 10^k) at or above n; 1 for n ≤ 0. */
export function niceCeil(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

const H = 100;
/** The middle axis label: 2.5 stays 2.5 (fmtInt would say 3). */
const fmtHalf = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });
const r2 = (n: number) => Math.round(n * 100) / 100;

export function dailyChart(
  points: readonly DailyPoint[],
  opts: { height: number; label: string },
): string {
  const n = Math.max(points.length, 1);
  const max = niceCeil(
    Math.max(0, ...points.flatMap((p) => [p.sent, p.opened, p.clicked, p.converted])),
  );
  const y = (v: number) => r2(H - (v / max) * H);
  const empty = points.every((p) => p.sent + p.opened + p.clicked + p.converted === 0);

  const grid = [0.25, 0.5, 0.75]
    .map(
      (f) =>
        `<line x1="0" x2="${n}" y1="${H * f}" y2="${H * f}" stroke="#eaecf0" vector-effect="non-scaling-stroke"/>`,
    )
    .join("");
  const bars = points
    .map((p, i) =>
      p.sent > 0
        ? `<rect x="${r2(i + 0.15)}" width="0.7" y="${y(p.sent)}" height="${r2(H - y(p.sent))}" fill="var(--c-sent)"/>`
        : "",
    )
    .join("");
  const lines = empty
    ? ""
    : LINES.map(({ key, color }) => {
        const pts = points.map((p, i) => `${r2(i + 0.5)},${y(p[key])}`).join(" ");
        return `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>`;
      }).join("");
  const hovers = points
    .map(
      (p, i) =>
        `<rect x="${i}" width="1" y="0" height="${H}" fill="transparent"><title>${esc(
          `${p.day}: sent ${fmtInt(p.sent)}, opened ${fmtInt(p.opened)}, clicked ${fmtInt(p.clicked)}, converted ${fmtInt(p.converted)}, revenue ${fmtRevenue(p.revenue)}`,
        )}</title></rect>`,
    )
    .join("");

  const first = points[0]?.day ?? "";
  const last = points[points.length - 1]?.day ?? "";
  const mid = points.length > 2 ? (points[Math.floor((points.length - 1) / 2)]?.day ?? "") : "";
  const yw = `${Math.max(2, fmtInt(max).length) * 7 + 6}px`;
  const total = points.reduce((s, p) => s + p.sent, 0);

  return `<figure class="chart" style="--yw:${yw}">
<div class="plot"><div class="y num" style="height:${opts.height}px;width:calc(${yw} - 6px)">${
    empty
      ? "<span></span><span></span>"
      : `<span>${fmtInt(max)}</span><span>${fmtHalf(max / 2)}</span>`
  }<span>0</span></div>
<svg viewBox="0 0 ${n} ${H}" preserveAspectRatio="none" style="height:${opts.height}px" role="img" aria-label="${esc(
    `${opts.label}: ${fmtInt(total)} sent from ${first} to ${last}`,
  )}">${grid}${bars}${lines}${hovers}</svg>
${empty ? `<div class="overlay">No email activity in this period</div>` : ""}</div>
<div class="x"><span>${esc(first)}</span>${mid ? `<span>${esc(mid)}</span>` : ""}<span>${esc(last)}</span></div>
<figcaption class="legend"><span><i class="bar" style="background:var(--c-sent)"></i>Sent</span>${LINES.map(
    (l) => `<span><i style="background:${l.color}"></i>${l.label}</span>`,
  ).join("")}</figcaption></figure>`;
}
