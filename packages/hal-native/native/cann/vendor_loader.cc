#include "cann/vendor_loader.h"

#include "core/elf_check.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>

namespace npurun::cann {
namespace {

constexpr const char* kOp = "openDevice";
constexpr const char* kDefaultDriverDir = "/usr/local/Ascend/driver/lib64/driver";

struct OpenedLibrary {
  void* handle;
  std::string path;
};

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

OpenedLibrary openLibrary(const std::string& libName, const std::vector<std::string>& homes, bool isDriver) {
  std::string tried;
  for (const std::string& candidate : libraryCandidates(libName, homes, isDriver)) {
    const bool bare = candidate.find('/') == std::string::npos;
    if (!bare && !fileExists(candidate)) {
      tried += "\n  " + candidate + " (no such file)";
      continue;
    }
    // dlopen maps what the headers promise; a truncated library would be a SIGBUS, not an error.
    if (!bare) {
      const std::string unsound = checkElfFile(candidate);
      if (!unsound.empty()) {
        tried += "\n  " + candidate + ": not a loadable library: " + unsound;
        continue;
      }
    }
    // RTLD_LOCAL: the vendor's symbols stay out of the global scope, where they could collide with
    // another copy of the runtime (or a test's fake) loaded by something else in the process.
    void* handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) return {handle, candidate};
    const char* err = ::dlerror();
    tried += "\n  " + candidate + (bare ? " (dynamic loader path): " : ": ") + (err ? err : "dlopen failed");
  }
  throw HalException(ErrorCode::LibraryNotFound, kOp,
                     std::string(kOp) + ": cannot load the CANN library " + libName +
                         " (set ascendHomePath or ASCEND_HOME_PATH to the CANN install); tried:" + tried);
}

template <typename Fn>
void resolve(const OpenedLibrary& lib, const char* name, Fn& out) {
  ::dlerror();
  void* sym = ::dlsym(lib.handle, name);
  if (sym == nullptr) {
    throw HalException(ErrorCode::SymbolNotFound, kOp,
                       std::string(kOp) + ": " + lib.path + " does not export " + name +
                           ", which the cann backend needs (a CANN version without it is not supported)");
  }
  out = reinterpret_cast<Fn>(sym);
}

}  // namespace

std::vector<std::string> libraryCandidates(const std::string& libName, const std::vector<std::string>& homes,
                                           bool isDriverLibrary) {
  std::vector<std::string> out;
  for (std::string home : homes) {
    while (home.size() > 1 && home.back() == '/') home.pop_back();
    out.push_back(home + "/lib64/" + libName);
    out.push_back(home + "/runtime/lib64/" + libName);
    if (isDriverLibrary) out.push_back(home + "/driver/lib64/driver/" + libName);
  }
  if (isDriverLibrary) out.push_back(std::string(kDefaultDriverDir) + "/" + libName);
  out.push_back(libName);
  return out;
}

std::vector<std::string> ascendHomes(const OpenOptions& options) {
  std::vector<std::string> homes;
  if (!options.ascendHomePath.empty()) homes.push_back(options.ascendHomePath);
  const char* env = std::getenv("ASCEND_HOME_PATH");
  if (env != nullptr && *env != '\0' && options.ascendHomePath != env) homes.emplace_back(env);
  return homes;
}

VendorApi loadVendorApi(const OpenOptions& options, const ArchInfo& arch) {
  const std::vector<std::string> homes = ascendHomes(options);
  VendorApi api;

  // libruntime first: libascendcl depends on it, and the loader then reuses this copy.
  const OpenedLibrary rt = openLibrary("libruntime.so", homes, false);
  resolve(rt, "rtSetDevice", api.rtSetDevice);
  resolve(rt, "rtDeviceReset", api.rtDeviceReset);
  resolve(rt, "rtStreamCreate", api.rtStreamCreate);
  resolve(rt, "rtStreamDestroy", api.rtStreamDestroy);
  resolve(rt, "rtMalloc", api.rtMalloc);
  resolve(rt, "rtFree", api.rtFree);
  resolve(rt, "rtMemcpy", api.rtMemcpy);
  resolve(rt, "rtRegisterAllKernel", api.rtRegisterAllKernel);
  resolve(rt, "rtKernelLaunchWithHandleV2", api.rtKernelLaunchWithHandleV2);
  resolve(rt, "rtsBinaryLoadFromFile", api.rtsBinaryLoadFromFile);
  resolve(rt, "rtsFuncGetByName", api.rtsFuncGetByName);
  resolve(rt, "rtsLaunchCpuKernel", api.rtsLaunchCpuKernel);
  resolve(rt, "rtsBinaryUnload", api.rtsBinaryUnload);
  if (arch.hostMapping) resolve(rt, "rtGetC2cCtrlAddr", api.rtGetC2cCtrlAddr);

  const OpenedLibrary acl = openLibrary("libascendcl.so", homes, false);
  resolve(acl, "aclrtSetOpExecuteTimeOutV2", api.aclrtSetOpExecuteTimeOutV2);
  resolve(acl, "aclrtGetStreamResLimit", api.aclrtGetStreamResLimit);
  resolve(acl, "aclrtSynchronizeStreamWithTimeout", api.aclrtSynchronizeStreamWithTimeout);
  resolve(acl, "aclrtMemset", api.aclrtMemset);
  resolve(acl, "aclrtGetMemInfo", api.aclrtGetMemInfo);

  // Only a2a3 maps device memory into the host; a5 needs nothing from the driver library.
  if (arch.hostMapping) {
    const OpenedLibrary hal = openLibrary("libascend_hal.so", homes, true);
    resolve(hal, "halHostRegister", api.halHostRegister);
    resolve(hal, "halHostUnregister", api.halHostUnregister);
  }
  return api;
}

}  // namespace npurun::cann
