#include "device/elf_image.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/elf_check.h"
#include "npurun/device_abi.h"

namespace npurun::device {

namespace {

// dlopen finds already-loaded objects by name and by file identity. Names and identities stay
// unique because each image keeps its memfd open while loaded, and the fd of an image that dlclose
// could not unload (e.g. it has STB_GNU_UNIQUE symbols) is kept open for good.
std::recursive_mutex gLoaderMutex;

}  // namespace

std::unique_ptr<ElfImage> ElfImage::tryLoad(const uint8_t* data, size_t size, std::string* reason) {
  *reason = checkHostSharedObject(data, size);
  if (!reason->empty()) return nullptr;
  std::lock_guard<std::recursive_mutex> lock(gLoaderMutex);
  const int fd = memfd_create("npurun-device-program", MFD_CLOEXEC);
  if (fd < 0) {
    *reason = std::string("memfd_create failed: ") + std::strerror(errno);
    return nullptr;
  }
  size_t written = 0;
  while (written < size) {
    const ssize_t n = write(fd, data + written, size - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      *reason = std::string("writing the image failed: ") + std::strerror(errno);
      close(fd);
      return nullptr;
    }
    written += static_cast<size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    *reason = std::string("dlopen failed: ") + (err != nullptr ? err : "unknown error");
    close(fd);
    return nullptr;
  }
  std::unique_ptr<ElfImage> image(new ElfImage(handle, fd, std::move(path)));
  const auto* version = static_cast<const uint32_t*>(image->symbol("npurun_device_abi_version"));
  if (version == nullptr) {
    *reason = "missing symbol npurun_device_abi_version (define it with NPURUN_DEVICE_PROGRAM)";
    return nullptr;
  }
  if (*version != NPURUN_DEVICE_ABI_VERSION) {
    *reason = "device ABI version " + std::to_string(*version) + ", the simulator speaks " +
              std::to_string(NPURUN_DEVICE_ABI_VERSION);
    return nullptr;
  }
  return image;
}

ElfImage::~ElfImage() {
  std::lock_guard<std::recursive_mutex> lock(gLoaderMutex);
  dlclose(handle_);
  void* still = dlopen(path_.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (still != nullptr) {
    dlclose(still);
    return;  // not unloadable: keep its fd so no later image can alias it
  }
  close(fd_);
}

void* ElfImage::symbol(const char* name) const { return dlsym(handle_, name); }

}  // namespace npurun::device
