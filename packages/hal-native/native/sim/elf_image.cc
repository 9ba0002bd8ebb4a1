#include "sim/elf_image.h"

#include <dlfcn.h>
#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/hal_error.h"
#include "npurun/device_abi.h"

namespace npurun::sim {

namespace {

#if defined(__x86_64__)
constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kHostMachine = EM_AARCH64;
#else
#error "the simulator supports x86_64 and aarch64 hosts"
#endif

// Returns an empty string when the header is a loadable shared object for this host.
std::string checkHeader(const uint8_t* data, size_t size) {
  if (size < sizeof(Elf64_Ehdr) || std::memcmp(data, ELFMAG, SELFMAG) != 0) {
    return "not an ELF image (" + std::to_string(size) + " bytes, no ELF magic)";
  }
  Elf64_Ehdr header;
  std::memcpy(&header, data, sizeof header);
  if (header.e_ident[EI_CLASS] != ELFCLASS64) return "not a 64-bit ELF image";
  if (header.e_type != ET_DYN) return "an ELF image but not a shared object (e_type " + std::to_string(header.e_type) + ")";
  if (header.e_machine != kHostMachine) {
    return "a shared object for another machine (e_machine " + std::to_string(header.e_machine) + ")";
  }
  return "";
}

// dlopen finds already-loaded objects by name and by file identity. Names and identities stay
// unique because each image keeps its memfd open while loaded, and the fd of an image that dlclose
// could not unload (e.g. it has STB_GNU_UNIQUE symbols) is kept open for good.
std::recursive_mutex gLoaderMutex;

}  // namespace

std::unique_ptr<ElfImage> ElfImage::tryLoad(const uint8_t* data, size_t size, std::string* reason) {
  *reason = checkHeader(data, size);
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

std::unique_ptr<ElfImage> ElfImage::load(const uint8_t* data, size_t size, const char* op, const std::string& what) {
  std::string reason;
  auto image = tryLoad(data, size, &reason);
  if (image) return image;
  ErrorCode code = ErrorCode::InvalidBinary;
  if (reason.rfind("missing symbol", 0) == 0) code = ErrorCode::MissingSymbol;
  if (reason.rfind("memfd_create", 0) == 0 || reason.rfind("writing", 0) == 0) code = ErrorCode::Internal;
  throw HalException(code, op, std::string(op) + ": the " + what + " is " +
                                   (code == ErrorCode::MissingSymbol ? "missing a required entry: " : "invalid: ") +
                                   reason);
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

}  // namespace npurun::sim
