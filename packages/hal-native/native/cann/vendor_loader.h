// Finding and opening the vendor libraries at run time, so the addon builds and installs without
// CANN. Every symbol the backend will ever call is resolved here, at open: a device that opened is
// never left half-usable by a symbol that turns out to be missing at the first launch.
#pragma once

#include <string>
#include <vector>

#include "cann/vendor_api.h"
#include "core/backend.h"

namespace npurun::cann {

// Where one library is looked for, in order: each home's lib64 and runtime/lib64 (and, for the
// driver's libascend_hal.so, driver/lib64/driver), then the driver's default install directory,
// then the bare name for the dynamic loader's own search. Pure, so the order is testable.
std::vector<std::string> libraryCandidates(const std::string& libName, const std::vector<std::string>& homes,
                                           bool isDriverLibrary);

// The homes to search: options.ascendHomePath (when set), then $ASCEND_HOME_PATH (when set).
std::vector<std::string> ascendHomes(const OpenOptions& options);

// Opens libruntime.so and libascendcl.so (and libascend_hal.so when the arch maps device memory
// into the host) and resolves every entry point of VendorApi the arch uses. Throws
// LibraryNotFound naming the library and every place it looked, or SymbolNotFound naming the
// symbol and the file that lacks it. The libraries stay loaded for the life of the process, as
// the vendor runtime keeps threads and global state that do not survive an unload.
VendorApi loadVendorApi(const OpenOptions& options, const ArchInfo& arch);

}  // namespace npurun::cann
