// ElfImage: a device program given as bytes (a host ELF shared object on the simulator), loaded
// with dlopen without leaving a file behind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace npurun::sim {

class ElfImage {
 public:
  // Validates the bytes (ELF, shared object, this host's machine), loads them and checks the
  // npurun_device_abi_version export. `what` names the image in errors ("AI Core executor binary").
  static std::unique_ptr<ElfImage> load(const uint8_t* data, size_t size, const char* op, const std::string& what);
  // Same checks, but reports failure as nullptr + reason instead of throwing (device-side services).
  static std::unique_ptr<ElfImage> tryLoad(const uint8_t* data, size_t size, std::string* reason);

  ~ElfImage();
  ElfImage(const ElfImage&) = delete;
  ElfImage& operator=(const ElfImage&) = delete;

  void* symbol(const char* name) const;  // nullptr when absent

 private:
  ElfImage(void* handle, int fd, std::string path) : handle_(handle), fd_(fd), path_(std::move(path)) {}
  void* handle_;
  int fd_;
  std::string path_;
};

}  // namespace npurun::sim
