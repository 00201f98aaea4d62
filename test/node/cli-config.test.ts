// `nudge validate | push | pull` as an operator runs them: exit codes, messages that name the
// path and the problem, and a real round trip through wrangler's local KV.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.ts";
import { captureIo } from "../support/io.ts";
import defaultConfig from "../../templates/default-config.json" with { type: "json" };

const dir = mkdtempSync(join(tmpdir(), "nudge-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
}

async function run(...argv: string[]) {
  const { out, err, io } = captureIo();
  const code = await main(argv, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("nudge validate", () => {
  it("accepts the pinned example config", async () => {
    const r = await run("validate", file("ok.json", defaultConfig));
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toContain('valid config for site "demo"');
  });

  it("names the path and the problem of each error", async () => {
    const bad = {
      ...defaultConfig,
      frequencyCap: "soon",
      triggers: [{ id: "x", on: "cart", steps: [{ wait: "1h" }] }],
    };
    const r = await run("validate", file("bad.json", bad));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/frequencyCap.*"soon" is not a duration/);
    expect(r.err).toMatch(/triggers\[0\]\.steps\[0\].*needs a template/);
  });

  it("rejects text that is not JSON, and a missing file", async () => {
    expect((await run("validate", file("x.json", "{ nope"))).err).toContain("not valid JSON");
    expect((await run("validate", join(dir, "missing.json"))).code).toBe(1);
  });

  it("places a JSON syntax error at its line and column, with the line and a caret", async () => {
    const text = '{\n  "site": "shop",\n  "from": "Shop <a@b.c>"\n  "postalAddress": "x"\n}';
    const r = await run("validate", file("comma.json", text));
    expect(r.code).toBe(1);
    expect(r.err).toContain("not valid JSON at line 4, column 3: comma expected");
    expect(r.err).toContain('\n    "postalAddress": "x"\n    ^');
  });

  it("refuses Liquid that does not compile in a subject, naming where", async () => {
    const cfg = {
      ...defaultConfig,
      triggers: [
        {
          id: "x",
          on: "cart",
          steps: [{ wait: "1h", template: "cart-abandoned", subject: "Hi {{ contact.first_name" }],
        },
      ],
    };
    const r = await run("validate", file("liquid.json", cfg));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/triggers\[0\]\.steps\[0\]\.subject: is not valid Liquid: .*not closed/);
  });

  it("warns about events nothing sends and paths that are never set, with what was meant", async () => {
    const cfg = {
      ...defaultConfig,
      triggers: [
        {
          id: "x",
          on: "form_sumbit",
          if: { "cart.total": { gt: 0 } },
          cancelOn: ["purchse", "signup"],
          steps: [{ wait: "1h", template: "welcome", subject: "Hi" }],
        },
      ],
    };
    const r = await run("validate", file("lint.json", cfg));
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      'triggers[0].on: "form_sumbit" is not an event Nudge sends (did you mean "form_submit"?)',
    );
    expect(r.err).toContain(
      'triggers[0].if["cart.total"]: "cart.total" is never set (did you mean "cart.value"?)',
    );
    expect(r.err).toContain(
      'triggers[0].cancelOn[0]: "purchse" is not an event Nudge sends (did you mean "purchase"?)',
    );
    expect(r.err).toContain('triggers[0].cancelOn[1]: "signup" is not an event Nudge sends;');
    // A custom event the site declares is no typo.
    const declared = await run(
      "validate",
      file("lint2.json", { ...cfg, customEvents: ["signup"] }),
    );
    expect(declared.err).not.toContain('"signup"');
  });

  it("warns about a template that is neither bundled nor overridden", async () => {
    const cfg = {
      ...defaultConfig,
      triggers: [
        { id: "x", on: "cart", steps: [{ wait: "1h", template: "my-own", subject: "Hi" }] },
      ],
    };
    const r = await run("validate", file("tpl.json", cfg));
    expect(r.code).toBe(0);
    expect(r.err).toContain('triggers[0].steps[0].template "my-own" is not bundled');
    expect(r.err).toContain("template:demo:my-own");
  });

  const tplCfg = {
    ...defaultConfig,
    triggers: [
      {
        id: "x",
        on: "cart",
        steps: [
          { wait: "1h", template: "my-own", subject: "Hi {{ contact.first_name }}" },
          {
            wait: "1d",
            template: "cart-abandoned",
            subject: "Still there?",
            variants: [{ template: "cart-abandoned" }, { template: "my-other" }],
          },
        ],
      },
    ],
  };
  function templatesDir(name: string, files: Record<string, string>): string {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
    return d;
  }

  it("renders every step with --templates DIR: overrides that work pass", async () => {
    const d = templatesDir("tpl-ok", {
      "my-own.html.liquid":
        "<p>Hello {{ contact.first_name }}</p>{% render '_items.html', items: cart.items %}",
      "my-own.txt.liquid": "Hello {{ contact.first_name }}",
      "my-other.html.liquid": "<p>{{ cart.count }} items</p>",
    });
    const r = await run("validate", file("tpl-ok.json", tplCfg), "--templates", d);
    expect(r.err).toBe("");
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain("(2 template overrides checked)");
  });

  it("refuses an override whose Liquid does not compile, with its line and column", async () => {
    const d = templatesDir("tpl-bad", {
      "my-own.html.liquid": "<p>Hi</p>\n<p>{% if cart.count > 1 %}many</p>",
      "my-other.html.liquid": "<p>ok</p>",
    });
    const r = await run("validate", file("tpl-bad.json", tplCfg), "--templates", d);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/my-own\.html\.liquid: .*not closed.*line:2, col:4/);
    expect(r.err).toContain('triggers[0].steps[0] (template "my-own")');
  });

  it("refuses a partial that does not exist, a template missing from DIR, a failing filter", async () => {
    const d = templatesDir("tpl-missing", {
      "my-own.html.liquid": "{% render '_nope' %}",
      "stray.html.liquid": "<p>unused</p>",
      "_layout.html.liquid": "<p>partials are shared</p>",
    });
    const r = await run("validate", file("tpl-missing.json", tplCfg), "--templates", d);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/triggers\[0\]\.steps\[0\] \(template "my-own"\): .*_nope/);
    expect(r.err).toContain(
      'triggers[0].steps[1].variants[1].template "my-other": not bundled and not in --templates',
    );
    expect(r.err).toContain("stray.html.liquid is not used by any step");
    expect(r.err).toContain("_layout.html.liquid ignored: partials are shared by every site");
    const filter = templatesDir("tpl-filter", {
      "my-own.html.liquid": "{{ cart.value | money: }}",
      "my-other.html.liquid": "{{ 'x' | nosuchfilter }}",
    });
    const f = await run("validate", file("tpl-filter.json", tplCfg), "--templates", filter);
    expect(f.code).toBe(1);
    expect(f.err).toContain("variants[1]");
  });

  it("is a usage error when --templates is not a directory", async () => {
    const r = await run("validate", file("tpl-nodir.json", tplCfg), "--templates", join(dir, "no"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot read the directory");
  });

  it("is a usage error without a file or with an unknown flag", async () => {
    expect((await run("validate")).code).toBe(2);
    expect((await run("validate", "x.json", "--nope")).code).toBe(2);
    expect((await run("frobnicate")).code).toBe(2);
  });
});

describe("nudge push and pull (local KV through wrangler)", () => {
  it("pushes a valid config and pulls it back; refuses an invalid one", async () => {
    const persist = join(dir, "kv");
    const cfg = { ...defaultConfig, site: "cli-roundtrip" };
    const pushed = await run("push", file("rt.json", cfg), "--local", "--persist-to", persist);
    expect(pushed.err).toBe("");
    expect(pushed).toMatchObject({ code: 0 });
    const pulled = await run("pull", "cli-roundtrip", "--local", "--persist-to", persist);
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.out)).toEqual(cfg);

    const invalid = await run(
      "push",
      file("inv.json", { ...cfg, origins: [] }),
      "--local",
      "--persist-to",
      persist,
    );
    expect(invalid.code).toBe(1);
    const still = await run("pull", "cli-roundtrip", "--local", "--persist-to", persist);
    expect(JSON.parse(still.out)).toEqual(cfg);
    expect((await run("pull", "nothing-here", "--local", "--persist-to", persist)).code).toBe(1);
  }, 60_000);

  it("pushes a config's template overrides before the config; a broken one pushes nothing", async () => {
    const persist = join(dir, "kv-tpl");
    const cfg = {
      ...defaultConfig,
      site: "cli-tpl",
      triggers: [
        { id: "x", on: "cart", steps: [{ wait: "1h", template: "my-own", subject: "Hi" }] },
      ],
    };
    const good = join(dir, "push-tpl");
    mkdirSync(good, { recursive: true });
    writeFileSync(join(good, "my-own.html.liquid"), "<p>Hi {{ contact.first_name }}</p>");
    const kv = ["--binding", "NUDGE_CONFIG", "--local", "--persist-to", persist];
    const get = (key: string) =>
      spawnSync("npx", ["wrangler", "kv", "key", "get", key, ...kv], { encoding: "utf8" }).stdout;
    const pushed = await run(
      "push",
      file("push-tpl.json", cfg),
      "--templates",
      good,
      "--local",
      "--persist-to",
      persist,
    );
    expect(pushed.err).toBe("");
    expect(pushed.out).toContain("pushed template:cli-tpl:my-own (local)");
    expect(JSON.parse(get("template:cli-tpl:my-own"))).toEqual({
      html: "<p>Hi {{ contact.first_name }}</p>",
    });
    writeFileSync(join(good, "my-own.html.liquid"), "<p>{% for x in y %}</p>");
    const broken = await run(
      "push",
      file("push-tpl2.json", { ...cfg, from: "Other <o@example.com>" }),
      "--templates",
      good,
      "--local",
      "--persist-to",
      persist,
    );
    expect(broken.code).toBe(1);
    expect(JSON.parse(get("template:cli-tpl:my-own")).html).toBe(
      "<p>Hi {{ contact.first_name }}</p>",
    );
    expect(JSON.parse(get("site:cli-tpl")).from).toBe(cfg.from);
  }, 90_000);
});

describe("help and version", () => {
  it("prints each command's options with --help or help CMD, exit 0; an unknown one is a usage error", async () => {
    for (const cmd of [
      "init",
      "deploy",
      "validate",
      "push",
      "pull",
      "render",
      "stats",
      "send-event",
      "key",
    ]) {
      const a = await run(cmd, "--help");
      expect(a.code, cmd).toBe(0);
      expect(a.out, cmd).toMatch(new RegExp(`^usage: nudge ${cmd}`));
      expect((await run("help", cmd)).out).toBe(a.out);
    }
    const bad = await run("help", "launch");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown command "launch"');
  });

  it("says every usage error the same way: `nudge CMD: problem`, then its usage, exit 2", async () => {
    const { HELP } = await import("../../cli/main.ts");
    // (deploy hands its options to wrangler deploy; its own errors are checked in cli-init.test.ts)
    for (const cmd of Object.keys(HELP).filter((c) => c !== "deploy")) {
      const r = await run(cmd, "--no-such-flag");
      expect(r.code, cmd).toBe(2);
      const [first, ...more] = r.err.split("\n");
      expect(first, cmd).toMatch(new RegExp(`^nudge ${cmd}: .*--no-such-flag`));
      expect(more.join("\n"), cmd).toMatch(new RegExp(`^usage: nudge ${cmd}`));
    }
  });

  it("--version prints the package version", async () => {
    const { version } = (await import("../../package.json", { with: { type: "json" } })).default;
    expect(await run("--version")).toMatchObject({ code: 0, out: version });
  });
});
