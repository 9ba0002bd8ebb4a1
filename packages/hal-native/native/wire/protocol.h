// The wire between the host (the addon's SimBackend) and a simulated device's own process.
//
// Two channels, chosen for what crosses them:
//   * a SOCK_SEQPACKET socket carries commands (memory protection, streams, program loading,
//     launches) in order, and replies to the few that need one. Message boundaries are kept, file
//     descriptors (program images) ride along, and the peer's death reads as end-of-file.
//   * a shared control block (a memfd mapped by both) carries what must be read without a round
//     trip: per-stream progress counters the host waits on with futexes, stop flags device code
//     polls, the fault record a dying device leaves behind, and what each device thread is running.
// Device memory itself is a third mapping (one memfd): the host copies into it at memcpy speed
// and the device process runs kernels on it.
#pragma once

#include <cstddef>
#include <cstdint>

#include <unistd.h>

#include "core/completion_count.h"

namespace npurun::wire {

constexpr uint32_t kProtocolVersion = 3;
constexpr uint32_t kControlMagic = 0x4e505244;  // "NPRD"

// File descriptors the device process finds at start.
constexpr int kMemoryFd = 3;
constexpr int kControlFd = 4;
constexpr int kChannelFd = 5;
// An eventfd the device process signals when stream work completes while the host is waiting: the
// host's event loop watches it, so a wait needs no thread of its own.
constexpr int kNotifyFd = 6;

constexpr uint32_t kMaxStreams = 64;
// Activity slots: AI Core cores first (the largest arch has 108), then AI CPU launch threads.
constexpr uint32_t kAicoreSlots = 128;
constexpr uint32_t kAicpuSlots = 32;
constexpr uint32_t kActivitySlots = kAicoreSlots + kAicpuSlots;
constexpr size_t kNameBytes = 64;
constexpr size_t kMessageBytes = 512;
// Device memory is protected per page: the granularity of guard pages and of fault detection.
constexpr uint64_t kPageBytes = 4096;
// An AI CPU launch's argument block travels inside its command.
constexpr uint32_t kMaxAicpuArgsBytes = 64 * 1024;

// ---------------------------------------------------------------- control block

// One stream's progress. `submitted` and `wakeAt` are written by the host only, `completed` by the
// device only; all count work items and wrap. The host waits on `completed` (a futex word).
struct alignas(64) StreamSlot {
  uint32_t submitted;
  uint32_t completed;
  // The completion count the host's event-loop wait needs before a signal is worth its wake-up
  // (see notifyHost). Only ever at or below what any open wait needs: a stale value signals early.
  uint32_t wakeAt;
  // Non-zero when the one open wait on this stream also waits for other streams: the same value
  // sits in each of their slots, and only the last of them to reach its wakeAt signals.
  uint32_t wakeGroup;
  uint32_t stop;    // raised by the host; device code polls it (NPURUN_SHOULD_STOP)
  uint32_t exited;  // the device's stream thread has returned (after a destroy or reset)
  uint32_t failed;  // a work item failed; later items are skipped until the host reports it
  int32_t failCode;  // an ErrorCode
  int64_t failBackendCode;
  uint32_t hasBackendCode;
  char failOp[32];  // the HAL operation the failure is reported as (e.g. launchAicpu)
  char failMessage[kMessageBytes];
};

enum class ActivityKind : uint32_t { None = 0, AicoreCore = 1, AicpuThread = 2 };

// What one device thread is running; written by that thread, read by the host after a fault.
struct ActivitySlot {
  uint32_t kind;  // ActivityKind
  uint32_t busy;  // inside device code
  uint32_t coreId;
  uint32_t coreType;  // NPURUN_CORE_CUBE / NPURUN_CORE_VECTOR (AI Core)
  uint32_t blockIdx;
  uint32_t subBlockIdx;
  uint32_t hasTask;
  uint32_t taskId;
  uint32_t kernelId;
  uint32_t pad;
  char kernel[kNameBytes];   // AI Core: the task's kernel entry; AI CPU: the launched kernel
  char program[kNameBytes];  // what the thread was launched with ("AI Core executor", kernel name)
};

enum class FaultKind : uint32_t { None = 0, Signal = 1, Exception = 2, Exit = 3, Terminate = 4 };

// The first fault of a device process, written once (state 0 -> 1 -> 2) by the faulting thread.
struct FaultRecord {
  uint32_t state;
  uint32_t kind;  // FaultKind
  int32_t signal;
  int32_t sigCode;
  uint64_t address;       // si_addr: the faulting address (memory faults) or instruction
  uint64_t stackLow;      // the faulting thread's stack range, to recognise a stack overflow
  uint64_t stackHigh;
  uint32_t hasActivity;
  uint32_t pad;
  ActivitySlot activity;  // the faulting thread's activity when it faulted
  char detail[kMessageBytes];
};

struct ControlBlock {
  uint32_t magic;
  uint32_t version;
  uint32_t devicePid;
  uint32_t hostWaiting;  // > 0 while the host waits on the notify eventfd (see notifyHost)
  FaultRecord fault;
  StreamSlot streams[kMaxStreams];
  ActivitySlot activity[kActivitySlots];
};

// The control memfd holds the ControlBlock, then the PageMap of device memory (wire/page_map.h).
inline uint64_t pageMapOffset() { return (sizeof(ControlBlock) + 63) / 64 * 64; }
inline uint64_t controlBytes(uint64_t memoryBytes) {
  return pageMapOffset() + (memoryBytes / kPageBytes + 63) / 64 * 8;
}

// ---------------------------------------------------------------- commands

enum class Op : uint32_t {
  Hello = 1,           // device -> host once at start: HelloMessage
  Protect,             // ProtectBatch: new allocations opened, freed ones closed
  CreateStream,        // reply: status
  DestroyStream,       // reply once the stream's thread has returned
  LoadProgram,         // fd attached; reply: status + message
  HasSymbol,           // reply: status (Ok = exported)
  LaunchAicore,        // one-way; a failure is the stream's
  LaunchAicpu,         // one-way; header followed by the argument block
  Reset,               // stop every stream, unload every program; reply when done
  Shutdown,            // one-way: exit now
  Batch,               // one-way: BatchHeader, then commands handled in order (none of them a Batch)
};

struct CommandHeader {
  uint32_t op;  // Op
  uint32_t pad;
};

struct HelloMessage {
  CommandHeader h;
  uint32_t version;
  uint32_t pid;
  uint64_t memoryBase;  // where the device process mapped device memory: device address 0 of the range
};

// Protection changes travel in batches, sent ahead of the next command: new allocations are opened
// before the launch that uses them (no first-touch fault on the hot path), freed ones closed. An
// allocation made while device code runs (a collector recycling buffers) is opened by the device's
// fault handler on first touch, from the PageMap; freed memory stays readable by device code only
// until the batch arrives.
struct ProtectEntry {
  uint64_t addr;
  uint64_t length;  // page multiple
  uint64_t open;    // 1: a new allocation, 0: a freed one
};
constexpr uint32_t kMaxProtectEntries = 1024;

struct ProtectBatch {
  CommandHeader h;
  uint32_t count;
  uint32_t pad;
  ProtectEntry entries[kMaxProtectEntries];
};

struct StreamCommand {
  CommandHeader h;
  uint32_t stream;  // slot index
  uint32_t pad;
};

// What a program is for: the AI Core executor must export npurun_aicore_entry.
enum class ProgramKind : uint32_t { AicoreBinary = 1, AicpuProgram = 2 };

struct LoadProgramCommand {
  CommandHeader h;
  uint32_t program;  // handle chosen by the host
  uint32_t kind;     // ProgramKind
  uint64_t size;
};

struct HasSymbolCommand {
  CommandHeader h;
  uint32_t program;
  uint32_t pad;
  char name[256];
};

struct LaunchAicoreCommand {
  CommandHeader h;
  uint32_t stream;
  uint32_t binary;
  uint32_t blockDim;
  uint32_t pad;
  uint64_t kernelArgsAddr;
};

struct LaunchAicpuCommand {
  CommandHeader h;
  uint32_t stream;
  uint32_t program;
  uint32_t threads;
  uint32_t argsSize;  // bytes that follow this header
  char kernel[256];
};

// Several one-way commands in one message, so a run's launches cost one wake-up of the device's
// server thread instead of one per command. Each entry is a BatchEntry, then `size` bytes of one
// command, padded to 8 bytes.
struct BatchHeader {
  CommandHeader h;
  uint32_t count;
  uint32_t pad;
};
struct BatchEntry {
  uint32_t size;
  uint32_t pad;
};
constexpr size_t batchEntryBytes(size_t commandBytes) { return sizeof(BatchEntry) + (commandBytes + 7) / 8 * 8; }

struct Reply {
  int32_t status;  // kOk or an ErrorCode
  uint32_t pad;
  char message[kMessageBytes];
};
constexpr int32_t kOk = -1;

// Large enough for any command (a full ProtectBatch, or an AI CPU launch with its argument block).
constexpr size_t kMaxCommandBytes = sizeof(ProtectBatch) > sizeof(LaunchAicpuCommand) + kMaxAicpuArgsBytes
                                        ? sizeof(ProtectBatch)
                                        : sizeof(LaunchAicpuCommand) + kMaxAicpuArgsBytes;

// Signals the host when it waits, whatever a stream reached (a stream thread ended). Both sides
// order their store before their load (the host: hostWaiting and wakeAt, then the counters; the
// device: the counters, then hostWaiting and wakeAt), so no progress a wait needs goes unnoticed.
inline bool hostWaits(const ControlBlock* control) {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  return __atomic_load_n(&control->hostWaiting, __ATOMIC_SEQ_CST) != 0;
}
inline void signalHost(int notifyFd) {
  const uint64_t one = 1;
  // A full counter (never in practice) already means "readable": the wake-up is not lost.
  [[maybe_unused]] const auto written = ::write(notifyFd, &one, sizeof one);
}

// Whether a stream that has now completed `completed` items should wake a waiting host: only once
// the count reaches what the host's wait needs. A run's AI CPU stream completes its init kernel
// long before the run kernel; waking the host for it costs a wake-up and a poll for nothing.
inline bool completionWakesHost(uint32_t completed, uint32_t wakeAt) {
  return countReached(completed, wakeAt);
}

// Whether another stream of `slot`'s wake group still falls short of its wakeAt. Both ends of a
// race between two streams of a group read after their own completion (and a full fence), so at
// least the later one sees the other done and signals; a stale group only makes a signal early.
inline bool groupStillRunning(const ControlBlock* control, const StreamSlot* slot) {
  const uint32_t group = __atomic_load_n(&slot->wakeGroup, __ATOMIC_SEQ_CST);
  if (group == 0) return false;
  for (const StreamSlot& other : control->streams) {
    if (&other == slot || __atomic_load_n(&other.wakeGroup, __ATOMIC_SEQ_CST) != group) continue;
    const uint32_t completed = __atomic_load_n(&other.completed, __ATOMIC_SEQ_CST);
    if (!completionWakesHost(completed, __atomic_load_n(&other.wakeAt, __ATOMIC_SEQ_CST))) return true;
  }
  return false;
}

// Signals the host after a stream completed a work item, when it waits, the stream has reached
// what it waits for, and no other stream of the same wait is still short of it (a run waits for
// two streams that end close together: one wake-up instead of two).
inline void notifyHost(ControlBlock* control, const StreamSlot* slot, uint32_t completed, int notifyFd) {
  if (!hostWaits(control)) return;
  if (!completionWakesHost(completed, __atomic_load_n(&slot->wakeAt, __ATOMIC_SEQ_CST))) return;
  if (groupStillRunning(control, slot)) return;
  signalHost(notifyFd);
}

// Exit status of a device process that recorded a fault and ended itself.
constexpr int kFaultExitStatus = 86;

}  // namespace npurun::wire
