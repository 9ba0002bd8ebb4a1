// The native baseline of the run-overhead benchmark: a C++ program that drives hal-native's
// simulator backend directly (no N-API, no JS) and makes, per run, the same HAL calls in the same
// order as DeviceRunnerBase.run does for an a2a3 run with diagnostics off:
//
//   copy 8 zero bytes to the device wall -> copy runtime image -> fill KernelArgs -> copy dispatch
//   block -> copy KernelArgs -> launch AI CPU init, AI CPU run, AI Core -> streamsIdle check, then
//   synchronizeStreams(AI CPU, AI Core) under one deadline -> read device wall
//
// The image, the dispatch block and the KernelArgs copy live in one scratch allocation made before
// the first run and kept, laid out as the runner's (run-scratch.ts) is; the dispatch block's bytes
// are encoded once, as the runner reuses them for runs of the same shape.
//
// The bench's TypeScript side prepares everything it takes (executors, kernel images, the encoded
// runtime image with placeholder addresses, initial tensor bytes) in a directory described by a
// line-oriented manifest; the driver uploads the kernels and tensors and patches their device
// addresses into the image, once, before the timed runs. It prints one line per timed run:
// "<host overhead ns> <wall ns> <device wall ns>".
//
// Usage: driver <dir> <runs> <warmup runs>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <time.h>

#include "core/backend.h"
#include "core/hal_error.h"
#include <npurun/kernel_args.h>
#include <npurun/runtime_image.h>
#include <npurun/sim_dispatch.h>

namespace npurun {

// The CANN backend's sources are not linked into this program (it drives the simulator only), but
// openBackend refers to its factory.
std::unique_ptr<Backend> openCannBackend(const OpenOptions&, const ArchInfo&) {
  throw HalException(ErrorCode::Unsupported, "openDevice", "the bench driver is built without the cann backend");
}

}  // namespace npurun

namespace {

using Clock = std::chrono::steady_clock;

// CPU time of this whole process (every thread; the device process is another process), ns.
int64_t processCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Upload {
  uint64_t placeholder;
  std::string file;
};

struct Check {
  size_t tensor;
  uint64_t byteOffset;
  float expected;
};

struct Manifest {
  std::string platform;
  int32_t deviceId = 0;
  std::string aicpuFile, aicoreFile, imageFile, initKernel, runKernel;
  std::vector<Upload> kernels, tensors;
  std::vector<Check> checks;
  uint32_t blockDim = 1, aicpuThreads = 1, logLevel = 0, logInfoV = 0, timeoutMs = 60000;
};

Manifest readManifest(const std::string& dir) {
  std::ifstream in(dir + "/manifest.txt");
  if (!in) throw std::runtime_error("cannot read " + dir + "/manifest.txt");
  Manifest m;
  std::map<std::string, uint32_t*> numbers{{"block_dim", &m.blockDim},     {"aicpu_threads", &m.aicpuThreads},
                                           {"log_level", &m.logLevel},     {"log_info_v", &m.logInfoV},
                                           {"timeout_ms", &m.timeoutMs}};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    if (!(words >> key) || key[0] == '#') continue;
    if (key == "platform") words >> m.platform;
    else if (key == "device_id") words >> m.deviceId;
    else if (key == "aicpu") words >> m.aicpuFile >> m.initKernel >> m.runKernel;
    else if (key == "aicore") words >> m.aicoreFile;
    else if (key == "image") words >> m.imageFile;
    else if (key == "kernel" || key == "tensor") {
      Upload u{};
      words >> std::hex >> u.placeholder >> std::dec >> u.file;
      (key == "kernel" ? m.kernels : m.tensors).push_back(u);
    } else if (key == "check") {
      Check c{};
      words >> c.tensor >> c.byteOffset >> c.expected;
      m.checks.push_back(c);
    } else if (numbers.count(key)) words >> *numbers[key];
    else throw std::runtime_error("manifest: unknown key '" + key + "'");
    if (words.fail()) throw std::runtime_error("manifest: bad line '" + line + "'");
  }
  return m;
}

// Replaces the placeholder addresses the TypeScript side encoded (kernel images in the kernel
// table, tensors in address arguments) with the device addresses this process got.
void patchImage(std::vector<uint8_t>& image, const std::map<uint64_t, uint64_t>& addresses) {
  auto* h = reinterpret_cast<npurun_rt_header*>(image.data());
  if (image.size() < sizeof(npurun_rt_header) || h->magic != NPURUN_RT_MAGIC) throw std::runtime_error("not a runtime image");
  auto* kernels = reinterpret_cast<npurun_rt_kernel*>(image.data() + h->kernels_offset);
  for (uint32_t k = 0; k < h->kernel_count; ++k) {
    auto it = addresses.find(kernels[k].image_addr);
    if (it == addresses.end()) throw std::runtime_error("kernel " + std::to_string(k) + " has no uploaded image");
    kernels[k].image_addr = it->second;
  }
  auto* args = reinterpret_cast<uint64_t*>(image.data() + h->args_offset);
  const uint8_t* kinds = image.data() + h->arg_kinds_offset;
  for (uint32_t a = 0; a < h->arg_count; ++a) {
    if (kinds[a] != NPURUN_RT_ARG_ADDR) continue;
    auto it = addresses.find(args[a]);
    if (it == addresses.end()) throw std::runtime_error("argument " + std::to_string(a) + " names no uploaded tensor");
    args[a] = it->second;
  }
}

int run(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <dir> <runs> <warmup runs>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const long runs = std::stol(argv[2]);
  const long warmup = std::stol(argv[3]);
  const Manifest m = readManifest(dir);

  npurun::OpenOptions options;
  options.platform = m.platform;
  options.deviceId = m.deviceId;
  std::unique_ptr<npurun::Backend> be = npurun::openBackend(options);
  const npurun::DeviceProps& props = be->props();

  // Once per runner, as ensureDeviceInitialized and the first launch do.
  const npurun::StreamId aicpuStream = be->createStream();
  const npurun::StreamId aicoreStream = be->createStream();
  const std::vector<uint8_t> aicpu = readFile(dir + "/" + m.aicpuFile);
  const npurun::ProgramId program = be->loadAicpuProgram(aicpu.data(), aicpu.size());
  const std::vector<uint8_t> aicore = readFile(dir + "/" + m.aicoreFile);
  const npurun::BinaryId binary = be->registerAicoreBinary(aicore.data(), aicore.size());

  // The graph's device state: kernel images and tensors, uploaded once.
  std::map<uint64_t, uint64_t> addresses;
  std::vector<uint64_t> tensorAddrs;
  for (const auto* list : {&m.kernels, &m.tensors}) {
    for (const Upload& u : *list) {
      const std::vector<uint8_t> bytes = readFile(dir + "/" + u.file);
      const uint64_t addr = be->malloc(bytes.size());
      be->copyToDevice(addr, bytes.data(), bytes.size());
      addresses[u.placeholder] = addr;
      if (list == &m.tensors) tensorAddrs.push_back(addr);
    }
  }
  std::vector<uint8_t> image = readFile(dir + "/" + m.imageFile);
  patchImage(image, addresses);
  const uint64_t deviceWall = be->malloc(8);  // once per runner, like the runner's device-wall slot
  const uint32_t schedulers = std::min(m.aicpuThreads, props.arch->aicpuSchedulerThreads);
  std::vector<uint8_t> block(sizeof(npurun_dispatch_header) + sizeof(npurun_core_slot) * m.blockDim * 3, 0);
  auto* header = reinterpret_cast<npurun_dispatch_header*>(block.data());
  header->magic = NPURUN_DISPATCH_MAGIC;
  header->core_num = m.blockDim * 3;
  header->block_num = m.blockDim;
  header->scheduler_threads = schedulers;
  const auto align64 = [](uint64_t n) { return (n + 63) / 64 * 64; };
  const uint64_t blockOffset = align64(sizeof(npurun_kernel_args));
  const uint64_t imageOffset = blockOffset + align64(block.size());
  uint64_t scratchBytes = 4096;
  while (scratchBytes < imageOffset + image.size()) scratchBytes *= 2;
  const uint64_t scratch = be->malloc(scratchBytes);
  const uint64_t kaAddr = scratch;
  const uint64_t blockAddr = scratch + blockOffset;
  const uint64_t imageAddr = scratch + imageOffset;

  for (long i = 0; i < warmup + runs; ++i) {
    const int64_t cpu0 = processCpuNs();  // outside the timed window, as the runner's side reads it
    const Clock::time_point t0 = Clock::now();
    // The runner zeroes the wall slot as the first upload of its launch (a copy, not a memset).
    const uint64_t zeroWall = 0;
    be->copyToDevice(deviceWall, &zeroWall, sizeof zeroWall);
    npurun_kernel_args ka{};
    be->copyToDevice(imageAddr, image.data(), image.size());
    ka.runtime_args = imageAddr;
    ka.log_level = m.logLevel;
    ka.log_info_v = m.logInfoV;
    ka.device_id = static_cast<uint32_t>(m.deviceId);
    ka.device_wall_data_base = deviceWall;
    be->copyToDevice(blockAddr, block.data(), block.size());
    ka.regs = blockAddr;
    ka.ffts_base_addr = props.fftsBaseAddr;  // a2a3: filled right before the KernelArgs upload
    be->copyToDevice(kaAddr, &ka, sizeof ka);
    const auto* kaBytes = reinterpret_cast<const uint8_t*>(&ka);
    be->launchAicpu(aicpuStream, program, m.initKernel, 1, kaBytes, sizeof ka);
    be->launchAicpu(aicpuStream, program, m.runKernel, m.aicpuThreads, kaBytes, sizeof ka);
    be->launchAicore(aicoreStream, binary, m.blockDim, kaAddr);
    // One wait for both streams under the run timeout, as the runner's synchronizeStreams does:
    // the binding checks for idle streams first, then the backend synchronizes the AI CPU stream,
    // then the AI Core stream.
    const std::vector<npurun::StreamId> streams{aicpuStream, aicoreStream};
    if (!be->streamsIdle(streams)) {
      const std::vector<npurun::StreamSyncFailure> failures = be->synchronizeStreams(streams, m.timeoutMs);
      if (!failures.empty()) throw failures.front().error;
    }
    uint64_t deviceWallNs = 0;
    be->copyFromDevice(&deviceWallNs, deviceWall, 8);
    const Clock::time_point t1 = Clock::now();
    const int64_t cpuNs = processCpuNs() - cpu0;
    if (i < warmup) continue;
    const int64_t wallNs = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    std::printf("%lld %lld %llu %lld\n", static_cast<long long>(wallNs - static_cast<int64_t>(deviceWallNs)),
                static_cast<long long>(wallNs), static_cast<unsigned long long>(deviceWallNs), static_cast<long long>(cpuNs));
  }

  // The runs must have done the work, or the comparison means nothing.
  for (const Check& c : m.checks) {
    float actual = 0;
    be->copyFromDevice(&actual, tensorAddrs.at(c.tensor) + c.byteOffset, sizeof actual);
    if (actual != c.expected) {
      std::fprintf(stderr, "check failed: tensor %zu at byte %llu is %g, expected %g\n", c.tensor,
                   static_cast<unsigned long long>(c.byteOffset), actual, c.expected);
      return 1;
    }
  }
  be->destroyStream(aicpuStream);
  be->destroyStream(aicoreStream);
  be->reset();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "driver: %s\n", e.what());
    return 1;
  }
}
