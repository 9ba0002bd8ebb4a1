/**
 * The simulator's `npurun-device` executable, found beside the addon, must be executable. Package
 * tarballs do not always keep the mode bit (pnpm's `pack`/`publish` keeps it only for `bin`
 * entries), so the first load restores it: in place when the package directory is writable, else
 * in an executable copy under npurun's cache directory, which the addon is pointed at through
 * `NPURUN_DEVICE_EXECUTABLE`.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { npurunCacheDir } from './cache-dir';

/** The executable's name, beside the addon. */
export const DEVICE_EXECUTABLE_NAME = 'npurun-device';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure the device executable beside `addonFile` can be run; a missing one is left for the
 * addon to report (`HAL_ADDON_UNAVAILABLE`, naming it). Does nothing when
 * `NPURUN_DEVICE_EXECUTABLE` already names one.
 */
export function ensureDeviceExecutable(addonFile: string): void {
  const override = process.env['NPURUN_DEVICE_EXECUTABLE'];
  if (override !== undefined && override !== '') return;
  const file = path.join(path.dirname(addonFile), DEVICE_EXECUTABLE_NAME);
  if (!fs.existsSync(file) || isExecutable(file)) return;
  try {
    fs.chmodSync(file, 0o755);
    if (isExecutable(file)) return;
  } catch {
    // a read-only install: use a private copy instead
  }
  const bytes = fs.readFileSync(file);
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const copy = path.join(npurunCacheDir(), 'bin', `${DEVICE_EXECUTABLE_NAME}-${digest}`);
  if (!isExecutable(copy)) {
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    const tmp = `${copy}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, bytes, { mode: 0o755 });
    fs.renameSync(tmp, copy);
  }
  // The addon reads it each time it starts a device process.
  process.env['NPURUN_DEVICE_EXECUTABLE'] = copy;
}
