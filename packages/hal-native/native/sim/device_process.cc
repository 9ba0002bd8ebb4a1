#include "sim/device_process.h"

#include <dlfcn.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/hal_error.h"
#include "wire/channel.h"
#include "wire/futex.h"

extern char** environ;

namespace npurun::sim {

namespace {

constexpr const char* kOp = "openDevice";
// How long a new process may take to report in, and how long an orderly shutdown may take
// before the process is killed.
constexpr int kStartTimeoutMs = 10'000;
constexpr int kShutdownWaitMs = 200;
constexpr int kSocketBufferBytes = 1 << 20;

[[noreturn]] void fail(const std::string& what) {
  throw HalException(ErrorCode::Internal, kOp, std::string(kOp) + ": " + what);
}

std::string errnoText() { return std::strerror(errno); }

int makeMemfd(const char* name, uint64_t size) {
  const int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) fail(std::string("memfd_create failed: ") + errnoText());
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const std::string why = errnoText();
    close(fd);
    fail("sizing simulated device memory to " + std::to_string(size) + " bytes failed: " + why);
  }
  return fd;
}

void anchor() {}

}  // namespace

std::string deviceExecutablePath() {
  if (const char* env = std::getenv("NPURUN_DEVICE_EXECUTABLE"); env != nullptr && *env != '\0') return env;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&anchor), &info) == 0 || info.dli_fname == nullptr) return "npurun-device";
  std::string addon = info.dli_fname;
  const size_t slash = addon.rfind('/');
  return (slash == std::string::npos ? std::string(".") : addon.substr(0, slash)) + "/npurun-device";
}

DeviceProcess::DeviceProcess(const DeviceProcessConfig& config, ExitHandler onExit)
    : config_(config), onExit_(std::move(onExit)), memoryBytes_(config.memoryBytes) {
  const std::string exe = deviceExecutablePath();
  if (access(exe.c_str(), X_OK) != 0) {
    // Same code as a missing addon: both are an incomplete install, with the same fix.
    throw HalException(ErrorCode::AddonUnavailable, kOp,
                       std::string(kOp) + ": the simulator's device executable " + exe + " is missing or not executable (" + errnoText() +
                           "); it ships beside the addon in @npurun/hal-native's prebuilds/<platform>-<arch>/: reinstall "
                           "the package (npm ci, pnpm install --force, yarn install --force) or build it from source with "
                           "`node <@npurun/hal-native>/scripts/build-native.cjs`");
  }
  memoryFd_ = makeMemfd("npurun-device-memory", memoryBytes_);
  void* mem = mmap(nullptr, memoryBytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, memoryFd_, 0);
  if (mem == MAP_FAILED) {
    const std::string why = errnoText();
    close(memoryFd_);
    throw HalException(ErrorCode::OutOfMemory, kOp,
                       std::string(kOp) + ": cannot map " + std::to_string(memoryBytes_) + " bytes of simulated device memory: " + why);
  }
  hostMemory_ = static_cast<uint8_t*>(mem);
  controlBytes_ = wire::controlBytes(memoryBytes_);
  const int controlFd = makeMemfd("npurun-device-control", controlBytes_);
  void* ctl = mmap(nullptr, controlBytes_, PROT_READ | PROT_WRITE, MAP_SHARED, controlFd, 0);
  if (ctl == MAP_FAILED) {
    close(controlFd);
    fail("mapping the device control block failed: " + errnoText());
  }
  control_ = static_cast<wire::ControlBlock*>(ctl);
  pages_ = wire::PageMap(reinterpret_cast<uint64_t*>(static_cast<uint8_t*>(ctl) + wire::pageMapOffset()),
                         memoryBytes_ / wire::kPageBytes);
  control_->magic = wire::kControlMagic;
  control_->version = wire::kProtocolVersion;

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    close(controlFd);
    fail("socketpair failed: " + errnoText());
  }
  for (int s : sv) {
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &kSocketBufferBytes, sizeof kSocketBufferBytes);
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &kSocketBufferBytes, sizeof kSocketBufferBytes);
  }
  channel_ = sv[0];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, memoryFd_, wire::kMemoryFd);
  posix_spawn_file_actions_adddup2(&actions, controlFd, wire::kControlFd);
  posix_spawn_file_actions_adddup2(&actions, sv[1], wire::kChannelFd);
  posix_spawn_file_actions_adddup2(&actions, config.notifyFd, wire::kNotifyFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  // Its own process group: a terminal's Ctrl-C goes to the host, which decides what to stop.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<std::string> args = {exe,
                                   std::to_string(getpid()),
                                   std::to_string(config.deviceId),
                                   std::to_string(config.maxBlockDim),
                                   std::to_string(config.aicpuLaunchThreads),
                                   std::to_string(config.timestampHz),
                                   std::to_string(config.memoryBytes)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = posix_spawn(&pid_, exe.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(sv[1]);
  close(controlFd);
  if (rc != 0) {
    pid_ = -1;
    fail("starting the device process " + exe + " failed: " + std::strerror(rc));
  }

  wire::HelloMessage hello{};
  size_t size = 0;
  int fd = -1;
  const wire::RecvStatus status = wire::recvMessage(channel_, &hello, sizeof hello, &size, &fd, kStartTimeoutMs);
  if (fd >= 0) close(fd);
  if (status != wire::RecvStatus::Ok || size != sizeof hello || hello.version != wire::kProtocolVersion) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    waitpid(pid_, &st, 0);
    pid_ = -1;
    const std::string how = WIFEXITED(st) ? "exited with status " + std::to_string(WEXITSTATUS(st))
                            : WIFSIGNALED(st) ? "was killed by signal " + std::to_string(WTERMSIG(st))
                                              : "did not answer";
    fail("the device process " + exe + " did not start (" +
         (status == wire::RecvStatus::TimedOut ? std::string("no answer within 10 s") : how) + ")");
  }
  deviceBase_ = hello.memoryBase;
  control_->devicePid = hello.pid;
  watcher_ = std::thread([this] { watch(); });
}

void DeviceProcess::terminate() {
  std::lock_guard<std::mutex> once(terminateMu_);
  if (pid_ > 0) {
    if (alive()) {
      shutdownRequested_.store(true, std::memory_order_release);
      wire::CommandHeader bye{static_cast<uint32_t>(wire::Op::Shutdown), 0};
      wire::sendMessage(channel_, &bye, sizeof bye);
      if (!waitEnded(kShutdownWaitMs)) ::kill(pid_, SIGKILL);
    }
    if (watcher_.joinable()) watcher_.join();
  }
}

DeviceProcess::~DeviceProcess() {
  terminate();
  if (channel_ >= 0) close(channel_);
  if (control_ != nullptr) munmap(control_, controlBytes_);
  if (hostMemory_ != nullptr) munmap(hostMemory_, memoryBytes_);
  if (memoryFd_ >= 0) close(memoryFd_);
}

void DeviceProcess::watch() {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  ProcessExit exit;
  if (r == pid_) {
    exit.exited = WIFEXITED(status);
    exit.status = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    exit.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  exit.requested = shutdownRequested_.load(std::memory_order_acquire);
  {
    std::lock_guard<std::mutex> lock(mu_);
    exit.killReason = killReason_;
  }
  // The handler records the fault before anyone can see the process as ended, so a waiter that
  // finds it gone always finds the reason too.
  if (onExit_) onExit_(exit);
  ended_.store(true, std::memory_order_release);
  // Anyone waiting on the device's progress wakes up and finds it gone.
  for (auto& slot : control_->streams) wire::futexWakeAll(&slot.completed);
  const uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(config_.notifyFd, &one, sizeof one);
  std::lock_guard<std::mutex> lock(mu_);
  handled_ = true;
  endedCv_.notify_all();
}

bool DeviceProcess::send(const void* data, size_t size, int fd) {
  return alive() && wire::sendMessage(channel_, data, size, fd);
}

DeviceProcess::ReplyStatus DeviceProcess::receiveReply(wire::Reply* reply, int timeoutMs) {
  size_t size = 0;
  int fd = -1;
  const wire::RecvStatus status = wire::recvMessage(channel_, reply, sizeof *reply, &size, &fd, timeoutMs);
  if (fd >= 0) close(fd);
  if (status == wire::RecvStatus::TimedOut) return ReplyStatus::TimedOut;
  return status == wire::RecvStatus::Ok && size == sizeof *reply ? ReplyStatus::Ok : ReplyStatus::Gone;
}

void DeviceProcess::kill(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (killReason_.empty()) killReason_ = reason;
  }
  if (pid_ > 0 && alive()) ::kill(pid_, SIGKILL);
}

bool DeviceProcess::waitEnded(int timeoutMs) {
  std::unique_lock<std::mutex> lock(mu_);
  return endedCv_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [this] { return handled_; });
}

}  // namespace npurun::sim
