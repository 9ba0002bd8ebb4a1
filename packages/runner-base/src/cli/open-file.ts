/**
 * Opens a file in the desktop's default application (`--open`): `xdg-open` on Linux, `open` on
 * macOS, `start` on Windows, detached so the command does not wait for the viewer. A small spawn
 * instead of a dependency: three commands, nothing to configure.
 */
import { spawn } from 'node:child_process';

/** Opens `file`; resolves once the opener started, rejects when it cannot be started. */
export function openInDefaultApp(file: string): Promise<void> {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [file]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', file]] : ['xdg-open', [file]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
