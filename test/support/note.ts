// A line a run must show even when every test passes: why something was skipped or not checked.
// Written straight to stderr, because vitest prints a test's console output only when the test
// fails (vitest.config.ts).
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}
