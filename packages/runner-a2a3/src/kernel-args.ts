/**
 * KernelArgs of a2a3: the struct handed to every device kernel. Its front (40 bytes of
 * zeros, then deviceArgs, runtimeArgs, regs) is fixed by the vendor runtime; the offsets are
 * asserted because device programs built elsewhere read them. The C header the simulator's device
 * programs include is generated from this one declaration.
 */
import { pad, ptr, struct, u32, u64 } from '@npurun/hal-native';
import { KERNEL_ARGS_FRONT } from '@npurun/runner-base';

/** a2a3 KernelArgs (160 bytes). */
export const A2A3KernelArgs = struct(
  'npurun_kernel_args',
  {
    ...KERNEL_ARGS_FRONT,
    fftsBaseAddr: { type: u64, offset: 64 },
    dumpDataBase: { type: ptr, offset: 72 },
    l2PerfDataBase: { type: ptr, offset: 80 },
    pmuDataBase: { type: ptr, offset: 88 },
    pmuRegAddrs: { type: ptr, offset: 96, doc: 'per-core PMU register table; 0 in the simulator' },
    depGenDataBase: { type: ptr, offset: 104 },
    scopeStatsDataBase: { type: ptr, offset: 112 },
    aicoreRingAddr: { type: ptr, offset: 120, doc: 'table, one slot per core, allocated by the host, filled by the AI CPU' },
    logLevel: { type: u32, offset: 128, doc: '0 debug ... 4 off' },
    logInfoV: { type: u32, offset: 132, doc: 'INFO verbosity 0-9' },
    enableProfilingFlag: { type: u32, offset: 136, doc: 'diagnostic bits' },
    pad0: pad(4),
    deviceWallDataBase: { type: ptr, offset: 144, doc: '8-byte buffer the AI CPU writes the run wall time into (ns)' },
    deviceId: { type: u32, offset: 152 },
    pad1: pad(4),
  },
  { size: 160, doc: 'a2a3 KernelArgs' },
);
