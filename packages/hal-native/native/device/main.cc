// npurun-device: the process a simulated device runs in. Started by the addon (sim/device_process)
// with device memory, the control block and the command socket at fixed descriptors; everything
// that executes device code lives here, so a fault in it ends this process, never the host's.
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "device/device_server.h"
#include "device/fault_handler.h"
#include "wire/channel.h"

namespace {

uint64_t argument(char** argv, int index) { return std::strtoull(argv[index], nullptr, 10); }

// How much lower than the host the device's threads are scheduled (a nice increment).
constexpr int kDeviceNiceIncrement = 10;

}  // namespace

int main(int argc, char** argv) {
  using namespace npurun;
  if (argc != 7) {
    std::fprintf(stderr, "npurun-device is started by the npurun HAL, not by hand\n");
    return 2;
  }
  // Dies with the host, even if the host is killed outright.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (static_cast<uint64_t>(getppid()) != argument(argv, 1)) return 0;
  signal(SIGPIPE, SIG_IGN);
  // Below the host in CPU priority, before any thread exists (threads inherit it): on hardware,
  // device work costs the host no CPU, but here a launch can make more threads runnable than the
  // machine has cores, and at equal priority they would starve the caller's event loop.
  errno = 0;
  [[maybe_unused]] const int niceness = nice(kDeviceNiceIncrement);

  const uint64_t capacity = argument(argv, 6);
  void* controlMapping =
      mmap(nullptr, wire::controlBytes(capacity), PROT_READ | PROT_WRITE, MAP_SHARED, wire::kControlFd, 0);
  if (controlMapping == MAP_FAILED) return 3;
  auto* control = static_cast<wire::ControlBlock*>(controlMapping);
  if (control->magic != wire::kControlMagic) return 3;
  close(wire::kControlFd);
  device::installFaultHandlers(control);
  device::ThreadFaultScope faults;
  const wire::PageMap pages(reinterpret_cast<uint64_t*>(static_cast<uint8_t*>(controlMapping) + wire::pageMapOffset()),
                            capacity / wire::kPageBytes);

  device::DeviceConfig config;
  config.deviceId = static_cast<uint32_t>(argument(argv, 2));
  config.maxBlockDim = static_cast<uint32_t>(argument(argv, 3));
  config.aicpuLaunchThreads = static_cast<uint32_t>(argument(argv, 4));
  config.timestampHz = argument(argv, 5);

  try {
    device::DeviceMemory memory(wire::kMemoryFd, capacity, pages);
    close(wire::kMemoryFd);
    device::attachDeviceMemory(&memory);
    wire::HelloMessage hello{};
    hello.h.op = static_cast<uint32_t>(wire::Op::Hello);
    hello.version = wire::kProtocolVersion;
    hello.pid = static_cast<uint32_t>(getpid());
    hello.memoryBase = memory.base();
    if (!wire::sendMessage(wire::kChannelFd, &hello, sizeof hello)) return 4;
    device::DeviceServer server(config, control, &memory, wire::kChannelFd);
    const int status = server.serve();
    // Running device code is not waited for: the host has already given up on it.
    device::markOrderlyExit();
    _exit(status);
  } catch (const std::exception& e) {
    device::faultAndExit(wire::FaultKind::Terminate, 0, 0, 0, e.what());
  }
}
