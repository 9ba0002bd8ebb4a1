// Staging an AI CPU executor program for the vendor loader. rtsBinaryLoadFromFile in cpuKernelMode 1
// reads an op-info JSON and loads the same-named .so beside it, so the image bytes are written to a
// private directory next to a JSON that declares one op per exported kernel. This replaces the
// upstream runner's KFC bootstrap (a dispatcher SO that installs the executor on the device's filesystem),
// which needs a second device program npurun does not have; see docs/hardware.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace npurun::cann {

// The op-info JSON: {"<kernel>": {"opInfo": {"functionName": "<kernel>", "kernelSo": "<so>", ...}}, ...}
// with the fields the upstream runner writes. Kernel names must be C identifiers (no escaping needed).
std::string aicpuOpInfoJson(const std::string& soBasename, const std::vector<std::string>& kernels);

// True for names that can be a C kernel symbol, which is all the JSON may carry unescaped.
bool isKernelIdentifier(const std::string& name);

// A private temporary directory holding <stem>.so and <stem>.json; removed with its files when
// destroyed. Throws HalException(Internal, op) when the directory or a file cannot be written.
class StagedAicpuProgram {
 public:
  StagedAicpuProgram(const uint8_t* image, size_t size, const std::vector<std::string>& kernels, const char* op);
  ~StagedAicpuProgram();
  StagedAicpuProgram(const StagedAicpuProgram&) = delete;
  StagedAicpuProgram& operator=(const StagedAicpuProgram&) = delete;

  const std::string& jsonPath() const { return jsonPath_; }

 private:
  std::string dir_;
  std::string soPath_;
  std::string jsonPath_;
};

}  // namespace npurun::cann
