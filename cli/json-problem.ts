// A JSON syntax error as an editor shows it, for every CLI command that reads a JSON file
// (`nudge validate`, `nudge catalog push`). Pure (jsonc-parser only): it also runs in workerd.
import { parseTree, printParseErrorCode, type ParseError } from "jsonc-parser";

/**
 * A JSON syntax error as an editor shows it: what is wrong, at which line and column (1-based),
 * and the line itself with a caret (V8's own message gives at most a byte position).
 */
export function jsonProblem(text: string, err: unknown): string {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (!first) return `not valid JSON (${err instanceof Error ? err.message : String(err)})`;
  const before = text.slice(0, first.offset).split("\n");
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  const what = printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  const src = (text.split("\n")[line - 1] ?? "").replace(/\t/g, " ");
  return `not valid JSON at line ${line}, column ${column}: ${what}\n  ${src}\n  ${" ".repeat(column - 1)}^`;
}
