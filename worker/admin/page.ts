// The admin pages' shell: document skeleton, shared CSS, number formatting and the sign-in
// page. Pure strings; every interpolated value goes through `esc`. Used by dashboard-view.ts
// and the admin routes.
import { escapeHtml } from "../lib/html.ts";

export const esc = (v: string | number): string => escapeHtml(String(v));

const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--line:#e4e7ec;--ink:#101828;--muted:#667085;--accent:#4f46e5;
--accent-soft:#e0e7ff;--good:#067647;--bad:#b42318;--warn:#b54708;
--c-sent:#c7d2fe;--c-opened:#4f46e5;--c-clicked:#0ea5e9;--c-converted:#16a34a}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;-webkit-text-size-adjust:100%}
a{color:var(--accent)}
h1,h2,h3{margin:0;line-height:1.25}
h1{font-size:20px}h2{font-size:16px}h3{font-size:15px}
.muted{color:var(--muted)}
.num{font-variant-numeric:tabular-nums}
.top{background:#101828;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:10px 20px;align-items:center}
.brand{font-weight:700;font-size:16px;letter-spacing:.2px;margin-right:auto}
.brand span{font-weight:400;color:#98a2b3;margin-left:6px;font-size:13px}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end}
.filters label{display:flex;flex-direction:column;font-size:11px;color:#98a2b3;gap:2px;text-transform:uppercase;letter-spacing:.4px}
.filters input{font:inherit;font-size:14px;padding:5px 8px;border:1px solid #344054;border-radius:6px;background:#1d2939;color:#fff;min-width:0}
.filters input[name=site]{width:140px}
.filters input[type=date]{width:150px;color-scheme:dark}
button{font:inherit;font-weight:600;border:0;border-radius:6px;padding:7px 14px;cursor:pointer;background:var(--accent);color:#fff}
button.ghost{background:transparent;color:#d0d5dd;border:1px solid #344054}
main{max-width:1200px;margin:0 auto;padding:20px 16px 48px}
.title{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px;margin-bottom:16px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.card,.panel{background:var(--card);border:1px solid var(--line);border-radius:10px}
.card{padding:12px 14px}
.card .k{font-size:12px;color:var(--muted)}
.card .v{font-size:22px;font-weight:650;margin-top:2px}
.card .s{font-size:12px;color:var(--muted)}
.panel{padding:16px;margin-bottom:16px;min-width:0}
.panel>h2,.panel>header{margin-bottom:12px}
.panel>header{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px}
.grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,2fr);gap:16px;align-items:start;margin-bottom:16px}
.grid2>.panel{margin-bottom:0}
.cols{display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);gap:20px}
.section-title{margin:28px 0 12px}
.notice{background:#fffaeb;border:1px solid #fedf89;color:#7a2e0e;border-radius:10px;padding:12px 14px;margin-bottom:16px}
.notice.error{background:#fef3f2;border-color:#fecdca;color:var(--bad)}
.notice ul{margin:6px 0 0;padding-left:18px}
.empty{color:var(--muted);font-style:italic}
.setup{border-color:#fedf89;background:#fffcf5}
.setup h2{margin-bottom:10px}
.setup-list{list-style:none;margin:0;padding:0;display:grid;gap:10px}
.setup-item{border-left:3px solid var(--line);padding:2px 0 2px 12px;min-width:0}
.setup-item.error{border-color:var(--bad)}.setup-item.warning{border-color:#f79009}
.setup-head{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px}
.setup-head code{font-weight:650}
.setup-item p{margin:4px 0 6px}
.setup-more summary{cursor:pointer;color:var(--muted);padding:2px 0}
.setup-list+.setup-more{margin-top:10px}.setup-more .setup-list{margin-top:10px}
.setup-item .fix{display:block;background:#101828;color:#f2f4f7;border-radius:6px;padding:6px 10px;font-size:12.5px;white-space:pre-wrap;overflow-wrap:anywhere}
.funnel{display:grid;grid-template-columns:auto minmax(60px,1fr) auto;gap:6px 10px;align-items:center}
.funnel .l{font-size:13px}
.funnel .track{height:14px;background:#f2f4f7;border-radius:4px;overflow:hidden}
.funnel .fill{height:100%;background:var(--accent);border-radius:4px}
.funnel .fill.soft{background:#a5b4fc}
.funnel .n{text-align:right;font-size:13px;white-space:nowrap}
.funnel .n small{color:var(--muted);margin-left:4px;display:inline-block;min-width:42px}
.funnel .part{grid-column:1/-1;font-size:11px;text-transform:uppercase;letter-spacing:.4px;margin-top:4px}
.kv{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:0}
.kv dt{color:var(--muted)}.kv dd{margin:0;text-align:right}
.lift{border:1px solid var(--line);border-radius:8px;padding:12px;margin-bottom:14px}
.lift .big{font-size:20px;font-weight:650}
.lift .good{color:var(--good)}.lift .bad{color:var(--bad)}
.badge{display:inline-block;font-size:11px;font-weight:600;border-radius:999px;padding:1px 8px;background:#f2f4f7;color:var(--muted);vertical-align:middle}
.badge.warn{background:#fffaeb;color:var(--warn)}
.badge.bad{background:#fef3f2;color:var(--bad)}
.ci{display:block;width:100%;height:18px;margin-top:8px}
.ci-scale{display:flex;justify-content:space-between;font-size:11px;color:var(--muted);margin-bottom:8px}
.reasons{list-style:none;margin:0;padding:0}
.reasons li{display:flex;justify-content:space-between;gap:8px;padding:3px 0;border-bottom:1px dashed var(--line)}
.reasons li:last-child{border-bottom:0}
h4{margin:14px 0 6px;font-size:12px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{font-size:11px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);font-weight:600}
th:first-child,td:first-child{text-align:left}
td.t{text-align:left}
.chart{margin:0}
.chart .plot{position:relative;display:grid;grid-template-columns:auto minmax(0,1fr);gap:6px}
.chart .y{display:flex;flex-direction:column;justify-content:space-between;font-size:11px;color:var(--muted);text-align:right}
.chart svg{display:block;width:100%;border-left:1px solid var(--line);border-bottom:1px solid var(--line)}
.chart .x{display:flex;justify-content:space-between;font-size:11px;color:var(--muted);margin-left:var(--yw,28px);padding-top:4px}
.chart .overlay{position:absolute;inset:0 0 0 var(--yw,28px);display:flex;align-items:center;justify-content:center;color:var(--muted);font-style:italic;pointer-events:none}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:var(--muted);margin-top:8px}
.legend i{display:inline-block;width:12px;height:4px;border-radius:2px;vertical-align:middle;margin-right:5px}
.legend i.bar{height:10px}
.signin{max-width:380px;margin:12vh auto;padding:28px}
.signin h1{margin-bottom:6px}
.signin p{color:var(--muted);margin:0 0 18px}
.signin label{display:block;font-weight:600;margin-bottom:6px}
.signin input{display:block;width:100%;font:inherit;padding:9px 10px;border:1px solid #d0d5dd;border-radius:6px;margin-bottom:14px}
.signin button{width:100%;padding:10px}
.signin .err{color:var(--bad);margin:0 0 12px}
@media (max-width:800px){.grid2,.cols{grid-template-columns:minmax(0,1fr)}}
.lookup-panel{display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;padding:12px 16px}
.lookup-panel label{flex:1 1 260px}
.lookup-row{display:flex;gap:8px;flex:1 1 340px}
.lookup-row input{flex:1;min-width:0;font:inherit;padding:7px 10px;border:1px solid #d0d5dd;border-radius:6px}
.idle{display:flex;flex-wrap:wrap;gap:6px;margin:0;padding:0;list-style:none}
.idle li{background:#f2f4f7;border-radius:6px;padding:3px 10px;font-size:13px}
@media (max-width:480px){main{padding:14px 10px 40px}.panel{padding:12px}.filters{width:100%;order:2}.signout{order:1}
.filters label{flex:1 1 40%}.filters input[name=site],.filters input[type=date]{width:100%}
.filters button{flex:1 1 100%}.card .v{font-size:19px}}
`;

/** A complete HTML document (no scripts of its own; the routes send a CSP without script-src,
 * but the timeline page's, which allows its one script by nonce). */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${esc(title)}</title><style>${CSS}</style></head><body>${body}</body></html>`;
}

export interface SignInView {
  /** Where to go after signing in (an /admin path). */
  next: string;
  error?: string;
}

export function signInPage(v: SignInView): string {
  return page(
    "Sign in · Nudge",
    `<main><form class="panel signin" method="post" action="/admin/login">
<h1>Nudge admin</h1><p>Sign in with the worker's <code>ADMIN_TOKEN</code>.</p>
${v.error ? `<p class="err" role="alert">${esc(v.error)}</p>` : ""}
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${esc(v.next)}">
<button type="submit">Sign in</button></form></main>`,
  );
}

// ── formatting ────────────────────────────────────────────────────────────────────────────────

export const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");

/** A share as "12.3%" ("–" when the base is 0). */
export function fmtPct(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : "–";
}

/** A difference of proportions in percentage points, signed: "+3.0 pp". */
export function fmtPp(d: number): string {
  const v = d * 100;
  return `${v > 0 ? "+" : v < 0 ? "−" : "±"}${Math.abs(v).toFixed(1)} pp`;
}

export function fmtMoney(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

/** Every currency of a revenue map, largest first: "€1,234.00 · $56.00" ("–" when empty). */
export function fmtRevenue(m: Record<string, number>): string {
  const parts = Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([c, v]) => fmtMoney(v, c));
  return parts.length ? parts.join(" · ") : "–";
}

/** A step number (1-based, as the report gives it) with its variant as a letter: step 1
 * variant 1 → "1B". */
export function stepLabel(step: number | null, variant: number | null): string {
  if (step === null) return "–";
  return `${step}${variant === null ? "" : String.fromCharCode(65 + (variant % 26))}`;
}
