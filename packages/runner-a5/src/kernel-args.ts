/**
 * KernelArgs of a5: the struct handed to every device kernel. Its front (40 bytes of
 * zeros, then deviceArgs, runtimeArgs, regs) is fixed by the vendor runtime; the offsets are
 * asserted because device programs built elsewhere read them. The C header the simulator's device
 * programs include is generated from this one declaration.
 */
import { pad, ptr, struct, u32 } from '@npurun/hal-native';
import { KERNEL_ARGS_FRONT } from '@npurun/runner-base';

/** a5 KernelArgs (144 bytes). */
export const A5KernelArgs = struct(
  'npurun_kernel_args',
  {
    ...KERNEL_ARGS_FRONT,
    dumpDataBase: { type: ptr, offset: 64 },
    l2PerfDataBase: { type: ptr, offset: 72 },
    pmuDataBase: { type: ptr, offset: 80 },
    aicoreL2PerfRingAddrs: { type: ptr, offset: 88, doc: 'table, one L2 perf ring address per core, filled by the host' },
    aicorePmuRingAddrs: { type: ptr, offset: 96, doc: 'table, one PMU ring address per core, filled by the host' },
    scopeStatsDataBase: { type: ptr, offset: 104 },
    logLevel: { type: u32, offset: 112, doc: '0 debug ... 4 off' },
    logInfoV: { type: u32, offset: 116, doc: 'INFO verbosity 0-9' },
    enableProfilingFlag: { type: u32, offset: 120, doc: 'diagnostic bits' },
    pad0: pad(4),
    deviceWallDataBase: { type: ptr, offset: 128, doc: '8-byte buffer the AI CPU writes the run wall time into (ns)' },
    deviceId: { type: u32, offset: 136 },
    pad1: pad(4),
  },
  { size: 144, doc: 'a5 KernelArgs' },
);
