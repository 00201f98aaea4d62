// What `npm start` shows of wrangler's output: everything, less the repeats. Each wrangler run
// (the KV look-up, the seed, `wrangler dev`) prints the same config warnings; `wrangler dev` runs
// its custom build twice while starting ("The file snippet changed, restarting build..." when its
// watcher is ready, though nothing changed). A warning block is shown once per `npm start`; while
// starting, a line seen before is not shown again. Errors always pass. Pure: start.mjs feeds it
// lines and prints what it returns.

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const WARNING = /^▲ \[WARNING\]/;
/** Printed by wrangler dev when its build watcher gets ready, before any change. */
const STARTUP_REBUILD = /^The file \S+ changed, restarting build\.\.\.$/;

/** `line` without terminal colour codes. */
export const plain = (line) => line.replace(ANSI, "");

export function createNoiseFilter() {
  const warningsShown = new Set();
  const linesShown = new Set();
  let starting = true;
  /** The warning being read: its header and the indented or blank lines after it. */
  let block = null;

  const closeBlock = () => {
    if (!block) return [];
    const key = block
      .map((l) => plain(l).trim())
      .filter(Boolean)
      .join("\n");
    const lines = block;
    block = null;
    if (warningsShown.has(key)) return [];
    warningsShown.add(key);
    return lines;
  };

  const one = (line) => {
    const text = plain(line).trim();
    if (WARNING.test(text)) {
      const out = closeBlock();
      block = [line];
      return out;
    }
    if (block && (text === "" || /^\s/.test(plain(line)))) {
      block.push(line);
      return [];
    }
    const out = closeBlock();
    if (starting && text !== "" && !/error/i.test(text)) {
      if (STARTUP_REBUILD.test(text) || linesShown.has(text)) return out;
      linesShown.add(text);
    }
    return [...out, line];
  };

  return {
    /** The lines to print now for one line of input (a warning waits for its end). */
    push: one,
    /** What is held back (a warning at the end of the input). */
    flush: closeBlock,
    /** The stack is up: from now on only warnings are deduplicated. */
    started() {
      starting = false;
    },
  };
}
