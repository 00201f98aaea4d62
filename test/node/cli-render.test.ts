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
    expect(t.err[0]).toMatch(/^nudge render: broken\.html: .*\(template_error\)$/);
    t = captureIo();
    expect(await runRender(["welcome"], t.io, root)).toBe(2);
    expect(t.err[0]).toMatch(/^nudge render: a TEMPLATE name and --data FILE/);
    expect(t.err[0]).toContain("\nusage: nudge render");
  });
});

describe("runRender --config", () => {
  /** A site config like the demo's, with a brand and vars, written to a temp dir. */
  async function siteFile(patch: Record<string, unknown> = {}) {
    const dir = await mkdtemp(join(tmpdir(), "nudge-render-cfg-"));
    const demo = JSON.parse(await readFile(join(root, "demo/site-config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    const file = join(dir, "site.json");
    await writeFile(
      file,
      JSON.stringify({
        ...demo,
        brand: { name: "Fern & Field", color: "#0f766e" },
        vars: { coupon_pool: "vip", offer_text: "15% off your next order" },
        ...patch,
      }),
    );
    return { dir, file };
  }

  it("renders what a step of the config would send: its variant, subject, brand and vars", async () => {
    const { dir, file } = await siteFile();
    const t = captureIo();
    const code = await runRender(
      ["--config", file, "--trigger", "win-back", "--variant", "2", "--out", dir],
      t.io,
      root,
    );
    expect(t.err).toEqual([]);
    expect(code).toBe(0);
    expect(t.out[0]).toBe("Rendering win-back step 1 (variant 2): template win-back-offer");
    expect(t.out[1]).toBe("Subject: 15% off your next order, just for you");
    const html = await readFile(join(dir, "win-back-offer.html"), "utf8");
    expect(html).toContain("Fern &amp; Field");
    expect(html).toContain("#0f766e");
    // The pool the vars name gets a preview code, as a send would claim a real one.
    expect(html).toContain("PREVIEW-VIP");
  });

  it("names what exists when the trigger, step or variant does not, and needs --trigger", async () => {
    const { file } = await siteFile();
    const run = async (...args: string[]) => {
      const t = captureIo();
      const code = await runRender(["--config", file, ...args], t.io, root);
      return { code, err: t.err.join("\n") };
    };
    expect(await run("--trigger", "nope")).toMatchObject({
      code: 1,
      err: expect.stringContaining('no trigger "nope" in site "demo" (it has cart-abandoned,'),
    });
    expect(await run("--trigger", "cart-abandoned", "--step", "3")).toMatchObject({
      code: 1,
      err: 'nudge render: trigger "cart-abandoned" has 2 steps; --step counts from 1',
    });
    expect(await run("--trigger", "welcome", "--variant", "1")).toMatchObject({
      code: 1,
      err: 'nudge render: step 1 of "welcome" has no variants',
    });
    expect(await run("--trigger", "clicked-no-purchase")).toMatchObject({
      code: 1,
      err: 'nudge render: step 1 of "clicked-no-purchase" posts to a webhook: no email to render',
    });
    expect(await run("--trigger", "welcome", "--step", "0")).toMatchObject({ code: 2 });
    expect(await run()).toMatchObject({
      code: 2,
      err: expect.stringContaining("--config needs --trigger"),
    });
  });

  it("reports an invalid config with its problems and renders nothing", async () => {
    const { file } = await siteFile({ triggers: [{ id: "x", on: "cart", steps: [] }] });
    const t = captureIo();
    expect(await runRender(["--config", file, "--trigger", "x"], t.io, root)).toBe(1);
    expect(t.err.join("\n")).toContain("triggers[0].steps: needs at least one step");
  });
});
