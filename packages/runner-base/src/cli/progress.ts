/**
 * Progress of `run`: on a terminal, a bar over the cases with the current case's finished tasks
 * and how long it has been running; nothing at all when stderr is not a terminal (so piped output
 * and CI logs carry only results). Colour only where allowed (`NO_COLOR` turns it off).
 */
import { SingleBar } from 'cli-progress';
import { colorAllowed } from './terminal';

/** What the CLI reports progress through. */
export interface Progress {
  /** A case starts. */
  start(label: string): void;
  /** The current case has finished this many tasks (over all its runs so far). */
  tasks(completed: number): void;
  /** A case finished. */
  advance(): void;
  /** All done (or interrupted); clears the display and gives the terminal back. */
  stop(): void;
}

const NO_PROGRESS: Progress = { start() {}, tasks() {}, advance() {}, stop() {} };

/** How often the elapsed time is redrawn. */
const TICK_MS = 250;

/** `12.3 s`, `4 min 05 s`. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.floor(s - m * 60)).padStart(2, '0')} s`;
}

/**
 * A bar on `stream` when it is a terminal, else a no-op.
 *
 * @param total cases to run
 * @param env the environment (`NO_COLOR`)
 */
export function createProgress(total: number, stream: NodeJS.WriteStream | undefined, env: NodeJS.ProcessEnv = process.env): Progress {
  if (stream === undefined || stream.isTTY !== true) return NO_PROGRESS;
  const color = colorAllowed(stream, env);
  const bar = new SingleBar({
    format: `${color ? '\x1b[36m{bar}\x1b[0m' : '{bar}'} {value}/{total} {label} | {tasks} tasks | {elapsed}`,
    stream,
    clearOnComplete: true,
    hideCursor: true,
    barsize: 20,
  });
  let caseStart = performance.now();
  let tasks = 0;
  const payload = (label?: string): Record<string, string | number> => ({
    ...(label !== undefined ? { label } : {}),
    tasks,
    elapsed: formatElapsed(performance.now() - caseStart),
  });
  bar.start(total, 0, { ...payload(''), label: '' });
  const timer = setInterval(() => bar.update(payload()), TICK_MS);
  timer.unref();
  let stopped = false;
  return {
    start: (label) => {
      caseStart = performance.now();
      tasks = 0;
      bar.update(payload(label));
    },
    tasks: (completed) => {
      tasks = completed;
      bar.update(payload());
    },
    advance: () => bar.increment(),
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      bar.stop();
    },
  };
}
