/** Where the device-side producer library and the generated layout headers live on disk. */
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/**
 * Include directory for device programs: `npurun/collector_producer.h` and the generated
 * `npurun/collectors/layouts_<arch>.h`.
 */
export function deviceIncludeDir(): string {
  return path.join(ROOT, 'device', 'include');
}

/** C sources of the producer library, to compile into a device program. */
export function producerSources(): string[] {
  return [path.join(ROOT, 'device', 'src', 'collector_producer.c')];
}
