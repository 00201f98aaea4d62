// Captures what a CLI command prints, for the CLI tests.
import type { Io } from "../../cli/args.ts";

export function captureIo(): { out: string[]; err: string[]; io: Io } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => void out.push(l), err: (l) => void err.push(l) } };
}
