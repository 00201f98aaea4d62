// POST /v1/catalog: the store states its products (`nudge catalog push`, a backend job), up to
// MAX_CATALOG_BATCH a request, with the server key. Validated whole before anything is stored:
// one bad product rejects the request with its index, and nothing changes.
import { Hono } from "hono";
import { CatalogBatchSchema } from "../catalog/schema.ts";
import { updateCatalog } from "../catalog/update.ts";
import { loadSiteConfig } from "../config/load.ts";
import { errorMessage, httpError, zodIssues } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { MAX_SERVER_BODY_BYTES } from "./server-events.ts";
import { limitBody, requireServerKey } from "./server-key.ts";

export const catalog = new Hono<{ Bindings: Env }>();

catalog.post(
  "/v1/catalog",
  requireServerKey("catalog.rejected"),
  limitBody(MAX_SERVER_BODY_BYTES),
  async (c) => {
    let json: unknown;
    try {
      json = JSON.parse(await c.req.text());
    } catch {
      throw httpError(400, "invalid_json");
    }
    const parsed = CatalogBatchSchema.safeParse(json);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error.issues);
      log("info", "catalog.rejected", { reason: "invalid_batch", detail: issues[0]?.path });
      throw httpError(400, "invalid_batch", issues);
    }
    const { site, products } = parsed.data;
    const cfg = await loadSiteConfig(c.env.NUDGE_CONFIG, site);
    if (!cfg.ok) {
      if (cfg.reason === "invalid_config") throw httpError(503, "site_unavailable");
      throw httpError(404, "unknown_site");
    }
    const limit = await c.env.SERVER_LIMITER.limit({ key: site });
    if (!limit.success) {
      log("warn", "catalog.rejected", { site, reason: "rate_limited" });
      throw httpError(429, "rate_limited", undefined, { "retry-after": "60" });
    }
    try {
      return c.json(await updateCatalog(c.env, site, products, Date.now()), 200);
    } catch (err) {
      log("error", "catalog.rejected", { site, reason: "unavailable", detail: errorMessage(err) });
      throw httpError(503, "unavailable", undefined, { "retry-after": "5" });
    }
  },
);
