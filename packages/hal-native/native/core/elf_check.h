// Structural checks of an ELF image before anything maps or loads it. dlopen trusts the file: a
// program header or section that points past the end of a truncated image makes the loader touch
// pages that do not exist (SIGBUS) instead of failing. These checks find that first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace npurun {

// Reads `size` bytes at `offset` into `out`; false when the range cannot be read.
using ElfReader = std::function<bool(uint64_t offset, size_t size, void* out)>;

// Checks a 64-bit ELF of `fileSize` bytes: magic and class, the program and section header tables
// and every segment and section they describe lie inside the file. Returns "" when sound, else why not.
std::string checkElfStructure(uint64_t fileSize, const ElfReader& read);

// The same over bytes in memory.
std::string checkElfBytes(const uint8_t* data, size_t size);

// The same over a file on disk (reads only the headers).
std::string checkElfFile(const std::string& path);

// Checks that a sound ELF is a shared object for this host's machine. Returns "" or why not.
std::string checkHostSharedObject(const uint8_t* data, size_t size);

}  // namespace npurun
