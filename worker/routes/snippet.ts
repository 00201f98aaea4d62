// GET /nudge.js: the snippet, built by esbuild into worker/generated/snippet.ts (committed;
// `npm run generate` and wrangler's build command rebuild it).
import { Hono } from "hono";
import { SNIPPET_JS } from "../generated/snippet.ts";
import { fnv1a32 } from "../lib/hash.ts";

export const snippet = new Hono<{ Bindings: Env }>();

const etag = `"${fnv1a32(SNIPPET_JS).toString(36)}${SNIPPET_JS.length.toString(36)}"`;

snippet.get("/nudge.js", (c) => {
  const headers = {
    "content-type": "application/javascript; charset=utf-8",
    // Short browser cache, longer at the edge, served stale while refreshing: a deploy reaches
    // every page within minutes without a cache-busting URL in the tag.
    "cache-control": "public, max-age=300, s-maxage=3600, stale-while-revalidate=86400",
    "access-control-allow-origin": "*",
    "cross-origin-resource-policy": "cross-origin",
    "x-content-type-options": "nosniff",
    etag,
  };
  if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
  return c.body(SNIPPET_JS, 200, headers);
});
