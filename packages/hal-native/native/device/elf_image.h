// ElfImage: a device program given as bytes (a host ELF shared object on the simulator), loaded
// with dlopen without leaving a file behind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace npurun::device {

class ElfImage {
 public:
  // Validates the bytes (a structurally sound ELF whose headers, segments and sections lie inside
  // it; a shared object for this host's machine), loads them and checks the
  // npurun_device_abi_version export. Reports failure as nullptr + reason; never crashes on bad bytes.
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

}  // namespace npurun::device
