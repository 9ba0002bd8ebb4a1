/**
 * Progress of a multi-case `run`: a bar on a terminal, nothing otherwise (so piped output and CI
 * logs carry only results).
 */
import { SingleBar } from 'cli-progress';

/** What the CLI reports progress through. */
export interface Progress {
  /** A case starts. */
  start(label: string): void;
  /** A case finished. */
  advance(): void;
  /** All done; clears the display. */
  stop(): void;
}

/** A bar on `stream` when it is a terminal, else a no-op. */
export function createProgress(total: number, stream: NodeJS.WriteStream | undefined): Progress {
  if (stream === undefined || stream.isTTY !== true) return { start() {}, advance() {}, stop() {} };
  const bar = new SingleBar({
    format: ' {bar} {value}/{total} {label}',
    stream,
    clearOnComplete: true,
    hideCursor: true,
  });
  bar.start(total, 0, { label: '' });
  return {
    start: (label) => bar.update({ label }),
    advance: () => bar.increment(),
    stop: () => bar.stop(),
  };
}
