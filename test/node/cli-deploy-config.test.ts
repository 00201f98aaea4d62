// The deploy config is the tracked wrangler.toml with three lines replaced: every other byte
// stays, and a template whose shape is not the expected one is refused by name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deployToml, TemplateShapeError } from "../../cli/deploy-config.ts";
import { jsonIn } from "../../cli/init-steps.ts";
import { nextSteps } from "../../cli/next-steps.ts";

const tracked = readFileSync(join(import.meta.dirname, "../../wrangler.toml"), "utf8");
const ID = "0123456789abcdef0123456789abcdef";

/** The lines of `a` that differ from `b`'s at the same place (both the same length). */
function changedLines(a: string, b: string): string[] {
  const al = a.split("\n");
  const bl = b.split("\n");
  expect(al.length).toBe(bl.length);
  return al.filter((l, i) => l !== bl[i]);
}

describe("deployToml", () => {
  it("replaces the worker name and the NUDGE_CONFIG id of the tracked wrangler.toml, nothing else", () => {
    const out = deployToml(tracked, { name: "shop-nudge", kvNamespaceId: ID });
    const body = out.split("\n").slice(2).join("\n");
    expect(
      out
        .split("\n")
        .slice(0, 2)
        .every((l) => l.startsWith("# ")),
    ).toBe(true);
    expect(changedLines(body, tracked)).toEqual(['name = "shop-nudge"', `id = "${ID}"`]);
  });

  it("sets PUBLIC_URL when given", () => {
    const out = deployToml(tracked, {
      name: "nudge",
      kvNamespaceId: ID,
      publicUrl: "https://nudge.shop.example",
    });
    expect(out).toContain('\nPUBLIC_URL = "https://nudge.shop.example"\n');
  });

  it("keeps comments after a value and CRLF line ends", () => {
    const t =
      'name = "x" # the worker\r\n\r\n[[kv_namespaces]]\r\nbinding = "NUDGE_CONFIG"\r\nid = "" # paste\r\n';
    const out = deployToml(t, { name: "nudge", kvNamespaceId: ID });
    expect(out).toContain('name = "nudge" # the worker\r\n');
    expect(out).toContain(`id = "${ID}" # paste\r\n`);
  });

  it("ignores another namespace's id and a name inside a table", () => {
    const t = [
      'name = "x"',
      "[[kv_namespaces]]",
      'binding = "OTHER"',
      'id = "keep"',
      "[[durable_objects.bindings]]",
      'name = "VISITORS"',
      "[[kv_namespaces]]",
      'binding = "NUDGE_CONFIG"',
      'id = "old"',
    ].join("\n");
    const out = deployToml(t, { name: "nudge", kvNamespaceId: ID });
    expect(out).toContain('id = "keep"');
    expect(out).toContain('name = "VISITORS"');
    expect(out).toContain(`id = "${ID}"`);
  });

  it.each([
    [
      "no top-level name",
      '[[kv_namespaces]]\nbinding = "NUDGE_CONFIG"\nid = ""',
      /one `name = "…"` line/,
    ],
    [
      "no NUDGE_CONFIG entry",
      'name = "x"\n[[kv_namespaces]]\nbinding = "OTHER"\nid = ""',
      /binding = "NUDGE_CONFIG", found 0/,
    ],
    [
      "an entry without an id",
      'name = "x"\n[[kv_namespaces]]\nbinding = "NUDGE_CONFIG"',
      /one `id = "…"` line .* found 0/,
    ],
    [
      "an inline-table binding",
      'name = "x"\nkv_namespaces = [{ binding = "NUDGE_CONFIG", id = "" }]',
      /found 0/,
    ],
  ])("refuses a template with %s", (_, template, message) => {
    expect(() => deployToml(template, { name: "nudge", kvNamespaceId: ID })).toThrow(
      TemplateShapeError,
    );
    expect(() => deployToml(template, { name: "nudge", kvNamespaceId: ID })).toThrow(message);
  });

  it("refuses a bad name or id before writing anything", () => {
    expect(() => deployToml(tracked, { name: "Nudge", kvNamespaceId: ID })).toThrow(/worker name/);
    expect(() => deployToml(tracked, { name: "nudge", kvNamespaceId: "x" })).toThrow(
      /namespace id/,
    );
  });
});

describe("nextSteps", () => {
  it("names the worker's address once it is known", () => {
    const lines = nextSteps({
      version: 1,
      name: "nudge",
      site: "shop",
      secrets: [],
      workerUrl: "https://nudge.acme.workers.dev",
    }).join("\n");
    expect(lines).toContain(
      '<script async src="https://nudge.acme.workers.dev/nudge.js" data-site="shop"></script>',
    );
    expect(lines).toContain("https://nudge.acme.workers.dev/webhooks/stripe/shop");
    expect(lines).toContain("https://nudge.acme.workers.dev/admin");
  });
});

describe("jsonIn (wrangler's JSON output)", () => {
  it("finds the JSON among notes, warnings and trailing text", () => {
    expect(jsonIn('[{"id":"a","title":"t"}]\n')).toEqual([{ id: "a", title: "t" }]);
    expect(jsonIn('▲ [WARNING] secrets are experimental\n[{"name":"X"}]\nDone ] ok')).toEqual([
      { name: "X" },
    ]);
    expect(jsonIn("no json here")).toBeUndefined();
    expect(jsonIn("[not json")).toBeUndefined();
  });
});
