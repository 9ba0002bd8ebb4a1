/**
 * `mkdir -p` that always ends: Node's recursive mkdir spins forever on some paths (a missing entry
 * under `/proc`, where mkdir keeps answering ENOENT although the parent exists). This walks up
 * once and retries once, so such a path fails with its OS error instead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The error mkdir would give for a path whose entry exists but is no directory. */
function notADirectory(target: string): Error {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${target}'`), {
    code: 'ENOTDIR',
    errno: -os.constants.errno.ENOTDIR,
    syscall: 'mkdir',
    path: target,
  });
}

/**
 * Creates `dir` and any missing parents; succeeds when it already is a directory.
 *
 * @throws the file system's error (ENOENT, EACCES, ENOTDIR, EEXIST for a non-directory, …)
 */
export async function makeDirectory(dir: string): Promise<void> {
  const target = path.resolve(dir);
  try {
    await fs.promises.mkdir(target);
    return;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'EEXIST') {
      if ((await fs.promises.stat(target)).isDirectory()) return;
      throw notADirectory(target);
    }
    const parent = path.dirname(target);
    if (code !== 'ENOENT' || parent === target) throw err;
    await makeDirectory(parent);
  }
  try {
    await fs.promises.mkdir(target);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    if ((await fs.promises.stat(target)).isDirectory()) return;
    throw notADirectory(target);
  }
}
