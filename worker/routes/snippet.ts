// GET /nudge.js: the snippet, built by esbuild into worker/generated/snippet.ts (committed;
// `npm run generate` and wrangler's build command rebuild it). `?platform=shopify` (or
// `woocommerce`) serves the same core followed by that platform's capture adapter
// (worker/generated/platforms.ts, from snippet/platforms/); an unknown platform is a 400.
import { Hono } from "hono";
import { PLATFORM_JS } from "../generated/platforms.ts";
import { SNIPPET_JS } from "../generated/snippet.ts";
import { httpError } from "../lib/errors.ts";
import { fnv1a32 } from "../lib/hash.ts";

export const snippet = new Hono<{ Bindings: Env }>();

interface Variant {
  body: string;
  etag: string;
}
/** Each variant's body and ETag (its own: a cache never mixes them), computed once. */
const variant = (body: string): Variant => ({
  body,
  etag: `"${fnv1a32(body).toString(36)}${body.length.toString(36)}"`,
});
const CORE = variant(SNIPPET_JS);
/** By platform name (a Map: `?platform=constructor` finds nothing). */
const PLATFORMS = new Map<string, Variant>(
  Object.entries(PLATFORM_JS).map(([name, js]) => [name, variant(SNIPPET_JS + js)]),
);

snippet.get("/nudge.js", (c) => {
  const platform = c.req.query("platform");
  const v = platform === undefined ? CORE : PLATFORMS.get(platform);
  if (!v) throw httpError(400, "unknown_platform");
  const headers = {
    "content-type": "application/javascript; charset=utf-8",
    // Short browser cache, longer at the edge, served stale while refreshing: a deploy reaches
    // every page within minutes without a cache-busting URL in the tag.
    "cache-control": "public, max-age=300, s-maxage=3600, stale-while-revalidate=86400",
    "access-control-allow-origin": "*",
    "cross-origin-resource-policy": "cross-origin",
    "x-content-type-options": "nosniff",
    etag: v.etag,
  };
  if (c.req.header("if-none-match") === v.etag) return c.body(null, 304, headers);
  return c.body(v.body, 200, headers);
});
