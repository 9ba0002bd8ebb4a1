#include "core/backend.h"

#include <algorithm>
#include <chrono>

namespace npurun {

// the simulator keeps the hardware's numbers so a workload shaped for one fits the other.
const ArchInfo* ArchInfo::forArch(const std::string& arch) {
  static const ArchInfo a2a3{"a2a3", 24, 4, 6, 50'000'000ull, 8, true};
  static const ArchInfo a5{"a5", 36, 7, 7, 1'000'000'000ull, 10, false};
  if (arch == "a2a3") return &a2a3;
  if (arch == "a5") return &a5;
  return nullptr;
}

std::vector<StreamSyncFailure> Backend::synchronizeStreams(const std::vector<StreamId>& streams, uint32_t timeoutMs) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
  std::vector<StreamSyncFailure> failures;
  for (StreamId stream : streams) {
    // Rounded up, so a stream is never given less than what is left of the deadline; once it has
    // passed, the remaining streams are only checked, not waited for.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const uint32_t remaining = static_cast<uint32_t>(std::clamp<int64_t>(left, 0, timeoutMs));
    try {
      synchronize(stream, remaining);
    } catch (const HalException& e) {
      failures.push_back({stream, e});
    } catch (const std::exception& e) {
      failures.push_back({stream, HalException(ErrorCode::Internal, "synchronize", std::string("synchronize: ") + e.what())});
    }
  }
  return failures;
}

void Backend::launchRun(const RunLaunch& run, std::vector<StreamId>* launched) {
  if (run.uploadBeforeAicpu) copyToDevice(run.kernelArgsAddr, run.kernelArgs, run.kernelArgsSize);
  launchAicpu(run.aicpuStream, run.program, run.initKernel, 1, run.kernelArgs, run.kernelArgsSize);
  launched->push_back(run.aicpuStream);
  launchAicpu(run.aicpuStream, run.program, run.runKernel, run.aicpuThreads, run.kernelArgs, run.kernelArgsSize);
  if (!run.uploadBeforeAicpu) copyToDevice(run.kernelArgsAddr, run.kernelArgs, run.kernelArgsSize);
  launchAicore(run.aicoreStream, run.binary, run.blockDim, run.kernelArgsAddr);
  launched->push_back(run.aicoreStream);
}

std::unique_ptr<Backend> openBackend(const OpenOptions& options) {
  const std::string& p = options.platform;
  const bool sim = p.size() > 3 && p.compare(p.size() - 3, 3, "sim") == 0;
  const std::string archName = sim ? p.substr(0, p.size() - 3) : p;
  const ArchInfo* arch = ArchInfo::forArch(archName);
  if (arch == nullptr) {
    throw HalException(ErrorCode::InvalidPlatform, "openDevice",
                       "openDevice: unknown platform '" + p + "' (expected a2a3sim, a5sim, a2a3 or a5)");
  }
  return sim ? openSimBackend(options, *arch) : openCannBackend(options, *arch);
}

}  // namespace npurun
