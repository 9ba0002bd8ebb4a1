// The function names an ELF shared object exports, read from its dynamic symbol table without
// loading it. The AI CPU executor is an aarch64 object the host cannot dlopen, yet the vendor
// runtime must be told its kernel names up front (the op-info JSON), and hasKernel must answer
// without a device round trip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace npurun::cann {

// Defined, default- or protected-visibility, global or weak STT_FUNC symbols of a 64-bit
// little-endian ET_DYN image, in symbol-table order (the loader's _init/_fini excluded). Returns
// false with *reason set when the bytes are not such an image or a table runs past the end.
bool elfExportedFunctions(const uint8_t* image, size_t size, std::vector<std::string>* names, std::string* reason);

}  // namespace npurun::cann
