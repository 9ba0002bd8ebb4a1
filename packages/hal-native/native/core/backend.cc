#include "core/backend.h"

namespace npurun {

// SPEC §9: the simulator keeps the hardware's numbers so a workload shaped for one fits the other.
const ArchInfo* ArchInfo::forArch(const std::string& arch) {
  static const ArchInfo a2a3{"a2a3", 24, 4, 6, 50'000'000ull, 8, true};
  static const ArchInfo a5{"a5", 36, 7, 7, 1'000'000'000ull, 10, false};
  if (arch == "a2a3") return &a2a3;
  if (arch == "a5") return &a5;
  return nullptr;
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
