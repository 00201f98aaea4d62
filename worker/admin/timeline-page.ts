// GET /admin/timeline?site=SITE&id=ID: the timeline page (timeline-view.ts) for a contact or a
// visitor id. POST /admin/timeline (the lookup form here and on the dashboard): an address is
// turned into its contact id on the server, and the browser is sent to the page by id, so the
// address never lands in a URL, a log line or the history.
import { Hono } from "hono";
import { contactHash } from "../lib/crypto.ts";
import { SITE_ID } from "../lib/ids.ts";
import { Lookup } from "./api.ts";
import { adminHtmlHeaders, newSessionId } from "./auth.ts";
import { idKind, loadTimeline } from "./timeline.ts";
import { timelinePage, type TimelineView } from "./timeline-view.ts";

export const timelineRoutes = new Hono<{ Bindings: Env }>();

const pageUrl = (site: string, id: string) =>
  `/admin/timeline?site=${encodeURIComponent(site)}&id=${encodeURIComponent(id)}`;

timelineRoutes.get("/", async (c) => {
  const site = c.req.query("site") ?? "";
  const id = c.req.query("id") ?? "";
  const nonce = newSessionId();
  const html = (status: 200 | 400 | 404, v: Omit<TimelineView, "nonce">) =>
    c.html(timelinePage({ ...v, nonce }), status, adminHtmlHeaders(nonce));
  const view = { site, q: id.includes("@") || /%40/i.test(id) ? "" : id, timeline: null };
  if (!site && !id) return html(200, view);
  const refuse = (title: string) => html(400, { ...view, notice: { kind: "error", title } });
  if (id.includes("@") || /%40/i.test(id))
    return refuse("Addresses never go in the URL: use the form above.");
  if (!SITE_ID.test(site)) return refuse("That site id is not valid.");
  if (!idKind(id)) return refuse("That is neither a contact id nor a visitor id.");
  const timeline = await loadTimeline(c.env, site, id);
  if (!timeline)
    return html(404, {
      ...view,
      notice: {
        kind: "info",
        title: "Nothing is stored for that id.",
        lines: [
          "Nothing was ever sent to or linked with that person, or they were erased; a visitor id that expired or never came here looks the same.",
        ],
      },
    });
  return html(200, { ...view, timeline });
});

timelineRoutes.post("/", async (c) => {
  let form: Record<string, unknown> = {};
  try {
    form = await c.req.parseBody();
  } catch {
    // an unreadable form is shown as an empty one
  }
  const site = typeof form.site === "string" ? form.site.trim() : "";
  const q = typeof form.q === "string" ? form.q.trim() : "";
  const nonce = newSessionId();
  const refuse = (title: string, keep = "") =>
    c.html(
      timelinePage({ site, q: keep, timeline: null, nonce, notice: { kind: "error", title } }),
      400,
      adminHtmlHeaders(nonce),
    );
  if (!SITE_ID.test(site)) return refuse("That site id is not valid.");
  if (q.includes("@")) {
    const parsed = Lookup.safeParse({ email: q });
    if (!parsed.success) return refuse("That email address is not valid.");
    const contact = await contactHash(c.env.NUDGE_SECRET, site, parsed.data.email);
    return c.redirect(pageUrl(site, contact), 303);
  }
  const kind = idKind(q);
  if (!kind) return refuse("Enter an email address, a contact id or a visitor id.", q);
  return c.redirect(pageUrl(site, kind.id), 303);
});
