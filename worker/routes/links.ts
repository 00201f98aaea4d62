// Email links: click /c/:token (record, then 302 to the signed destination with `nudge_t`),
// open pixel /o/:token, unsubscribe /u/:token (GET: a page offering to stop the link's kind of
// email or everything, never unsubscribes; POST: that choice, or RFC 8058 one-click), double
// opt-in /v/:token (GET: a confirm page, never confirms; POST: confirms). Tampered, forged or
// expired tokens, and an unknown unsubscribe scope, get a 4xx and change nothing.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { loadSiteConfig } from "../config/load.ts";
import type { SiteConfig } from "../config/schema.ts";
import { topicLabel } from "../config/topics.ts";
import { log } from "../lib/log.ts";
import { contactStub } from "../lib/stubs.ts";
import { shopHome, siteName } from "../mail/template-context.ts";
import { isAllowedDestination, withIdentity } from "../mail/links.ts";
import { signToken, verifyToken } from "../mail/tokens.ts";
import {
  unsubscribePage,
  type PageBrand,
  type UnsubscribeScope,
} from "../mail/unsubscribe-view.ts";
import { confirmPage } from "../mail/confirm-view.ts";
import { errorMessage, httpError, httpErrorWith } from "../lib/errors.ts";

export const links = new Hono<{ Bindings: Env }>();

const NO_STORE = { "cache-control": "no-store", "referrer-policy": "no-referrer" };
/** 1×1 transparent GIF. */
const PIXEL = Uint8Array.from(
  atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
  (ch) => ch.charCodeAt(0),
);

/** The shop as our pages show it: its name (the site id when its config cannot be read), brand
 * colour, postal address and home page. */
async function brandOf(env: Env, site: string): Promise<PageBrand> {
  return (await pageOf(env, site)).brand;
}

/** The brand and the config (null when it cannot be read) our pages are drawn from. */
async function pageOf(
  env: Env,
  site: string,
): Promise<{ brand: PageBrand; config: SiteConfig | null }> {
  const cfg = await loadSiteConfig(env.NUDGE_CONFIG, site);
  if (!cfg.ok)
    return { brand: { name: site, color: null, url: null, postalAddress: null }, config: null };
  const c = cfg.config;
  return {
    brand: {
      name: siteName(c),
      color: c.brand?.color ?? null,
      url: shopHome(c),
      postalAddress: c.postalAddress,
    },
    config: c,
  };
}

/**
 * What an unsubscribe form asks to stop (or, with `action=resubscribe`, to lift): `scope=kind`
 * the kind of email the link came in, `scope=all` all marketing email. No scope: the RFC 8058
 * one-click body (everything), or the way back from everything. Anything else is refused.
 */
function scopeOf(
  body: URLSearchParams,
  topic: string | undefined,
): { ok: true; scope: UnsubscribeScope | null } | { ok: false; reason: string } {
  const scopes = body.getAll("scope");
  if (scopes.length === 0) return { ok: true, scope: null };
  const scope = scopes[0];
  if (scopes.length > 1 || (scope !== "kind" && scope !== "all"))
    return { ok: false, reason: "unknown_scope" };
  // A link minted before topics existed names no kind: only everything can be stopped.
  if (scope === "kind" && topic === undefined) return { ok: false, reason: "link_has_no_kind" };
  return { ok: true, scope };
}

function invalid(reason: string, path: string): never {
  log("info", "link.rejected", { reason, path });
  const page =
    path === "/v" ? confirmPage({ state: "gone" }) : unsubscribePage({ state: "invalid" });
  throw httpErrorWith(reason === "expired" ? 410 : 400, page, {
    "content-type": "text/html; charset=utf-8",
    ...NO_STORE,
  });
}

const smallBody = bodyLimit({
  maxSize: 4096,
  onError: () => {
    throw httpError(413, "payload_too_large");
  },
});

links.get("/c/:token", async (c) => {
  const now = Date.now();
  const v = await verifyToken(c.env.NUDGE_SECRET, c.req.param("token"), now, "click");
  if (!v.ok) return invalid(v.reason, "/c");
  const { site, contact, url, external, kind: _kind, ...ref } = v.payload;
  const cfg = await loadSiteConfig(c.env.NUDGE_CONFIG, site);
  if (!cfg.ok) return invalid(cfg.reason, "/c");
  // A checkout's recovery URL (signed into this email's token as external) is the one way off the
  // site's origins; it must still be https.
  if (external ? !/^https:\/\//i.test(url) : !isAllowedDestination(url, cfg.config.origins))
    return invalid("destination_not_allowed", "/c");
  let known = false;
  try {
    known =
      (await contactStub(c.env, site, contact).engage("click", contact, { site, ...ref }, url)) !==
      null;
  } catch (err) {
    // Recording is best effort; the shopper still gets where they were going.
    log("warn", "link.record_failed", { site, contact, reason: errorMessage(err) });
  }
  // The URL parser drops tabs and newlines a raw Location header could not carry.
  const dest = new URL(url).href;
  // Our identity token never goes to another party's page.
  const to =
    known && !external
      ? withIdentity(
          dest,
          await signToken(c.env.NUDGE_SECRET, { kind: "identity", site, contact }, { now }),
        )
      : dest;
  return new Response(null, { status: 302, headers: { location: to, ...NO_STORE } });
});

links.get("/o/:token", async (c) => {
  const v = await verifyToken(c.env.NUDGE_SECRET, c.req.param("token"), Date.now(), "open");
  if (!v.ok) {
    log("info", "link.rejected", { reason: v.reason, path: "/o" });
    throw httpErrorWith(400, PIXEL, { "content-type": "image/gif", ...NO_STORE });
  }
  const { site, contact, kind: _kind, ...ref } = v.payload;
  try {
    await contactStub(c.env, site, contact).engage("open", contact, { site, ...ref }, null);
  } catch (err) {
    log("warn", "link.record_failed", { site, contact, reason: errorMessage(err) });
  }
  return new Response(PIXEL, { headers: { "content-type": "image/gif", ...NO_STORE } });
});

links.get("/u/:token", async (c) => {
  const v = await verifyToken(c.env.NUDGE_SECRET, c.req.param("token"), Date.now(), "unsubscribe");
  if (!v.ok) return invalid(v.reason, "/u");
  const { brand, config } = await pageOf(c.env, v.payload.site);
  const { topic } = v.payload;
  const label = topic === undefined ? null : topicLabel(config, topic);
  return c.html(
    unsubscribePage({ state: "confirm", brand, action: c.req.path, label }),
    200,
    NO_STORE,
  );
});

links.post("/u/:token", smallBody, async (c) => {
  const v = await verifyToken(c.env.NUDGE_SECRET, c.req.param("token"), Date.now(), "unsubscribe");
  if (!v.ok) return invalid(v.reason, "/u");
  const body = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
  const { site, contact, topic } = v.payload;
  const s = scopeOf(body, topic);
  if (!s.ok) {
    log("info", "link.rejected", { reason: s.reason, path: "/u" });
    throw httpError(400, s.reason, undefined, NO_STORE);
  }
  const scope = s.scope ?? "all";
  // Only the kind of email the signed link names can be stopped alone.
  const only = scope === "kind" ? topic : undefined;
  const page = async (state: "done" | "resubscribed") => {
    const { brand, config } = await pageOf(c.env, site);
    const label = topic === undefined ? null : topicLabel(config, topic);
    return c.html(
      unsubscribePage({ state, brand, action: c.req.path, scope, label }),
      200,
      NO_STORE,
    );
  };
  // The way back: "Subscribe again" / "Get … again" on the page shown after unsubscribing.
  if (body.get("action") === "resubscribe") {
    const r = await contactStub(c.env, site, contact).resubscribe(site, contact, only);
    if (!r.ok) return invalid("unknown_contact", "/u");
    return page("resubscribed");
  }
  // Our page's buttons say what to stop; a mail client sends the RFC 8058 one-click body.
  if (s.scope === null && body.get("List-Unsubscribe") !== "One-Click") {
    throw httpError(400, "expected_one_click_body", undefined, NO_STORE);
  }
  await contactStub(c.env, site, contact).unsubscribe(site, contact, only);
  // A person pressing the button on our page gets a page; a mail client gets a plain 200.
  if ((c.req.header("accept") ?? "").includes("text/html")) return page("done");
  return c.text("unsubscribed", 200, NO_STORE);
});

links.get("/v/:token", async (c) => {
  const v = await verifyToken(c.env.NUDGE_SECRET, c.req.param("token"), Date.now(), "verify");
  if (!v.ok) return invalid(v.reason, "/v");
  const { name: siteName } = await brandOf(c.env, v.payload.site);
  return c.html(confirmPage({ state: "confirm", siteName, action: c.req.path }), 200, NO_STORE);
});

links.post("/v/:token", smallBody, async (c) => {
  const v = await verifyToken(c.env.NUDGE_SECRET, c.req.param("token"), Date.now(), "verify");
  if (!v.ok) return invalid(v.reason, "/v");
  const { site, contact } = v.payload;
  const r = await contactStub(c.env, site, contact).verify(site, contact, "confirmed");
  if (!r.ok) {
    // Erased meanwhile, or never written to: nothing to confirm, nothing created.
    log("info", "link.rejected", { reason: "unknown_contact", path: "/v" });
    return c.html(confirmPage({ state: "gone" }), 410, NO_STORE);
  }
  const { name, url } = await brandOf(c.env, site);
  return c.html(confirmPage({ state: "done", siteName: name, shopUrl: url }), 200, NO_STORE);
});
