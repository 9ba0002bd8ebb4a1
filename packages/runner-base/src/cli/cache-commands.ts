/**
 * `cache info` and `cache clean`: npurun's cache of compiled device programs and generated headers,
 * in the user's cache directory (`$XDG_CACHE_HOME/npurun`, else `~/.cache/npurun`, or
 * `$NPURUN_CACHE_DIR`). Everything in it is rebuilt on demand, so cleaning is always safe.
 */
import type { Command } from 'commander';
import { cleanNpurunCache, npurunCacheInfo } from '@npurun/hal-native';

/** What the cache commands need from the CLI. */
export interface CacheCommandContext {
  /** Output stream. */
  io: { stdout: Pick<NodeJS.WriteStream, 'write'> };
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Adds `cache info` and `cache clean` to `program`. */
export function registerCacheCommands(program: Command, ctx: CacheCommandContext): void {
  const cache = program.command('cache').description("npurun's cache of compiled device programs (rebuilt on demand)");
  cache
    .command('info')
    .description('print where the cache is and how much it holds')
    .action(async () => {
      const info = await npurunCacheInfo();
      ctx.io.stdout.write(`${info.dir}\n${info.files} files, ${mib(info.bytes)}\n`);
    });
  cache
    .command('clean')
    .description('remove every cached device program and generated header')
    .action(async () => {
      const sweep = await cleanNpurunCache();
      ctx.io.stdout.write(`${sweep.dir}\nremoved ${sweep.removedFiles} files, ${mib(sweep.removedBytes)}\n`);
    });
}
