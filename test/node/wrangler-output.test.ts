// What `npm start` shows of wrangler's output (scripts/wrangler-output.mjs): a config warning
// once however many wrangler runs print it, the startup's repeated build lines once, errors and
// the worker's own lines always.
import { describe, expect, it } from "vitest";
import { createNoiseFilter, plain } from "../../scripts/wrangler-output.mjs";

const ESC = "\u001b";
/** wrangler's config warning as it prints it: coloured header, indented item, blank lines. */
const warning = [
  `${ESC}[33m▲ ${ESC}[43;33m[${ESC}[43;30mWARNING${ESC}[43;33m]${ESC}[0m ${ESC}[1mProcessing wrangler.toml configuration:${ESC}[0m`,
  "",
  '    - "secrets" fields are experimental and may change or break at any time.',
  "",
  "",
];

function run(lines: string[], startedAfter = Infinity): string[] {
  const f = createNoiseFilter();
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (i === startedAfter) f.started();
    out.push(...f.push(l));
  });
  return [...out, ...f.flush()].map(plain);
}

describe("npm start's wrangler output filter", () => {
  it("shows a repeated warning once, whatever blank lines follow it", () => {
    const out = run([...warning, ...warning, "", ...warning, "[wrangler:info] Ready"]);
    expect(out.filter((l) => l.includes("[WARNING]"))).toHaveLength(1);
    expect(out.filter((l) => l.includes('"secrets" fields'))).toHaveLength(1);
    expect(out.at(-1)).toBe("[wrangler:info] Ready");
  });

  it("shows a different warning, and a warning still open at the end of the input", () => {
    const other = ["▲ [WARNING] Something else", "    - detail"];
    const out = run([...warning, "x", ...other]);
    expect(out).toContain("▲ [WARNING] Something else");
    expect(out).toContain("    - detail");
  });

  it("drops the startup rebuild and repeated lines while starting, not after", () => {
    const build = "[custom build] Running: node scripts/build-snippet.mjs";
    const changed = "The file snippet changed, restarting build...";
    const log = '{"at":"2026-01-01T00:00:00.000Z","level":"info","msg":"send.ok"}';
    const out = run([build, changed, build, "Ready", changed, build, log, log], 4);
    expect(out).toEqual([build, "Ready", changed, build, log, log]);
  });

  it("never drops an error, even repeated while starting", () => {
    const err = "✘ [ERROR] Address already in use (127.0.0.1:8787)";
    expect(run([err, err])).toEqual([err, err]);
  });
});
