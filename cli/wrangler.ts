// The one way `nudge init` and `nudge deploy` run wrangler: `npx wrangler …` in the project
// folder with this process's environment (so CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and
// CLOUDFLARE_API_BASE_URL reach it, and tests can point it at a fake API). Asynchronous, so a
// caller's own event loop (a test's fake API) keeps running while wrangler talks to it.
import { spawn } from "node:child_process";
import type { Io } from "./args.ts";

export interface WranglerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface WranglerOptions {
  /** Written to wrangler's standard input, then closed (secrets travel this way, never a file). */
  input?: string;
  /** Also print wrangler's output, line by line as it comes (deploy). */
  echo?: Io;
  /** Ends wrangler after this long (default 5 minutes); the result is then a failure. */
  timeoutMs?: number;
}

export type Wrangler = (args: string[], opts?: WranglerOptions) => Promise<WranglerResult>;

/** A runner for the project in `dir`, with `env` (default: this process's). */
export function wranglerIn(
  dir: string,
  env: Record<string, string | undefined> = process.env,
): Wrangler {
  return (args, opts = {}) =>
    new Promise((resolve) => {
      const child = spawn("npx", ["wrangler", ...args], {
        cwd: dir,
        env,
        stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      const echo = lineEcho(opts.echo);
      child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        echo.out(d);
      });
      child.stderr?.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        echo.err(d);
      });
      const timer = setTimeout(() => {
        stderr += `\nwrangler did not finish within ${Math.round((opts.timeoutMs ?? 300_000) / 1000)} s`;
        child.kill("SIGTERM");
      }, opts.timeoutMs ?? 300_000);
      child.on("error", (err) => {
        clearTimeout(timer);
        resolve({ code: 1, stdout, stderr: `${stderr}\ncannot run npx wrangler: ${err.message}` });
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        echo.flush();
        resolve({ code: code ?? 1, stdout, stderr });
      });
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
}

/** The last lines of wrangler's output, for an error message. */
export function wranglerTail(r: WranglerResult, lines = 12): string {
  return `${r.stderr}\n${r.stdout}`
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "")
    .slice(-lines)
    .join("\n");
}

/** Hands complete lines of two streams to `io` (nothing without one). */
function lineEcho(io: Io | undefined) {
  const pending = { out: "", err: "" };
  const feed = (k: "out" | "err") => (chunk: string) => {
    if (!io) return;
    const lines = (pending[k] + chunk).split("\n");
    pending[k] = lines.pop() ?? "";
    for (const l of lines) io[k](l.trimEnd());
  };
  return {
    out: feed("out"),
    err: feed("err"),
    flush() {
      if (!io) return;
      for (const k of ["out", "err"] as const) if (pending[k] !== "") io[k](pending[k]);
    },
  };
}
