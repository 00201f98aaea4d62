// POST /v1/catalog: the store states its products (`nudge catalog push`, a backend job), up to
// MAX_CATALOG_BATCH a request, with the server key. Validated whole before anything is stored:
// one bad product rejects the request with its index, and nothing changes.
import { Hono } from "hono";
import { CatalogBatchSchema } from "../catalog/schema.ts";
import { updateCatalog } from "../catalog/update.ts";
import { errorMessage, httpError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { MAX_SERVER_BODY_BYTES } from "./server-events.ts";
import { limitBody, requireServerKey, serverRequest } from "./server-key.ts";

export const catalog = new Hono<{ Bindings: Env }>();

catalog.post(
  "/v1/catalog",
  requireServerKey("catalog.rejected"),
  limitBody(MAX_SERVER_BODY_BYTES),
  async (c) => {
    const { data } = await serverRequest(c, CatalogBatchSchema, "catalog.rejected");
    const { site, products } = data;
    try {
      return c.json(await updateCatalog(c.env, site, products, Date.now()), 200);
    } catch (err) {
      log("error", "catalog.rejected", { site, reason: "unavailable", detail: errorMessage(err) });
      throw httpError(503, "unavailable", undefined, { "retry-after": "5" });
    }
  },
);
