// When a test that uses a `wrangler dev` stack fails, prints what the stack logged during that
// test (the last lines; the whole log goes to a file named in the output). A passing test prints
// nothing: the stacks' output is captured, not streamed (see ./stack.ts).
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach } from "vitest";
import type { Stack } from "./stack.ts";

const TAIL = 150;

/**
 * Call once in a describe block (or at the top of a file) whose tests use the stacks that
 * `stacks()` returns by name; they may still be undefined when it is called (made in beforeAll).
 */
export function printStackLogsOnFailure(
  stacks: () => Record<string, Pick<Stack, "worker" | "logs"> | null | undefined>,
): void {
  beforeEach(({ onTestFailed }) => {
    const marks = Object.entries(stacks()).map(([name, s]) => ({
      name,
      s,
      from: s?.logs.length ?? 0,
    }));
    onTestFailed(() => {
      for (const { name, s, from } of marks) {
        if (!s) continue;
        const during = s.logs.slice(from);
        const file = join(tmpdir(), `nudge-wrangler-${name}-${new URL(s.worker).port}.log`);
        writeFileSync(file, `${s.logs.join("\n")}\n`);
        const shown = during.slice(-TAIL);
        const what =
          shown.length < during.length ? `the last ${shown.length} of ${during.length}` : "all";
        console.log(
          [
            `wrangler dev (${name}, ${s.worker}) during this test, ${what} lines` +
              ` (whole log: ${file}):`,
            ...shown,
          ].join("\n"),
        );
      }
    });
  });
}
