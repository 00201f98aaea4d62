// The Bearer check of the store's server API (POST /v1/events, /v1/coupons, /v1/catalog):
// `Authorization: Bearer <NUDGE_SERVER_KEY>`, compared in constant time, before anything else is
// read, so a wrong or missing key learns nothing else. `rejected` is the log message of a refusal.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { safeEqual } from "../lib/crypto.ts";
import { httpError, httpErrorMessage } from "../lib/errors.ts";
import { log } from "../lib/log.ts";

export function requireServerKey(rejected: string): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const key = c.env.NUDGE_SERVER_KEY ?? "";
    if (!key) {
      log("warn", rejected, { reason: "no_server_key" });
      throw httpErrorMessage(
        401,
        "unauthorized",
        "the worker has no NUDGE_SERVER_KEY: set it with `wrangler secret put NUDGE_SERVER_KEY`",
      );
    }
    const header = c.req.header("authorization") ?? "";
    const given = /^Bearer (.+)$/.exec(header)?.[1] ?? "";
    if (!(await safeEqual(given, key))) {
      log("warn", rejected, { reason: "bad_key" });
      throw httpError(401, "unauthorized", undefined, { "www-authenticate": "Bearer" });
    }
    await next();
  };
}

/** The body size limit of a server API route: a bigger body is a 413 before it is read. */
export function limitBody(maxSize: number): MiddlewareHandler<{ Bindings: Env }> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw httpError(413, "payload_too_large");
    },
  });
}
