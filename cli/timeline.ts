// `nudge timeline SITE (EMAIL|ID) [--url URL] [--token TOKEN] [--json] [--tz ZONE]`: why did
// (or didn't) someone get an email. An address is first turned into its contact id with
// POST /admin/api/contacts/SITE/lookup (the address goes in the body, never in a URL), then
// GET /admin/api/timeline/SITE/ID is printed one line per entry: local time, what happened,
// trigger and step, reason (in words too). Exit codes: 0 ok, 1 failure, 2 usage.
import type { TimelineJson } from "../worker/timeline/entry.ts";
import { reasonWords } from "../worker/admin/timeline-view.ts";
import { CONTACT_ID, SITE_ID, VISITOR_ID } from "../worker/lib/ids.ts";
import { adminTarget, fetchFailure, parseArgs, readJson, UsageError, type Io } from "./args.ts";
import { table } from "./stats-format.ts";

export const TIMELINE_USAGE =
  "usage: nudge timeline SITE (EMAIL | CONTACT_ID | VISITOR_ID) [--url URL] [--token TOKEN] [--json] [--tz ZONE]\n" +
  "  token: --token or NUDGE_ADMIN_TOKEN; url: --url, NUDGE_URL or http://127.0.0.1:8787";

const FLAGS = { url: "value", token: "value", json: "bool", tz: "value" } as const;
const TIMEOUT_MS = 20_000;

export interface TimelineDeps {
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
}

/** `at` as "YYYY-MM-DD HH:MM:SS" in `zone`. */
export function localTime(at: number, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? "";
  return `${p("year")}-${p("month")}-${p("day")} ${p("hour")}:${p("minute")}:${p("second")}`;
}

const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;

/** The entries as aligned lines: time, what, trigger and step, reason, then the reason in words,
 * the detail and (for a contact) the visitor. */
export function formatTimeline(t: TimelineJson, zone: string): string[] {
  const head =
    t.of === "contact"
      ? `contact ${t.id} · ${t.visitors.length} visitor${t.visitors.length === 1 ? "" : "s"}` +
        (t.moreVisitors ? ` (+${t.moreVisitors} older not read)` : "")
      : `visitor ${t.id}${t.contact ? ` · contact ${t.contact}` : " · no address known"}`;
  const rows = t.entries.map((e) => {
    const words = e.reason ? reasonWords(e.reason) : "";
    // ISO times inside a detail (deferred until, first step due) in the zone too.
    const detail = (e.detail ?? "").replace(ISO_TIME, (iso) => localTime(Date.parse(iso), zone));
    return [
      localTime(Date.parse(e.at), zone),
      e.kind,
      e.trigger ? `${e.trigger}${e.step === undefined ? "" : ` step ${e.step}`}` : "",
      e.reason ?? "",
      [words, detail, e.vid && t.of === "contact" ? `[${e.vid}]` : ""].filter(Boolean).join(" · "),
    ];
  });
  if (rows.length === 0) return [head, "(nothing recorded)"];
  return [
    `${head} · times in ${zone}`,
    ...table(["TIME", "WHAT", "TRIGGER", "REASON", "DETAIL"], rows, ["l", "l", "l", "l", "l"]).map(
      (l) => l.trimEnd(),
    ),
  ];
}

function isTimeline(x: unknown): x is TimelineJson {
  if (typeof x !== "object" || x === null) return false;
  const t = x as Record<string, unknown>;
  return typeof t.id === "string" && Array.isArray(t.entries) && Array.isArray(t.visitors);
}

const messageOf = (body: unknown) =>
  typeof body === "object" && body !== null
    ? String(
        ("message" in body && body.message) || ("error" in body && body.error) || "bad request",
      )
    : "bad request";

export async function runTimeline(
  args: string[],
  io: Io,
  deps: TimelineDeps = { fetch: globalThis.fetch, env: process.env },
): Promise<number> {
  const usage = (msg: string) => {
    io.err(`nudge timeline: ${msg}\n${TIMELINE_USAGE}`);
    return 2;
  };
  let site: string;
  let who: string;
  let opts: Record<string, string | true>;
  try {
    const parsed = parseArgs(args, FLAGS);
    opts = parsed.opts;
    if (parsed.positional.length !== 2)
      throw new UsageError("SITE and an email, contact id or visitor id are required");
    [site, who] = parsed.positional as [string, string];
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return usage(err.message);
  }
  if (!SITE_ID.test(site)) return usage(`"${site}" is not a valid site id`);
  const isEmail = who.includes("@");
  if (!isEmail && !CONTACT_ID.test(who.toLowerCase()) && !VISITOR_ID.test(who))
    return usage(`"${who}" is not an email address, a contact id or a visitor id`);
  const zone =
    typeof opts.tz === "string" ? opts.tz : Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
  } catch {
    return usage(`--tz "${zone}" is not a time zone (e.g. Europe/Berlin, UTC)`);
  }
  const target = adminTarget(opts, deps.env, "/");
  if (!target.ok) return usage(target.problem);
  const { token, url: base } = target;
  const headers = { authorization: `Bearer ${token}`, accept: "application/json" };

  const call = async (path: string, init: RequestInit = {}) => {
    const url = new URL(path, base);
    try {
      const res = await deps.fetch(url, {
        ...init,
        headers: { ...headers, ...init.headers },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      return { res, body: await readJson(res) };
    } catch (err) {
      io.err(
        `nudge timeline: cannot reach ${url.origin} (${fetchFailure(err)}). Is the worker running? Set --url or NUDGE_URL.`,
      );
      return null;
    }
  };
  const refused = (res: Response, body: unknown): number => {
    if (res.status === 401) {
      io.err(
        `nudge timeline: ${base.origin} refused the admin token (401). Use the worker's ADMIN_TOKEN.`,
      );
      return 1;
    }
    if (res.status === 400) {
      io.err(`nudge timeline: the worker refused it: ${messageOf(body)}`);
      return 2;
    }
    io.err(`nudge timeline: unexpected response from ${base.origin} (HTTP ${res.status})`);
    return 1;
  };

  let id = who;
  if (isEmail) {
    const r = await call(`/admin/api/contacts/${site}/lookup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: who }),
    });
    if (!r) return 1;
    const contact =
      typeof r.body === "object" && r.body !== null && "contact" in r.body
        ? String(r.body.contact)
        : "";
    if (!r.res.ok || !CONTACT_ID.test(contact)) return refused(r.res, r.body);
    id = contact;
  }
  const r = await call(`/admin/api/timeline/${site}/${encodeURIComponent(id)}`);
  if (!r) return 1;
  if (r.res.status === 404) {
    io.err(
      `nudge timeline: nothing is stored for ${isEmail ? `that address (contact ${id})` : id} on "${site}": never sent to or linked, erased, or (a visitor) expired.`,
    );
    return 1;
  }
  if (!r.res.ok || !isTimeline(r.body)) return refused(r.res, r.body);
  if (opts.json) io.out(JSON.stringify(r.body, null, 2));
  else for (const line of formatTimeline(r.body, zone)) io.out(line);
  return 0;
}
