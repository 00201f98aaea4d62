// `nudge logs` over a real capture of `npm start`'s log file (test/fixtures/logs/npm-start-output.txt:
// wrangler's banner, warnings, bindings table and request lines mixed with the worker's JSON
// lines), its filters, --follow, stdin, usage errors, and every recipe of README.md's "Monitor"
// section run as written (the `npx nudge logs …` part through the CLI, the rest through sh and
// jq when jq is installed).
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { logLineOf, matches, runLogs } from "../../cli/logs.ts";
import { HELP, main, USAGE } from "../../cli/main.ts";
import { captureIo } from "../support/io.ts";
import { note } from "../support/note.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURE = join(ROOT, "test/fixtures/logs/npm-start-output.txt");
const raw = readFileSync(FIXTURE, "utf8").split("\n");
/** The fixture's JSON log lines, found independently of logs.ts: lines that start with `{"at":`. */
const expected = raw.filter((l) => l.startsWith('{"at":'));
const entries = expected.map((l) => JSON.parse(l) as Record<string, unknown>);
const tmp = mkdtempSync(join(tmpdir(), "nudge-logs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function logs(args: string[], stdin: NodeJS.ReadableStream = Readable.from([])) {
  const t = captureIo();
  const code = await runLogs(args, t.io, { stdin });
  return { code, out: t.out, err: t.err.join("\n") };
}

describe("nudge logs: selecting the JSON log lines", () => {
  it("the fixture is a real mix: wrangler's lines and at least 50 of the worker's", () => {
    expect(expected.length).toBeGreaterThanOrEqual(50);
    expect(raw.some((l) => l.startsWith("[wrangler:info] POST /e"))).toBe(true);
    expect(raw.some((l) => l.includes("WARNING"))).toBe(true);
  });

  it("prints exactly the JSON log lines of a file, unchanged and in order", async () => {
    const { code, out } = await logs([FIXTURE]);
    expect(code).toBe(0);
    expect(out).toEqual(expected);
  });

  it("reads stdin without a file (and with -)", async () => {
    const text = readFileSync(FIXTURE, "utf8");
    expect((await logs([], Readable.from([text]))).out).toEqual(expected);
    expect((await logs(["-"], Readable.from([text]))).out).toEqual(expected);
  });

  it("takes `wrangler tail --format pretty` lines, colour codes and CRLF; skips other JSON", () => {
    const line = '{"at":"2026-01-01T00:00:00.000Z","level":"info","msg":"send.ok","site":"s"}';
    expect(logLineOf(`  (log) ${line}`)).toBe(line);
    expect(logLineOf(`\u001b[2m${line}\u001b[22m\r`)).toBe(line);
    expect(logLineOf('{"at":"x"}')).toBeNull();
    expect(logLineOf('{"msg":"x"}')).toBeNull();
    expect(logLineOf("[1,2]")).toBeNull();
    expect(logLineOf('{"at":"x","msg":"y"')).toBeNull();
    expect(logLineOf("POST /e 202 Accepted {}")).toBeNull();
  });
});

describe("nudge logs: filters", () => {
  it("--msg keeps one kind, or several separated by commas or repeated", async () => {
    const skipped = expected.filter((l) => l.includes('"msg":"send.skipped"'));
    expect(skipped.length).toBeGreaterThan(0);
    expect((await logs(["--msg", "send.skipped", FIXTURE])).out).toEqual(skipped);
    const two = expected.filter((l) => /"msg":"(send\.ok|step\.held)"/.test(l));
    expect((await logs(["--msg", "send.ok,step.held", FIXTURE])).out).toEqual(two);
    expect((await logs(["--msg", "send.ok", "--msg", "step.held", FIXTURE])).out).toEqual(two);
  });

  it("--site, --trigger: every given filter must match", async () => {
    const { out } = await logs(["--site", "demo", "--trigger", "cart-abandoned", FIXTURE]);
    const want = entries.filter((e) => e.site === "demo" && e.trigger === "cart-abandoned");
    expect(want.length).toBeGreaterThan(0);
    expect(out.map((l) => JSON.parse(l))).toEqual(want);
    expect((await logs(["--site", "nope", FIXTURE])).out).toEqual(
      expected.filter((l) => l.includes('"site":"nope"')),
    );
  });

  it("--contact and --vid keep the lines naming either: one person's story", async () => {
    const sent = entries.find((e) => e.msg === "send.ok");
    const [contact, vid] = [sent?.contact as string, sent?.vid as string];
    expect(contact && vid).toBeTruthy();
    const { out } = await logs(["--contact", contact, "--vid", vid, FIXTURE]);
    const want = entries.filter((e) => e.contact === contact || e.vid === vid);
    expect(out.map((l) => JSON.parse(l))).toEqual(want);
    // Both kinds are there: lines naming only the visitor, and the unsubscribe naming only the contact.
    expect(want.some((e) => e.contact === undefined)).toBe(true);
    expect(want.some((e) => e.vid === undefined)).toBe(true);
    expect((await logs(["--contact", contact, FIXTURE])).out.length).toBeLessThan(out.length);
  });

  it("a line without the field does not match a filter on it", () => {
    const line = '{"at":"t","msg":"event.rejected","reason":"invalid_batch"}';
    expect(matches(line, { site: ["demo"] })).toBe(false);
    expect(matches(line, { msg: ["event.rejected"] })).toBe(true);
  });
});

describe("nudge logs --follow", () => {
  it("prints what is there, then each new whole line, and starts over on a truncated file", async () => {
    const file = join(tmp, "follow.log");
    const [a, b, c] = expected;
    writeFileSync(file, `wrangler noise\n${a}\n`);
    const t = captureIo();
    const stop = new AbortController();
    const done = runLogs(["--follow", file], t.io, {
      stdin: Readable.from([]),
      signal: stop.signal,
      pollMs: 20,
    });
    const until = async (n: number) => {
      for (let i = 0; i < 200 && t.out.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(1);
    expect(t.out).toEqual([a]);
    // A line written in two parts is printed once it is whole.
    appendFileSync(file, `[wrangler:info] POST /e 202\n${b?.slice(0, 20)}`);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.out).toEqual([a]);
    appendFileSync(file, `${b?.slice(20)}\n`);
    await until(2);
    expect(t.out).toEqual([a, b]);
    writeFileSync(file, `${c}\n`); // npm start began a new log
    await until(3);
    expect(t.out).toEqual([a, b, c]);
    stop.abort();
    expect(await done).toBe(0);
  });
});

describe("nudge logs: wrong usage and unreadable input", () => {
  it.each([
    [["--msg"], "--msg needs a value"],
    [["--msg", "a,,b"], "--msg has an empty value"],
    [["--level", "info"], "unknown option --level"],
    [["a.log", "b.log"], "one file at most"],
    [["--follow", "a.log", "b.log"], "not both"],
    [["--follow", "-"], "--follow needs a file"],
  ])("%j → exit 2", async (args, message) => {
    const { code, err, out } = await logs(args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(out).toEqual([]);
  });

  it("a missing file → exit 1, naming it", async () => {
    const { code, err } = await logs([join(tmp, "missing.log")]);
    expect(code).toBe(1);
    expect(err).toContain("missing.log");
  });

  it("is wired into the CLI: usage, help, and `nudge logs FILE`", async () => {
    expect(USAGE).toContain("logs [FILE | --follow FILE]");
    const t = captureIo();
    expect(await main(["logs", "--help"], t.io)).toBe(0);
    expect(t.out.join("\n")).toBe(HELP.logs);
    const run = captureIo();
    expect(await main(["logs", "--msg", "send.ok", FIXTURE], run.io)).toBe(0);
    expect(run.out).toEqual(expected.filter((l) => l.includes('"msg":"send.ok"')));
  });
});

// ---- README.md's Monitor recipes, as written ----

/** The README's Monitor section's `npx nudge logs …` command lines. */
function recipes(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Monitor"), readme.indexOf("\n### Why"));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks.flatMap((b) => b.split("\n")).filter((l) => l.startsWith("npx nudge logs "));
}

/** Shell words of a command without pipes or expansions: plain words and '…' quoted ones. */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "");
}

const hasJq = spawnSync("jq", ["--version"]).status === 0;

describe("README.md's Monitor recipes on the real capture", () => {
  const list = recipes();
  const sent = entries.find((e) => e.msg === "send.ok");
  /** What the reader puts in for the placeholders. */
  const fill = (s: string) =>
    s
      .replaceAll("<hash>", String(sent?.contact))
      .replaceAll("<vid>", String(sent?.vid))
      .replaceAll(" nudge.log", ` ${FIXTURE}`);

  it("there are recipes, each reading nudge.log", () => {
    expect(list.length).toBeGreaterThanOrEqual(6);
    for (const r of list) expect(r).toMatch(/ nudge\.log( |$)/);
  });

  it.each(list.map((r) => [r]))("%s", async (recipe) => {
    const [cli = "", ...pipeline] = fill(recipe).split(" | ");
    const args = words(cli).slice(3); // after `npx nudge logs`
    const t = captureIo();
    expect(await main(["logs", ...args], t.io)).toBe(0);
    for (const line of t.out) expect(expected).toContain(line);
    // Recipes about what the capture has print something (failures and retries it has none of).
    const kinds = (args[args.indexOf("--msg") + 1] ?? "").split(",");
    const has = !args.includes("--msg") || entries.some((e) => kinds.includes(String(e.msg)));
    expect(t.out.length > 0).toBe(has);
    if (!pipeline.length) return;
    if (!hasJq) {
      note(`SKIPPING the jq part of a README recipe: no jq (${pipeline.join(" | ")})`);
      return;
    }
    const res = spawnSync("sh", ["-c", pipeline.join(" | ")], {
      input: t.out.map((l) => `${l}\n`).join(""),
      encoding: "utf8",
    });
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout.trim().length > 0).toBe(has);
  });

  it("npx nudge logs runs as a command too (bin/nudge.mjs)", () => {
    const out = execFileSync("node", [join(ROOT, "bin/nudge.mjs"), "logs", "--msg", "send.ok"], {
      input: readFileSync(FIXTURE),
      encoding: "utf8",
    });
    expect(out.trim().split("\n")).toEqual(expected.filter((l) => l.includes('"send.ok"')));
  });
});
