// Plain-text tables for `nudge stats`: the report from GET /admin/api/stats as aligned columns
// (funnel per trigger, steps, lift with its interval, skip reasons). Pure; cli/stats.ts prints it.
import type { Funnel, Lift, Report } from "../worker/stats/report.ts";
import { isoMinute } from "../worker/lib/time.ts";

export type Align = "l" | "r";

/** Aligned columns separated by two spaces; numbers are usually right-aligned. */
export function table(
  header: readonly string[],
  rows: readonly string[][],
  align: readonly Align[] = [],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) =>
        (align[i] ?? "l") === "r" ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

export const int = (n: number): string => Math.round(n).toLocaleString("en-US");

export function pct(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : "-";
}

/** A difference of proportions in percentage points: "+3.0 pp", "-1.6 pp". */
export function pp(d: number): string {
  const v = Math.round(d * 1000) / 10;
  return `${v > 0 ? "+" : v < 0 ? "-" : ""}${Math.abs(v).toFixed(1)} pp`;
}

/** "EUR 1,234.50 + USD 12.00", largest first; "-" when empty. */
export function money(m: Record<string, number>): string {
  const parts = Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(
      ([c, v]) =>
        `${c} ${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`,
    );
  return parts.length ? parts.join(" + ") : "-";
}

/** A step number (1-based, as the API gives it) with its variant as a letter (step 1 variant 1
 * → "1B"), as on the dashboard. */
export function step(s: number, variant: number | null): string {
  return `${s}${variant === null ? "" : String.fromCharCode(65 + (variant % 26))}`;
}

const FUNNEL_HEAD = [
  "ENTERED",
  "STEP1 DUE",
  "DUE",
  "SENT",
  "SKIPPED",
  "DELIVERED",
  "OPENED",
  "CLICKED",
  "CONVERTED",
  "REVENUE",
  "CLAIMED",
  "UNSUB",
  "BOUNCED",
  "COMPLAINED",
];

function funnelCells(f: Funnel): string[] {
  return [
    int(f.entered),
    int(f.firstStepDue),
    int(f.due),
    int(f.sent),
    int(f.skipped),
    int(f.delivered),
    int(f.opened),
    int(f.clicked),
    int(f.converted),
    money(f.revenue),
    f.claimed ? `${int(f.claimed)} (${money(f.claimedValue)})` : "-",
    int(f.unsubscribed),
    int(f.bounced),
    int(f.complained),
  ];
}

const rightAfterFirst = (n: number, first = 1): Align[] => [
  ...Array<Align>(first).fill("l"),
  ...Array<Align>(n - first).fill("r"),
];

function liftCells(l: Lift): string[] {
  const group = (g: Lift["treated"]) =>
    g.entered ? `${int(g.converted)}/${int(g.entered)} (${pct(g.converted, g.entered)})` : "-";
  const note =
    l.holdout.entered === 0
      ? "no holdout"
      : l.treated.entered === 0
        ? "no treated episodes"
        : l.enoughData
          ? l.interval && (l.interval[0] > 0 || l.interval[1] < 0)
            ? "significant"
            : ""
          : "not enough data";
  return [
    group(l.treated),
    group(l.holdout),
    l.difference === null ? "-" : pp(l.difference),
    l.interval ? `${pp(l.interval[0])} to ${pp(l.interval[1])}` : "-",
    note,
  ];
}

export function formatReport(r: Report): string[] {
  const out: string[] = [`Site ${r.site}: ${r.from} to ${r.to} (UTC)`, ""];

  out.push("Funnel (treated group)");
  out.push(
    ...table(
      ["TRIGGER", ...FUNNEL_HEAD],
      [
        ...r.triggers.map((t) => [t.trigger, ...funnelCells(t.funnel)]),
        ["TOTAL", ...funnelCells(r.totals)],
      ],
      rightAfterFirst(FUNNEL_HEAD.length + 1),
    ),
    "ENTERED and STEP1 DUE count episodes, DUE and the rest emails of every step; each thing",
    "counts once, on the UTC day it happened (deliveries, opens, clicks: the day of their send);",
    "opens and clicks are unique per email.",
  );

  const steps = r.triggers.flatMap((t) =>
    t.steps.map((s) => [
      t.trigger,
      step(s.step, s.variant),
      int(s.funnel.due),
      int(s.funnel.sent),
      int(s.funnel.skipped),
      int(s.funnel.delivered),
      `${int(s.funnel.opened)} (${pct(s.funnel.opened, s.funnel.sent)})`,
      `${int(s.funnel.clicked)} (${pct(s.funnel.clicked, s.funnel.sent)})`,
      int(s.funnel.converted),
      money(s.funnel.revenue),
      int(s.holdout.sent),
    ]),
  );
  out.push("", "Steps and variants");
  if (steps.length) {
    out.push(
      ...table(
        [
          "TRIGGER",
          "STEP",
          "DUE",
          "SENT",
          "SKIPPED",
          "DELIVERED",
          "OPENED",
          "CLICKED",
          "CONVERTED",
          "REVENUE",
          "HELD OUT",
        ],
        steps,
        rightAfterFirst(11, 2),
      ),
    );
  } else out.push("(no steps came due in this period)");

  out.push("", "Lift: episode conversion, treated vs holdout (95% Wald interval)");
  out.push(
    ...table(
      ["TRIGGER", "TREATED", "HOLDOUT", "DIFFERENCE", "95% CI", "NOTE"],
      r.triggers.map((t) => [t.trigger, ...liftCells(t.lift)]),
      ["l", "r", "r", "r", "r", "l"],
    ),
  );

  const skips = r.triggers.flatMap((t) =>
    t.skipReasons.map((s) => [t.trigger, s.reason, int(s.count)]),
  );
  out.push("", "Skip reasons");
  if (skips.length) out.push(...table(["TRIGGER", "REASON", "COUNT"], skips, ["l", "l", "r"]));
  else out.push("(none)");

  const s = r.suppression;
  out.push(
    "",
    `Suppression: ${int(s.unsubscribed)} unsubscribed, ${int(s.bounced)} bounced, ${int(s.complained)} complained`,
  );
  const topics = s.topics ?? [];
  if (topics.length)
    out.push(
      `Stopped one kind of email: ${topics.map((t) => `${t.reason} ${int(t.count)}`).join(", ")}`,
    );
  if (r.recentFailures.length) {
    const last = r.recentFailures[0];
    out.push(
      `Recent failures: ${r.recentFailures.length}${
        last
          ? ` (latest ${isoMinute(last.at)}, ${last.trigger || "-"}: ${last.reason || "unknown"})`
          : ""
      }`,
    );
  }
  return out;
}
