// `nudge render`: writes HTML and text for a default template from the sample data.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runRender } from "../../cli/render.ts";
import { captureIo } from "../support/io.ts";

const root = new URL("../../", import.meta.url).pathname;

describe("runRender", () => {
  it("renders a template with the sample data to files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nudge-render-"));
    const t = captureIo();
    const code = await runRender(
      ["cart-abandoned-2", "--data", "templates/sample-data.json", "--out", dir],
      t.io,
      root,
    );
    expect(t.err).toEqual([]);
    expect(code).toBe(0);
    expect(t.out[0]).toBe("Subject: Still thinking it over, Ada?");
    expect(t.out).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    const html = await readFile(join(dir, "cart-abandoned-2.html"), "utf8");
    expect(html).toContain("http://127.0.0.1:8787/c/");
    // The sample's previewImages: store images load from templates/samples/ in the preview.
    expect(html).toMatch(
      /<img class="item-img" src="file:\/\/[^"]*\/templates\/samples\/mug-01\.svg"/,
    );
    expect(html).toContain("You might also like");
    expect(await readFile(join(dir, "cart-abandoned-2.txt"), "utf8")).toContain(
      "Subtotal: €100.40",
    );
  });

  it("accepts a bare context file and reports usage and template errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nudge-render-"));
    const sample = JSON.parse(await readFile(join(root, "templates/sample-data.json"), "utf8")) as {
      context: unknown;
    };
    await writeFile(join(dir, "ctx.json"), JSON.stringify(sample.context));
    await writeFile(join(dir, "broken.html.liquid"), "{% if %}");
    let t = captureIo();
    expect(
      await runRender(
        [
          "welcome",
          "--data",
          join(dir, "ctx.json"),
          "--out",
          dir,
          "--subject",
          "Hi {{ contact.first_name }}",
        ],
        t.io,
        root,
      ),
    ).toBe(0);
    expect(t.out[0]).toBe("Subject: Hi Ada");
    t = captureIo();
    expect(
      await runRender(
        ["broken", "--data", join(dir, "ctx.json"), "--templates", dir, "--out", dir],
        t.io,
        root,
      ),
    ).toBe(1);
    expect(t.err[0]).toMatch(/^template_error: broken\.html: /);
    t = captureIo();
    expect(await runRender(["welcome"], t.io, root)).toBe(2);
    expect(t.err[0]).toMatch(/^usage:/);
  });
});
