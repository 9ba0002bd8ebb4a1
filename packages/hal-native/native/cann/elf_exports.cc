#include "cann/elf_exports.h"

#include <elf.h>

#include <cstring>

namespace npurun::cann {
namespace {

bool fail(std::string* reason, const char* why) {
  *reason = why;
  return false;
}

bool inRange(uint64_t offset, uint64_t length, size_t size) { return offset <= size && length <= size - offset; }

}  // namespace

bool elfExportedFunctions(const uint8_t* image, size_t size, std::vector<std::string>* names, std::string* reason) {
  names->clear();
  if (size < sizeof(Elf64_Ehdr) || std::memcmp(image, ELFMAG, SELFMAG) != 0) {
    return fail(reason, "not an ELF image (bad magic or shorter than an ELF header)");
  }
  if (image[EI_CLASS] != ELFCLASS64 || image[EI_DATA] != ELFDATA2LSB) {
    return fail(reason, "not a 64-bit little-endian ELF image");
  }
  Elf64_Ehdr eh;
  std::memcpy(&eh, image, sizeof eh);
  if (eh.e_type != ET_DYN) return fail(reason, "not an ELF shared object (e_type is not ET_DYN)");
  if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
      !inRange(eh.e_shoff, uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr), size)) {
    return fail(reason, "ELF section header table is missing or runs past the end of the image");
  }
  auto section = [&](size_t i) {
    Elf64_Shdr sh;
    std::memcpy(&sh, image + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof sh);
    return sh;
  };
  for (size_t i = 0; i < eh.e_shnum; ++i) {
    const Elf64_Shdr sh = section(i);
    if (sh.sh_type != SHT_DYNSYM) continue;
    if (sh.sh_entsize != sizeof(Elf64_Sym) || !inRange(sh.sh_offset, sh.sh_size, size) || sh.sh_link >= eh.e_shnum) {
      return fail(reason, "ELF dynamic symbol table is malformed");
    }
    const Elf64_Shdr strtab = section(sh.sh_link);
    if (!inRange(strtab.sh_offset, strtab.sh_size, size)) return fail(reason, "ELF string table runs past the end");
    const char* strings = reinterpret_cast<const char*>(image + strtab.sh_offset);
    for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= sh.sh_size; off += sizeof(Elf64_Sym)) {
      Elf64_Sym sym;
      std::memcpy(&sym, image + sh.sh_offset + off, sizeof sym);
      const unsigned bind = ELF64_ST_BIND(sym.st_info);
      const unsigned vis = ELF64_ST_VISIBILITY(sym.st_other);
      if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF) continue;
      if ((bind != STB_GLOBAL && bind != STB_WEAK) || (vis != STV_DEFAULT && vis != STV_PROTECTED)) continue;
      if (sym.st_name >= strtab.sh_size) return fail(reason, "ELF symbol name runs past its string table");
      const size_t maxLen = strtab.sh_size - sym.st_name;
      const size_t len = strnlen(strings + sym.st_name, maxLen);
      if (len == maxLen) return fail(reason, "ELF symbol name is not terminated");
      std::string name(strings + sym.st_name, len);
      if (name == "_init" || name == "_fini") continue;
      names->push_back(std::move(name));
    }
    return true;
  }
  return fail(reason, "ELF shared object has no dynamic symbol table");
}

}  // namespace npurun::cann
