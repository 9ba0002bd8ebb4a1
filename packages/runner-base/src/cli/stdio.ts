/**
 * Unix manners for the command's output streams: a reader that goes away (`npurun-a2a3 list |
 * head -1`) closes the pipe, and a write then fails with `EPIPE`. That is the reader's choice,
 * not an error: the command drops the rest of its output quietly and ends as it would have.
 */

/** A stream the command writes to. */
export type OutputStream = Pick<NodeJS.WriteStream, 'write'> & Partial<Pick<NodeJS.WriteStream, 'isTTY' | 'columns'>>;

/** An output stream that stops writing, quietly, once its reader is gone. */
export interface GuardedStream {
  /** What the command writes through. */
  readonly stream: OutputStream;
  /** True once the reader closed the pipe. */
  readonly closed: boolean;
  /** Stops listening for the stream's errors. */
  dispose(): void;
}

/**
 * Guards `target` (e.g. `process.stdout`): an `EPIPE` marks it closed and later writes are
 * dropped. Other stream errors are reported once on `report` and end output to it the same way.
 */
export function guardClosedPipe(target: NodeJS.WriteStream, report?: (message: string) => void): GuardedStream {
  let closed = false;
  const onError = (err: Error & { code?: unknown }): void => {
    if (!closed && err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') report?.(`output failed: ${err.message}`);
    closed = true;
  };
  target.on('error', onError);
  const stream: OutputStream = {
    get isTTY() {
      return target.isTTY;
    },
    get columns() {
      return target.columns;
    },
    write: ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (closed || target.destroyed) return false;
      return (target.write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as NodeJS.WriteStream['write'],
  };
  return {
    stream,
    get closed() {
      return closed;
    },
    dispose: () => {
      // Late EPIPEs of writes still buffered must not become unhandled errors: keep a no-op listener.
      target.off('error', onError);
      target.on('error', () => undefined);
    },
  };
}
