// GET /nudge.js: the snippet, built by esbuild into worker/generated at build time.
import { Hono } from "hono";
import { SNIPPET_JS } from "../generated/snippet.ts";

export const snippet = new Hono<{ Bindings: Env }>();

const etag = `"${hash(SNIPPET_JS)}"`;

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

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36) + s.length.toString(36);
}
