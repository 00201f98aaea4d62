// The page at GET /admin/timeline: "why didn't they get it?" for one contact or visitor. Per
// episode its latest outcome in words, then every entry oldest first (time, what, trigger and
// step, reason, detail, visitor). Pure: the route loads the timeline and passes it in. Times are
// rendered in UTC (ISO) and, when scripts run, reformatted in the viewer's time zone by the one
// small inline script (the route allows it by nonce). Everything interpolated is escaped.
import type { Timeline, TimelineEntry } from "../timeline/entry.ts";
import { SKIP_REASON_LABELS } from "./dashboard-view.ts";
import { esc, fmtInt, page } from "./page.ts";

export interface TimelineView {
  site: string;
  /** What the operator typed last (a visitor or contact id; never an address). */
  q: string;
  timeline: Timeline | null;
  notice?: { kind: "info" | "error"; title: string; lines?: readonly string[] };
  /** The CSP nonce of the inline script. */
  nonce: string;
}

const CANCEL_LABELS: Record<string, string> = {
  activity: "the visitor came back before it was due",
  superseded: "a newer episode of the trigger replaced it",
  trigger_removed: "the trigger was removed from the config",
};

/** A reason code in words ("" when there is nothing better than the code). */
export function reasonWords(reason: string): string {
  if (Object.hasOwn(SKIP_REASON_LABELS, reason))
    return SKIP_REASON_LABELS[reason as keyof typeof SKIP_REASON_LABELS];
  if (Object.hasOwn(CANCEL_LABELS, reason)) return CANCEL_LABELS[reason]!;
  if (reason.startsWith("cancelOn:")) return `cancelled by a ${reason.slice(9)} event`;
  if (reason.startsWith("gave_up:")) return `retries ran out (${reason.slice(8)})`;
  return "";
}

const GOOD = new Set(["sent", "opened", "clicked", "verified", "completed"]);
const WARN = new Set(["held", "deferred", "retry", "withheld"]);
const BAD = new Set([
  "skipped",
  "failed",
  "cancelled",
  "unsubscribed",
  "opted_out",
  "bounced",
  "complained",
]);
const tone = (kind: string) =>
  GOOD.has(kind)
    ? "good"
    : WARN.has(kind)
      ? "warn"
      : BAD.has(kind)
        ? "bad"
        : kind === "event"
          ? ""
          : "info";

const KIND_LABELS: Record<string, string> = {
  entered: "episode started",
  restarted: "episode restarted",
  due: "step due",
  deferred: "deferred",
  withheld: "held out",
  held: "held",
  completed: "episode done",
  agenda_overflow: "agenda full",
  opted_out: "opted out",
};
const kindLabel = (k: string) => KIND_LABELS[k] ?? k;

const iso = (at: number) => new Date(at).toISOString();
/** The server's rendering of a time (UTC); the script replaces it with the viewer's zone. */
const timeTag = (at: number) =>
  `<time datetime="${esc(iso(at))}">${esc(`${iso(at).slice(0, 19)}Z`)}</time>`;

const shortId = (id: string) => (id.length > 12 ? `${id.slice(0, 10)}…` : id);

/** A detail with its ISO times as <time> tags (so they show in the viewer's zone too). */
const detailHtml = (d: string) =>
  esc(d).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, (t) => {
    const at = Date.parse(t);
    return Number.isNaN(at) ? t : timeTag(at);
  });

function reasonCell(reason: string | undefined): string {
  if (!reason) return "";
  const words = reasonWords(reason);
  return words
    ? `<span title="${esc(reason)}">${esc(words)}</span> <code>${esc(reason)}</code>`
    : `<code>${esc(reason)}</code>`;
}

function stepCell(e: TimelineEntry): string {
  if (!e.trigger) return `<span class="muted">–</span>`;
  return `${esc(e.trigger)}${e.step === undefined ? "" : ` <span class="muted">· step ${esc(e.step)}</span>`}`;
}

function row(e: TimelineEntry): string {
  const t = tone(e.kind);
  return `<li class="ev ${t ? `t-${t}` : ""}"><span class="when num">${timeTag(e.at)}</span><span class="what"><span class="badge ${t}">${esc(
    kindLabel(e.kind),
  )}</span></span><span class="trig${e.trigger ? "" : " none"}">${stepCell(e)}</span><span class="why">${reasonCell(e.reason)}${
    e.detail ? `<span class="detail">${detailHtml(e.detail)}</span>` : ""
  }</span><span class="vid muted" ${e.vid ? `title="${esc(e.vid)}"` : ""}>${e.vid ? esc(shortId(e.vid)) : "contact"}</span></li>`;
}

/** Per episode: its trigger, the entries about it and the last one (its state as of now). */
function episodes(entries: readonly TimelineEntry[]) {
  const map = new Map<string, { trigger: string; episode: string; list: TimelineEntry[] }>();
  for (const e of entries) {
    if (!e.episode || !e.trigger || e.kind === "event") continue;
    const k = `${e.trigger} ${e.episode}`;
    const g = map.get(k) ?? { trigger: e.trigger, episode: e.episode, list: [] };
    g.list.push(e);
    map.set(k, g);
  }
  return [...map.values()].reverse();
}

/** The entry that best says where an episode stands: the latest outcome, else the latest. */
const OUTCOMES = new Set([
  "sent",
  "skipped",
  "failed",
  "withheld",
  "held",
  "cancelled",
  "completed",
]);
function standing(list: readonly TimelineEntry[]): TimelineEntry {
  const after = (e: TimelineEntry) => e.kind === "opened" || e.kind === "clicked";
  return [...list].reverse().find((e) => OUTCOMES.has(e.kind) && !after(e)) ?? list.at(-1)!;
}

function episodesPanel(entries: readonly TimelineEntry[]): string {
  const groups = episodes(entries);
  if (groups.length === 0)
    return `<section class="panel"><h2>Episodes</h2><p class="empty">No trigger started an episode for them in the time kept.</p></section>`;
  const items = groups
    .map((g) => {
      const s = standing(g.list);
      const t = tone(s.kind);
      const engaged = g.list.filter((e) => e.kind === "opened" || e.kind === "clicked");
      const words = s.reason ? reasonWords(s.reason) || s.reason : "";
      return `<li><div class="ep-head"><strong>${esc(g.trigger)}</strong><span class="muted num" title="${esc(
        g.episode,
      )}">episode ${esc(shortId(g.episode))}</span></div><div class="ep-state"><span class="badge ${t}">${esc(
        kindLabel(s.kind),
      )}${s.step === undefined ? "" : ` · step ${esc(s.step)}`}</span>${
        words ? ` <span>${esc(words)}</span>` : ""
      }${engaged.length ? ` <span class="muted">· ${engaged.map((e) => esc(e.kind)).join(", ")}</span>` : ""}</div><div class="muted num">${timeTag(
        s.at,
      )}</div></li>`;
    })
    .join("");
  return `<section class="panel"><h2>Episodes <span class="badge">${fmtInt(groups.length)}</span></h2><ul class="eps">${items}</ul></section>`;
}

function activityPanel(entries: readonly TimelineEntry[]): string {
  if (entries.length === 0)
    return `<section class="panel"><h2>Activity</h2><p class="empty">Nothing recorded.</p></section>`;
  return `<section class="panel"><h2>Activity <span class="badge">${fmtInt(entries.length)}</span></h2>
<div class="tl-head" aria-hidden="true"><span>Time</span><span>What</span><span>Trigger · step</span><span>Reason · detail</span><span>Source</span></div>
<ol class="tl">${entries.map(row).join("")}</ol></section>`;
}

const STYLE = `<style>
.top .lookup{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end}
.top .lookup label{display:flex;flex-direction:column;font-size:11px;color:#98a2b3;gap:2px;text-transform:uppercase;letter-spacing:.4px}
.top .lookup input{font:inherit;font-size:14px;padding:5px 8px;border:1px solid #344054;border-radius:6px;background:#1d2939;color:#fff;min-width:0}
.top .lookup input[name=site]{width:120px}.top .lookup input[name=q]{width:260px}
.top a.back{color:#d0d5dd;text-decoration:none;font-size:13px}
.badge.good{background:#ecfdf3;color:var(--good)}.badge.info{background:var(--accent-soft);color:var(--accent)}
.eps{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:10px}
.eps li{border:1px solid var(--line);border-radius:8px;padding:10px 12px;display:flex;flex-direction:column;gap:4px}
.ep-head{display:flex;flex-wrap:wrap;justify-content:space-between;gap:0 8px;align-items:baseline}
.tl{list-style:none;margin:0;padding:0}
.tl-head,.tl li{display:grid;grid-template-columns:170px 130px minmax(0,1fr) minmax(0,1.6fr) 100px;gap:4px 12px;align-items:baseline}
.tl-head{font-size:11px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);font-weight:600;padding:0 0 6px;border-bottom:1px solid var(--line)}
.tl li{padding:7px 0;border-bottom:1px solid var(--line);font-size:13px}
.tl li:last-child{border-bottom:0}
.tl li.t-bad{background:linear-gradient(90deg,#fef3f2,transparent 40%)}
.tl li.t-warn{background:linear-gradient(90deg,#fffaeb,transparent 40%)}
.tl .when{color:var(--muted);font-size:12px}
.tl .why code{font-size:11px;color:var(--muted)}
.tl .detail{display:block;color:var(--muted);font-size:12px;overflow-wrap:anywhere}
.tl .vid{font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.ids{margin:0 0 16px;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px}
.ids code{overflow-wrap:anywhere}
@media (max-width:720px){.tl-head{display:none}
.tl li{grid-template-columns:minmax(0,1fr) auto;padding:9px 4px}
.tl .when{grid-column:1;grid-row:1}.tl .what{grid-column:2;grid-row:1;text-align:right}
.tl .trig{grid-column:1;grid-row:2}.tl .vid{grid-column:2;grid-row:2;text-align:right;max-width:110px}
.tl .why{grid-column:1/-1;grid-row:3}.tl .why:empty{display:none}
.tl .trig.none{visibility:hidden}
.top .lookup{width:100%}.top .lookup label{flex:1 1 40%}.top .lookup input[name=site],.top .lookup input[name=q]{width:100%}
.top .lookup button{flex:1 1 100%}}
</style>`;

/** Replaces each server-rendered UTC time with the viewer's local time (Intl). */
const SCRIPT = `(function(){try{var f=new Intl.DateTimeFormat(undefined,{dateStyle:"medium",timeStyle:"medium"});
document.querySelectorAll("time[datetime]").forEach(function(t){t.title=t.textContent;t.textContent=f.format(new Date(t.getAttribute("datetime")))});
var z=document.getElementById("tz");if(z)z.textContent=Intl.DateTimeFormat().resolvedOptions().timeZone||"local time"}catch(e){}})();`;

function header(v: TimelineView): string {
  const dash = `/admin${v.site ? `?site=${encodeURIComponent(v.site)}` : ""}`;
  return `<header class="top"><div class="brand">Nudge<span>timeline</span></div>
<form class="lookup" method="post" action="/admin/timeline">
<label>Site<input name="site" value="${esc(v.site)}" autocomplete="off" spellcheck="false" required></label>
<label>Email or visitor id<input name="q" value="${esc(v.q)}" autocomplete="off" spellcheck="false" required placeholder="name@example.com"></label>
<button type="submit">Look up</button></form>
<a class="back" href="${esc(dash)}">← Dashboard</a></header>`;
}

function noticeBlock(n: NonNullable<TimelineView["notice"]>): string {
  return `<div class="notice ${n.kind === "error" ? "error" : ""}" role="${n.kind === "error" ? "alert" : "status"}"><strong>${esc(
    n.title,
  )}</strong>${n.lines?.length ? `<ul>${n.lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : ""}</div>`;
}

export function timelinePage(v: TimelineView): string {
  const t = v.timeline;
  const who = t
    ? t.of === "contact"
      ? `Contact <code title="${esc(t.id)}">${esc(t.id)}</code>`
      : `Visitor <code title="${esc(t.id)}">${esc(t.id)}</code>`
    : "";
  const ids = t
    ? `<div class="ids muted">${
        t.of === "visitor" && t.contact ? `<span>contact <code>${esc(t.contact)}</code></span>` : ""
      }${
        t.of === "contact"
          ? `<span>${fmtInt(t.visitors.length)} visitor${t.visitors.length === 1 ? "" : "s"}${
              t.moreVisitors ? ` (and ${fmtInt(t.moreVisitors)} older not shown)` : ""
            }</span>`
          : ""
      }<span>times in <span id="tz">UTC</span></span></div>`
    : "";
  const body = t
    ? `<div class="title"><h1>Why didn't they get it?</h1><span class="muted">${who} · ${esc(t.site)}</span></div>${ids}${episodesPanel(
        t.entries,
      )}${activityPanel(t.entries)}<p class="muted" style="font-size:12px">A visitor keeps its last 150 events and decisions; opens and clicks are kept for the site's attribution window.</p>`
    : `<div class="title"><h1>Why didn't they get it?</h1></div>${
        v.notice
          ? noticeBlock(v.notice)
          : `<p class="muted">Enter an email address or a visitor id above: the address is sent in the form, never in the page's URL.</p>`
      }`;
  return page(
    `Timeline · Nudge`,
    `${STYLE}${header(v)}<main>${t && v.notice ? noticeBlock(v.notice) : ""}${body}</main><script nonce="${esc(
      v.nonce,
    )}">${SCRIPT}</script>`,
  );
}
