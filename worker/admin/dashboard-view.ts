// The dashboard at GET /admin as one HTML string: what is not configured yet, filters, site totals, the daily chart,
// the timeline lookup, suppression, recent failures, coupon pools and per trigger a funnel, lift, reasons and steps. Pure: the
// route loads the report and passes it in. No scripts; everything interpolated is escaped.
import { CONFIRM_TRIGGER, type SkipReason } from "../engine/index.ts";
import { dailyChart } from "./chart.ts";
import { esc, fmtInt, fmtPct, fmtPp, fmtRevenue, page, stepLabel } from "./page.ts";
import type { Funnel, Lift, ReasonCount, Report, TriggerReport } from "../stats/report.ts";
import type { ReportFailure } from "../stats/report.ts";
import { isoMinute } from "../lib/time.ts";
import type { PoolCounts } from "../offers/codes.ts";
import type { SetupItem } from "../config/setup.ts";

export interface DashboardView {
  /** Known site ids (for the picker). */
  sites: readonly string[];
  site: string;
  from: string;
  to: string;
  report: Report | null;
  /** The site's coupon pools (worker/offers/), shown when there are any. */
  pools?: readonly ({ pool: string } & PoolCounts)[];
  notice?: { kind: "info" | "error"; title: string; lines?: readonly string[] };
  /** What the deployment has not configured yet (config/setup.ts), shown above everything. */
  setup?: readonly SetupItem[];
}

function header(v: DashboardView): string {
  return `<header class="top"><div class="brand">Nudge<span>stats</span></div>
<form class="filters" method="get" action="/admin">
<label>Site<input name="site" value="${esc(v.site)}" list="nudge-sites" autocomplete="off" spellcheck="false" required></label>
<datalist id="nudge-sites">${v.sites.map((s) => `<option value="${esc(s)}">`).join("")}</datalist>
<label>From<input type="date" name="from" value="${esc(v.from)}"></label>
<label>To<input type="date" name="to" value="${esc(v.to)}"></label>
<button type="submit">Show</button></form>
<form class="signout" method="post" action="/admin/logout"><button class="ghost" type="submit">Sign out</button></form></header>`;
}

function card(label: string, value: string, sub = ""): string {
  return `<div class="card"><div class="k">${esc(label)}</div><div class="v num">${value}</div>${
    sub ? `<div class="s">${sub}</div>` : ""
  }</div>`;
}

function totals(r: Report): string {
  const t = r.totals;
  return `<section class="cards" aria-label="Totals">
${card("Sent", fmtInt(t.sent), `${fmtInt(t.skipped)} skipped · ${fmtInt(t.failed)} failed`)}
${card("Delivered", fmtInt(t.delivered), `${fmtPct(t.delivered, t.sent)} of sent`)}
${card("Opened", fmtInt(t.opened), `${fmtPct(t.opened, t.delivered || t.sent)} open rate`)}
${card("Clicked", fmtInt(t.clicked), `${fmtPct(t.clicked, t.delivered || t.sent)} click rate`)}
${card("Converted", fmtInt(t.converted), `${fmtPct(t.converted, t.sent)} of sent`)}
${card("Revenue", esc(fmtRevenue(t.revenue)), "last-touch, attributed, verified")}
${
  t.claimed
    ? card(
        "Unverified claims",
        fmtInt(t.claimed),
        `${esc(fmtRevenue(t.claimedValue))} · browser-only, not revenue`,
      )
    : ""
}
</section>`;
}

type FunnelKey = keyof Omit<Funnel, "revenue" | "claimedValue">;

/** The funnel in two parts with their own units, so no bar is drawn against a bar of another
 * unit: episodes (entered, first step due), then emails of every step. Each row's share is of
 * its `base`; within a part a later row never exceeds an earlier one (report.ts says why). */
const FUNNEL_PARTS: {
  title: string;
  rows: { key: FunnelKey; label: string; base?: FunnelKey }[];
}[] = [
  {
    title: "Episodes",
    rows: [
      { key: "entered", label: "Entered" },
      { key: "firstStepDue", label: "Step 1 due", base: "entered" },
    ],
  },
  {
    title: "Emails, all steps",
    rows: [
      { key: "due", label: "Steps due" },
      { key: "sent", label: "Sent", base: "due" },
      { key: "delivered", label: "Delivered", base: "sent" },
      { key: "opened", label: "Opened", base: "delivered" },
      { key: "clicked", label: "Clicked", base: "delivered" },
      { key: "converted", label: "Converted", base: "sent" },
    ],
  },
];

function funnelBars(f: Funnel): string {
  const parts = FUNNEL_PARTS.map(({ title, rows }) => {
    const max = Math.max(1, ...rows.map((r) => f[r.key]));
    const bars = rows
      .map(({ key, label, base }) => {
        const v = f[key];
        const width = v > 0 ? Math.max(0.5, (v / max) * 100) : 0;
        const share = base ? fmtPct(v, f[base]) : "";
        return `<span class="l">${label}</span><span class="track"><span class="fill${
          base ? " soft" : ""
        }" style="display:block;width:${width.toFixed(1)}%"></span></span><span class="n num">${fmtInt(v)}<small>${share}</small></span>`;
      })
      .join("");
    return `<span class="part muted">${esc(title)}</span>${bars}`;
  }).join("");
  return `<div class="funnel" role="table" aria-label="Funnel">${parts}</div>
<p class="muted" style="margin:8px 0 0;font-size:12px">Each thing counts once, on the UTC day it happened (deliveries, opens and clicks on the day of their send); opens and clicks are unique per email.</p>`;
}

/** The interval drawn on a −x…+x scale around 0 (x = the largest |bound|, at least 5 pp). */
function intervalSvg(d: number, lo: number, hi: number): string {
  const span = Math.ceil(Math.max(0.05, Math.abs(lo), Math.abs(hi)) * 110) / 100;
  const x = (v: number) => (((v + span) / (2 * span)) * 100).toFixed(2);
  const color = lo > 0 ? "var(--good)" : hi < 0 ? "var(--bad)" : "var(--muted)";
  return `<svg class="ci" viewBox="0 0 100 18" preserveAspectRatio="none" aria-hidden="true">
<line x1="50" x2="50" y1="0" y2="18" stroke="#98a2b3" stroke-dasharray="2 2" vector-effect="non-scaling-stroke"/>
<line x1="${x(lo)}" x2="${x(hi)}" y1="9" y2="9" stroke="${color}" stroke-width="4" stroke-linecap="round" vector-effect="non-scaling-stroke"/>
<line x1="${x(d)}" x2="${x(d)}" y1="3" y2="15" stroke="${color}" stroke-width="3" vector-effect="non-scaling-stroke"/></svg>
<div class="ci-scale num" aria-hidden="true"><span>${fmtPp(-span)}</span><span>0</span><span>${fmtPp(span)}</span></div>`;
}

function liftBlock(l: Lift): string {
  const share = (g: Lift["treated"]) =>
    `${fmtInt(g.converted)} / ${fmtInt(g.entered)} · ${fmtPct(g.converted, g.entered)}`;
  let body: string;
  if (l.holdout.entered === 0) {
    body = `<p class="muted" style="margin:0 0 8px">No holdout episodes in this period. Add <code>"holdout": 0.1</code> to the trigger to measure lift.</p>
<dl class="kv num"><dt>Episodes converted</dt><dd>${share(l.treated)}</dd></dl>`;
  } else if (l.difference === null || l.interval === null) {
    body = `<p class="muted" style="margin:0">No treated episodes in this period.</p>`;
  } else {
    const [lo, hi] = l.interval;
    const cls = lo > 0 ? "good" : hi < 0 ? "bad" : "";
    body = `<div><span class="big num ${cls}">${fmtPp(l.difference)}</span> ${
      l.enoughData ? "" : `<span class="badge warn">not enough data</span>`
    }</div><div class="muted num">95% CI ${fmtPp(lo)} to ${fmtPp(hi)}</div>${intervalSvg(l.difference, lo, hi)}${
      l.enoughData
        ? ""
        : `<p class="muted" style="margin:0 0 8px">Needs at least 5 conversions and 5 non-conversions in each group before the interval means much.</p>`
    }<dl class="kv num"><dt>Treated</dt><dd>${share(l.treated)}</dd><dt>Holdout</dt><dd>${share(l.holdout)}</dd></dl>`;
  }
  return `<div class="lift"><h4 style="margin-top:0">Lift · episode conversion vs holdout</h4>${body}</div>`;
}

/** What each skip reason means, shown on hover (the list keeps the code the logs use). Typed by
 * the reasons themselves: a new reason needs its line here. */
export const SKIP_REASON_LABELS: Record<SkipReason | "holdout" | "quiet_hours", string> = {
  no_email: "no email address known",
  no_consent: "no marketing consent",
  condition: "the step's condition was false",
  cancelled: "the episode was cancelled",
  suppressed: "unsubscribed, bounced or complained",
  unsubscribed_topic: "opted out of this kind of email on the unsubscribe page",
  daily_limit: "the site's daily limit for the address was reached",
  capped: "frequency cap: a marketing email went out recently",
  unconfirmed: "double opt-in: the address was not confirmed in time",
  unverified: "order mail to an address nobody vouched for",
  verified: "confirmation not needed: the address is verified",
  recently_asked: "a confirmation went out in the last 24 h",
  coupon_pool_empty: "the email needs a coupon code and its pool has none left",
  holdout: "held out (control group): not sent, counted for lift",
  quiet_hours: "quiet hours",
};

const reasonTitle = (reason: string) =>
  Object.hasOwn(SKIP_REASON_LABELS, reason)
    ? ` title="${esc(SKIP_REASON_LABELS[reason as keyof typeof SKIP_REASON_LABELS])}"`
    : "";

function reasonList(title: string, list: readonly ReasonCount[], limit = 5): string {
  if (list.length === 0) return "";
  const shown = list.slice(0, limit);
  const rest = list.slice(limit).reduce((s, r) => s + r.count, 0);
  return `<h4>${esc(title)}</h4><ul class="reasons">${shown
    .map(
      (r) =>
        `<li><span${reasonTitle(r.reason)}>${esc(r.reason)}</span><span class="num">${fmtInt(r.count)}</span></li>`,
    )
    .join(
      "",
    )}${rest ? `<li><span class="muted">other</span><span class="num">${fmtInt(rest)}</span></li>` : ""}</ul>`;
}

function stepsTable(t: TriggerReport): string {
  if (t.steps.length === 0) return "";
  const rows = t.steps
    .map(
      (s) =>
        `<tr><td>${esc(stepLabel(s.step, s.variant))}</td><td>${fmtInt(s.funnel.due)}</td><td>${fmtInt(
          s.funnel.sent,
        )}</td><td>${fmtInt(s.funnel.skipped)}</td><td>${fmtInt(s.funnel.delivered)}</td><td>${fmtInt(
          s.funnel.opened,
        )} <span class="muted">${fmtPct(s.funnel.opened, s.funnel.sent)}</span></td><td>${fmtInt(
          s.funnel.clicked,
        )} <span class="muted">${fmtPct(s.funnel.clicked, s.funnel.sent)}</span></td><td>${fmtInt(
          s.funnel.converted,
        )}</td><td>${esc(fmtRevenue(s.funnel.revenue))}</td><td>${fmtInt(s.holdout.sent)}</td></tr>`,
    )
    .join("");
  return `<h4>Steps and variants</h4><div class="scroll"><table class="num"><thead><tr><th>Step</th><th>Due</th><th>Sent</th><th>Skipped</th><th>Delivered</th><th>Opened</th><th>Clicked</th><th>Converted</th><th>Revenue</th><th title="Would have been sent (holdout)">Held out</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** No episodes, steps or sends in the range: listed together instead of a panel each. */
const isIdle = (t: TriggerReport) =>
  t.funnel.entered +
    t.funnel.due +
    t.funnel.sent +
    t.funnel.skipped +
    t.holdout.entered +
    t.holdout.due ===
  0;

/** How a panel names a trigger: its id, or what Nudge's own confirmation emails are. */
const triggerTitle = (id: string) =>
  id === CONFIRM_TRIGGER ? "Confirmation emails (double opt-in)" : id;

function triggerPanel(t: TriggerReport): string {
  const f = t.funnel;
  const revenue = Object.keys(f.revenue).length ? ` · ${esc(fmtRevenue(f.revenue))} revenue` : "";
  return `<article class="panel trigger" id="trigger-${esc(t.trigger)}">
<header><h3>${esc(triggerTitle(t.trigger))}</h3><span class="muted num">${fmtInt(f.entered + t.holdout.entered)} entered · ${fmtInt(f.sent)} sent${revenue}</span></header>
<div class="cols"><div><h4 style="margin-top:0">Funnel · treated</h4>${funnelBars(f)}
<dl class="kv num" style="margin-top:12px"><dt>Skipped</dt><dd>${fmtInt(f.skipped)}</dd><dt>Failed</dt><dd>${fmtInt(
    f.failed,
  )}</dd><dt>Cancelled</dt><dd>${fmtInt(f.cancelled + t.holdout.cancelled)}</dd><dt>Unsubscribed</dt><dd>${fmtInt(
    f.unsubscribed,
  )}</dd><dt>Bounced · complained</dt><dd>${fmtInt(f.bounced)} · ${fmtInt(f.complained)}</dd>${
    f.claimed
      ? `<dt>Unverified claims</dt><dd>${fmtInt(f.claimed)} · ${esc(fmtRevenue(f.claimedValue))}</dd>`
      : ""
  }</dl></div>
<div>${liftBlock(t.lift)}${reasonList("Top skip reasons", t.skipReasons)}${reasonList(
    "Cancel reasons",
    t.cancelReasons,
  )}${reasonList("Failure reasons", t.failReasons)}</div></div>
<h4>Daily</h4>${dailyChart(t.daily, { height: 90, label: `${t.trigger} daily` })}
${stepsTable(t)}</article>`;
}

function triggersSection(list: readonly TriggerReport[]): string {
  if (list.length === 0)
    return `<p class="empty">This site has no triggers and no recorded activity.</p>`;
  const active = list.filter((t) => !isIdle(t));
  const idle = list.filter(isIdle);
  return `${active.map(triggerPanel).join("")}${
    idle.length
      ? `<section class="panel"><h2>No activity in this period</h2><ul class="idle">${idle
          .map((t) => `<li id="trigger-${esc(t.trigger)}">${esc(triggerTitle(t.trigger))}</li>`)
          .join("")}</ul></section>`
      : ""
  }`;
}

const SHOWN_FAILURES = 10;

function failuresPanel(list: readonly ReportFailure[]): string {
  if (list.length === 0) {
    return `<section class="panel"><h2>Recent failed sends</h2><p class="empty">No failed sends in this period.</p></section>`;
  }
  const rows = list
    .slice(0, SHOWN_FAILURES)
    .map(
      (f) =>
        `<tr><td class="t"><time datetime="${esc(f.at)}">${esc(isoMinute(f.at))}</time></td><td class="t">${esc(
          `${f.trigger || "–"} · ${stepLabel(f.step, f.variant)}`,
        )}</td><td class="t">${esc(f.reason || "unknown")}</td><td class="t muted" title="${esc(f.contact)}">${esc(
          f.contact ? `${f.contact.slice(0, 10)}…` : "–",
        )}</td></tr>`,
    )
    .join("");
  const more =
    list.length > SHOWN_FAILURES
      ? `latest ${SHOWN_FAILURES} of ${fmtInt(list.length)}`
      : fmtInt(list.length);
  return `<section class="panel"><h2>Recent failed sends <span class="badge">${more}</span></h2>
<div class="scroll"><table><thead><tr><th>Time (UTC, ISO 8601)</th><th style="text-align:left">Trigger · step</th><th style="text-align:left">Reason</th><th style="text-align:left">Contact</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function suppressionPanel(r: Report): string {
  const s = r.suppression;
  return `<section class="panel"><h2>Suppression</h2><dl class="kv num">
<dt>Unsubscribed</dt><dd>${fmtInt(s.unsubscribed)}</dd><dt>Bounced</dt><dd>${fmtInt(
    s.bounced,
  )}</dd><dt>Complained</dt><dd>${fmtInt(s.complained)}</dd>${(s.topics ?? [])
    .map((t) => `<dt>Stopped ${esc(t.reason)} emails</dt><dd>${fmtInt(t.count)}</dd>`)
    .join("")}</dl>
<p class="muted" style="margin:10px 0 0;font-size:12px">New suppressions in this period, all triggers; "stopped" counts people who turned off one kind of email on the unsubscribe page.</p></section>`;
}

/** Below this share of codes left a pool is flagged as running low. */
const LOW_SHARE = 0.1;

function poolsPanel(pools: NonNullable<DashboardView["pools"]>): string {
  if (pools.length === 0) return "";
  const rows = pools
    .map((p) => {
      const badge =
        p.available === 0
          ? ` <span class="badge bad">empty</span>`
          : p.available < p.total * LOW_SHARE
            ? ` <span class="badge warn">low</span>`
            : "";
      return `<tr><td class="t">${esc(p.pool)}${badge}</td><td>${fmtInt(p.available)}</td><td>${fmtInt(
        p.total - p.available,
      )}</td><td>${fmtInt(p.total)}</td></tr>`;
    })
    .join("");
  return `<section class="panel" id="coupon-pools"><h2>Coupon pools</h2>
<div class="scroll"><table class="num"><thead><tr><th>Pool</th><th>Codes left</th><th>Given</th><th>Total</th></tr></thead><tbody>${rows}</tbody></table></div>
<p class="muted" style="margin:10px 0 0;font-size:12px">A step whose email needs a code from an empty pool is skipped (<code>coupon_pool_empty</code>). Add codes with <code>npx nudge coupons push</code>.</p></section>`;
}

function noticeBlock(n: NonNullable<DashboardView["notice"]>): string {
  return `<div class="notice ${n.kind === "error" ? "error" : ""}" role="${n.kind === "error" ? "alert" : "status"}"><strong>${esc(
    n.title,
  )}</strong>${n.lines?.length ? `<ul>${n.lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : ""}</div>`;
}

const SEVERITY_LABEL = { error: "blocking", warning: "needed in production", info: "optional" };

/** A consequence as a sentence; the outbox it names is a link. */
function consequenceHtml(text: string): string {
  const sentence = esc(text.charAt(0).toUpperCase() + text.slice(1));
  return sentence.replace("/admin/outbox", `<a href="/admin/outbox">/admin/outbox</a>`);
}

function setupRows(items: readonly SetupItem[]): string {
  return `<ul class="setup-list">${items
    .map(
      (
        i,
      ) => `<li class="setup-item ${i.severity}"><div class="setup-head"><code>${esc(i.name)}</code>
<span class="badge ${i.severity === "error" ? "bad" : i.severity === "warning" ? "warn" : ""}">${SEVERITY_LABEL[i.severity]}</span></div>
<p>${consequenceHtml(i.consequence)}</p><code class="fix">${esc(i.fix)}</code></li>`,
    )
    .join("")}</ul>`;
}

/** "Not configured yet": each secret or var with what it costs and the command that fixes it;
 * the optional ones folded under their names, so the page's numbers stay near the top. */
function setupPanel(items: readonly SetupItem[]): string {
  if (items.length === 0) return "";
  const needed = items.filter((i) => i.severity !== "info");
  const optional = items.filter((i) => i.severity === "info");
  const folded = optional.length
    ? `<details class="setup-more"><summary>${optional.length} optional: ${optional
        .map((i) => `<code>${esc(i.name)}</code>`)
        .join(", ")}</summary>${setupRows(optional)}</details>`
    : "";
  return `<section class="panel setup" id="setup" aria-labelledby="setup-title">
<h2 id="setup-title">Not configured yet <span class="badge">${items.length}</span></h2>
${needed.length ? setupRows(needed) : ""}${folded}</section>`;
}

/** "Why didn't they get it?": the timeline lookup (the address goes in the form body; the
 * timeline page is then opened by id). */
function lookupPanel(site: string): string {
  return `<form class="panel lookup-panel" method="post" action="/admin/timeline">
<label for="why-q"><strong>Why didn't they get it?</strong> <span class="muted">One person's emails, skips and reasons.</span></label>
<div class="lookup-row"><input type="hidden" name="site" value="${esc(site)}"><input id="why-q" name="q" autocomplete="off" spellcheck="false" required placeholder="Email address or visitor id"><button type="submit">Show timeline</button></div></form>`;
}

export function dashboardPage(v: DashboardView): string {
  const r = v.report;
  const title = `<div class="title"><h1>${esc(v.site || "Nudge")}</h1>${
    r ? `<span class="muted num">${esc(r.from)} – ${esc(r.to)} (UTC)</span>` : ""
  }</div>`;
  const body = r
    ? `${totals(r)}<section class="panel"><h2>Daily email activity</h2>${dailyChart(r.daily, {
        height: 180,
        label: "Daily email activity",
      })}</section>
<div class="grid2">${suppressionPanel(r)}${failuresPanel(r.recentFailures)}</div>
${poolsPanel(v.pools ?? [])}
<h2 class="section-title">Triggers</h2>
${triggersSection(r.triggers)}`
    : "";
  return page(
    `${v.site ? `${v.site} · ` : ""}Nudge stats`,
    `${header(v)}<main>${setupPanel(v.setup ?? [])}${title}${v.notice ? noticeBlock(v.notice) : ""}${
      r ? lookupPanel(v.site) : ""
    }${body}</main>`,
  );
}
