#include "cann/aicpu_staging.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/hal_error.h"

namespace npurun::cann {
namespace {

void writeFile(const std::string& path, const void* data, size_t size, const char* op) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw HalException(ErrorCode::Internal, op, std::string(op) + ": cannot create " + path + ": " + std::strerror(errno));
  }
  const auto* p = static_cast<const uint8_t*>(data);
  size_t left = size;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      throw HalException(ErrorCode::Internal, op, std::string(op) + ": cannot write " + path + ": " + std::strerror(err));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  ::close(fd);
}

}  // namespace

bool isKernelIdentifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

std::string aicpuOpInfoJson(const std::string& soBasename, const std::vector<std::string>& kernels) {
  std::string json = "{\n";
  for (size_t i = 0; i < kernels.size(); ++i) {
    const std::string& k = kernels[i];
    json += "  \"" + k + "\": {\n    \"opInfo\": {\n";
    json += "      \"functionName\": \"" + k + "\",\n";
    json += "      \"kernelSo\": \"" + soBasename + "\",\n";
    json += "      \"opKernelLib\": \"AICPUKernel\",\n";
    json += "      \"computeCost\": \"100\",\n";
    json += "      \"engine\": \"DNN_VM_AICPU\",\n";
    json += "      \"flagAsync\": \"False\",\n";
    json += "      \"flagPartial\": \"False\",\n";
    json += "      \"userDefined\": \"False\"\n";
    json += "    }\n  }";
    json += i + 1 < kernels.size() ? ",\n" : "\n";
  }
  json += "}\n";
  return json;
}

StagedAicpuProgram::StagedAicpuProgram(const uint8_t* image, size_t size, const std::vector<std::string>& kernels,
                                       const char* op) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/npurun-aicpu-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    throw HalException(ErrorCode::Internal, op,
                       std::string(op) + ": cannot create a staging directory " + templ + ": " + std::strerror(errno));
  }
  dir_ = templ;
  // The vendor derives the .so from the .json name, so both share one stem.
  const std::string stem = "libnpurun_aicpu";
  soPath_ = dir_ + "/" + stem + ".so";
  jsonPath_ = dir_ + "/" + stem + ".json";
  try {
    writeFile(soPath_, image, size, op);
    const std::string json = aicpuOpInfoJson(stem + ".so", kernels);
    writeFile(jsonPath_, json.data(), json.size(), op);
  } catch (...) {
    ::unlink(soPath_.c_str());
    ::rmdir(dir_.c_str());
    throw;
  }
}

StagedAicpuProgram::~StagedAicpuProgram() {
  ::unlink(jsonPath_.c_str());
  ::unlink(soPath_.c_str());
  ::rmdir(dir_.c_str());
}

}  // namespace npurun::cann
