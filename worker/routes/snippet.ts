// GET /nudge.js: the snippet, built by esbuild into worker/generated/snippet.ts (committed;
// `npm run generate` and wrangler's build command rebuild it). `?platform=shopify` (or
// `woocommerce`) serves the same core followed by that platform's capture adapter
// (worker/generated/platforms.ts, from snippet/platforms/); an unknown platform is a 400.
// GET /nudge-restore.js?platform=woocommerce&t=<token>: the script that adapter loads on a page
// opened from an email's cart link, to rebuild the cart there (it reads `t` from its own URL).
import { Hono } from "hono";
import { PLATFORM_JS, RESTORE_JS } from "../generated/platforms.ts";
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

const RESTORES = new Map<string, Variant>(
  Object.entries(RESTORE_JS).map(([name, js]) => [name, variant(js)]),
);

snippet.get("/nudge.js", (c) => {
  const platform = c.req.query("platform");
  const v = platform === undefined ? CORE : PLATFORMS.get(platform);
  if (!v) throw httpError(400, "unknown_platform");
  return serve(c.req.header("if-none-match"), v);
});

snippet.get("/nudge-restore.js", (c) => {
  const v = RESTORES.get(c.req.query("platform") ?? "");
  if (!v) throw httpError(400, "unknown_platform");
  return serve(c.req.header("if-none-match"), v);
});

/** A script, with the snippet's caching and cross-origin headers (304 when the ETag matches). */
function serve(ifNoneMatch: string | undefined, v: Variant): Response {
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
  if (ifNoneMatch === v.etag) return new Response(null, { status: 304, headers });
  return new Response(v.body, { status: 200, headers });
}
