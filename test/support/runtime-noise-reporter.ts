// A vitest reporter that holds back what workerd, wrangler and vite print into the vitest process
// by design while the `workers` project runs. None of it is test output, and vitest-pool-workers
// offers no way to turn it off (it runs workerd with verbose logging and writes workerd's logs to
// the terminal itself). Only the messages listed below are held, each for the reason given;
// anything else passes through as it comes. The held messages are printed at the end of a run
// that failed or was interrupted (and as they come with NUDGE_TEST_VERBOSE=1), so nothing is lost
// for debugging.
import { writeSync } from "node:fs";
import type { Reporter, TestRunEndReason } from "vitest/node";

const EXPECTED: { pattern: RegExp; why: string }[] = [
  {
    pattern:
      /^▲ \[WARNING\] Processing wrangler\.toml configuration:\s+- "secrets" fields are experimental/,
    why: "wrangler reads wrangler.toml's [secrets] block for every workers test file",
  },
  {
    pattern: /^(Using secrets defined in process\.env|▲ \[WARNING\] Missing required secrets: )/,
    why: "the workers tests get their secrets as bindings from vitest.config.ts, not from env",
  },
  {
    pattern: /^Sourcemap for "[^"]*\/standardwebhooks\/dist\/index\.js" points to missing source/,
    why: "vite loads the Resend SDK's standardwebhooks dependency, which ships no sources",
  },
  {
    pattern: /^exception = workerd\/api\/web-socket\.c\+\+:\d+: disconnected: WebSocket peer disco/,
    why: "vitest-pool-workers closes its runner WebSocket at the end of each test file",
  },
  {
    pattern:
      /^(exception = kj\/async-io-unix\.c\+\+:\d+: disconnected: connect\(\): Connection refused|uncaught exception; .*Network connection lost\.)/,
    why: "test/workers/mail.test.ts points the Resend SDK at a closed port on purpose",
  },
  {
    pattern: /^NOSENTRY SQLite alarm handler canceled with requestScheduledAlarm\./,
    why: "workerd cancels an alarm that fired while a test moved it (tests set alarms to now)",
  },
];

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

export default class RuntimeNoiseReporter implements Reporter {
  /** hold: during the run; drop: after a passing run; print: after a failing one. */
  private mode: "hold" | "drop" | "print" = "hold";
  private held: { fd: 1 | 2; text: string; why: string }[] = [];

  onInit(): void {
    if (process.env.NUDGE_TEST_VERBOSE === "1") return;
    for (const [stream, fd] of [
      [process.stdout, 1],
      [process.stderr, 2],
    ] as const) {
      const write = stream.write;
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        const why = typeof chunk === "string" ? expected(chunk) : undefined;
        if (why === undefined || this.mode === "print") {
          return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
        }
        if (this.mode === "hold") this.held.push({ fd, text: chunk as string, why });
        const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
        done?.();
        return true;
      }) as typeof stream.write;
    }
    // Vitest crashed before the end of the run: what was held may say why.
    process.once("exit", (code) => {
      if (this.mode === "hold" && code !== 0) this.flush();
    });
  }

  onTestRunEnd(_modules: unknown, _errors: unknown, reason: TestRunEndReason): void {
    if (reason === "passed") {
      this.mode = "drop";
      this.held = [];
    } else {
      this.flush();
      this.mode = "print";
    }
  }

  private flush(): void {
    if (!this.held.length) return;
    const reasons = [...new Set(this.held.map((h) => `  - ${h.why}`))].join("\n");
    writeSync(2, `\n---- expected runtime output, held back during the run ----\n${reasons}\n\n`);
    for (const { fd, text } of this.held.splice(0)) writeSync(fd, text);
    writeSync(2, `---- end of held-back output ----\n\n`);
  }
}

/** The reason a chunk written to stdout/stderr is expected noise, or undefined. */
function expected(chunk: string): string | undefined {
  const text = chunk.replace(ANSI, "").trim();
  if (!text) return undefined;
  return EXPECTED.find(({ pattern }) => pattern.test(text))?.why;
}
