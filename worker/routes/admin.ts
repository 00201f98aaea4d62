// /admin/api/*: operator reads (Bearer ADMIN_TOKEN, constant-time compare).
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { safeEqual } from "../lib/crypto.ts";
import { httpError } from "../lib/errors.ts";
import { visitorStub } from "../lib/stubs.ts";

export const requireAdmin = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const token = c.env.ADMIN_TOKEN;
  const auth = c.req.header("authorization") ?? "";
  const given = auth.startsWith("Bearer ") ? auth.slice(7) : "";
  if (!token || !given || !(await safeEqual(given, token))) {
    throw httpError(401, "unauthorized", undefined, { "www-authenticate": 'Bearer realm="nudge"' });
  }
  await next();
});

export const admin = new Hono<{ Bindings: Env }>();
admin.use("/admin/api/*", requireAdmin);

const SITE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const VID = /^[A-Za-z0-9_-]{16,64}$/;

admin.get("/admin/api/visitors/:site/:vid", async (c) => {
  const { site, vid } = c.req.param();
  if (!SITE.test(site) || !VID.test(vid)) throw httpError(400, "invalid_id");
  const state = await visitorStub(c.env, site, vid).snapshot();
  if (!state) throw httpError(404, "not_found");
  return c.json(state);
});
