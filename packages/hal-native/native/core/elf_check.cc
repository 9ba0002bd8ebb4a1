#include "core/elf_check.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace npurun {

namespace {

#if defined(__x86_64__)
constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kHostMachine = EM_AARCH64;
#else
#error "npurun supports x86_64 and aarch64 hosts"
#endif

bool within(uint64_t offset, uint64_t length, uint64_t fileSize) {
  return offset <= fileSize && length <= fileSize - offset;
}

std::string extentError(const char* what, size_t index, uint64_t offset, uint64_t length, uint64_t fileSize) {
  return std::string(what) + " " + std::to_string(index) + " spans bytes " + std::to_string(offset) + ".." +
         std::to_string(offset + length) + " but the image has " + std::to_string(fileSize) + " (truncated?)";
}

}  // namespace

std::string checkElfStructure(uint64_t fileSize, const ElfReader& read) {
  Elf64_Ehdr eh;
  if (fileSize < sizeof eh || !read(0, sizeof eh, &eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
    return "not an ELF image (" + std::to_string(fileSize) + " bytes, no ELF magic)";
  }
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return "not a 64-bit ELF image";
  if (eh.e_phnum > 0) {
    if (eh.e_phentsize != sizeof(Elf64_Phdr)) return "bad program header entry size " + std::to_string(eh.e_phentsize);
    const uint64_t bytes = uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr);
    if (!within(eh.e_phoff, bytes, fileSize)) return extentError("the program header table", 0, eh.e_phoff, bytes, fileSize);
    std::vector<Elf64_Phdr> ph(eh.e_phnum);
    if (!read(eh.e_phoff, bytes, ph.data())) return "cannot read the program headers";
    for (size_t i = 0; i < ph.size(); ++i) {
      if (ph[i].p_type == PT_NULL) continue;
      if (!within(ph[i].p_offset, ph[i].p_filesz, fileSize)) {
        return extentError("program header", i, ph[i].p_offset, ph[i].p_filesz, fileSize);
      }
    }
  }
  if (eh.e_shnum > 0) {
    if (eh.e_shentsize != sizeof(Elf64_Shdr)) return "bad section header entry size " + std::to_string(eh.e_shentsize);
    const uint64_t bytes = uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr);
    if (!within(eh.e_shoff, bytes, fileSize)) return extentError("the section header table", 0, eh.e_shoff, bytes, fileSize);
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    if (!read(eh.e_shoff, bytes, sh.data())) return "cannot read the section headers";
    for (size_t i = 0; i < sh.size(); ++i) {
      if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_type == SHT_NULL) continue;
      if (!within(sh[i].sh_offset, sh[i].sh_size, fileSize)) {
        return extentError("section", i, sh[i].sh_offset, sh[i].sh_size, fileSize);
      }
    }
  }
  return "";
}

std::string checkElfBytes(const uint8_t* data, size_t size) {
  return checkElfStructure(size, [data, size](uint64_t offset, size_t length, void* out) {
    if (!within(offset, length, size)) return false;
    std::memcpy(out, data + offset, length);
    return true;
  });
}

std::string checkElfFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string("cannot open it: ") + std::strerror(errno);
  struct stat st {};
  std::string result;
  if (::fstat(fd, &st) != 0) {
    result = std::string("cannot stat it: ") + std::strerror(errno);
  } else {
    result = checkElfStructure(static_cast<uint64_t>(st.st_size), [fd](uint64_t offset, size_t length, void* out) {
      size_t done = 0;
      while (done < length) {
        const ssize_t n = ::pread(fd, static_cast<char*>(out) + done, length - done, static_cast<off_t>(offset + done));
        if (n <= 0) {
          if (n < 0 && errno == EINTR) continue;
          return false;
        }
        done += static_cast<size_t>(n);
      }
      return true;
    });
  }
  ::close(fd);
  return result;
}

std::string checkHostSharedObject(const uint8_t* data, size_t size) {
  std::string why = checkElfBytes(data, size);
  if (!why.empty()) return why;
  Elf64_Ehdr header;
  std::memcpy(&header, data, sizeof header);
  if (header.e_type != ET_DYN) return "an ELF image but not a shared object (e_type " + std::to_string(header.e_type) + ")";
  if (header.e_machine != kHostMachine) {
    return "a shared object for another machine (e_machine " + std::to_string(header.e_machine) + ")";
  }
  return "";
}

}  // namespace npurun
