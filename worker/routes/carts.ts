// GET /v1/carts/:token: the cart an abandonment email was about, for the store to rebuild on
// whatever device the email is opened. The token (`nudge_cart` on the email's cart link) is
// signed and names only item ids and quantities; the store's page (or backend) adds them to its
// own cart. Readable by the site's origins (CORS); a forged, tampered or expired token is a 4xx.
import { Hono } from "hono";
import { loadSiteConfig } from "../config/load.ts";
import { httpError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { verifyToken } from "../mail/tokens.ts";

export const carts = new Hono<{ Bindings: Env }>();

carts.get("/v1/carts/:token", async (c) => {
  const v = await verifyToken(c.env.NUDGE_SECRET, c.req.param("token"), Date.now(), "cart");
  if (!v.ok) {
    log("info", "link.rejected", { reason: v.reason, path: "/v1/carts" });
    throw httpError(v.reason === "expired" ? 410 : 400, `cart_${v.reason}`);
  }
  const { site, currency, items } = v.payload;
  const cfg = await loadSiteConfig(c.env.NUDGE_CONFIG, site);
  const origin = c.req.header("origin");
  const cors: Record<string, string> =
    origin && cfg.ok && cfg.config.origins.includes(origin)
      ? { "access-control-allow-origin": origin, vary: "origin" }
      : {};
  return c.json({ site, currency, items: items.map(([id, quantity]) => ({ id, quantity })) }, 200, {
    "cache-control": "no-store",
    ...cors,
  });
});
