/**
 * The terminal state the progress bar changes (hidden cursor, line wrap off) and how to give it
 * back when the command is interrupted before the bar could clean up after itself.
 */

/** Shows the cursor and turns line wrap back on. */
export const RESTORE_TERMINAL = '\x1b[?25h\x1b[?7h';

/** Writes {@link RESTORE_TERMINAL} to `stream` when it is a terminal; never throws. */
export function restoreTerminal(stream: { isTTY?: boolean; write(s: string): unknown } | undefined): void {
  if (stream?.isTTY !== true) return;
  try {
    stream.write(RESTORE_TERMINAL);
  } catch {
    // the terminal went away: nothing to restore
  }
}

/**
 * Whether the command may colour what it writes to `stream`: a terminal, and no `NO_COLOR` in the
 * environment (any non-empty value; see no-color.org).
 */
export function colorAllowed(stream: { isTTY?: boolean } | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream?.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}
