// Text formatting of fixed-size binary rows by a small program, the work behind formatRows: the
// collectors' largest export (millions of swimlane task rows) is formatted here, on a worker
// thread, instead of on the caller's event loop. The program (literals, fields, times) comes from
// the TypeScript side, which owns every record layout and file schema; this file knows only how
// numbers are printed, and prints them exactly as JavaScript does (String(n), x.toFixed(3)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace npurun::rowfmt {

// Instruction opcodes; the numbering is shared with src/row-format.ts.
enum class Op : uint32_t {
  Literal = 0,        // literal a
  Separator = 1,      // literal a before the first row of the array, literal b before every other
  U32 = 2,            // the u32 at field a
  U64 = 3,            // the u64 at field a
  SelectZero = 4,     // literal b when the i32 at field a is 0, else literal c
  Time = 5,           // the u64 device time at field a, as microseconds from the base, toFixed(3)
  Duration = 6,       // max(0, time(a) - time(b)), toFixed(3)
  Fanout = 7,         // consumes u32(field a) ids; when b != 0 prints literal c, the ids joined by
                      // literal d, literal e, and the count
};

struct Instr {
  Op op;
  uint32_t a, b, c, d, e;
};

struct Program {
  uint32_t rowBytes = 0;
  std::vector<Instr> code;
  std::vector<std::string> literals;
  uint32_t baseLow = 0;   // the time base, as two 32-bit halves
  uint32_t baseHigh = 0;
  double hz = 1;          // device clock
};

// Empty when the program is sound (opcodes known, fields inside a row, literal indices in range,
// a positive finite clock), else what is wrong.
std::string validate(const Program& program);

struct Input {
  const uint8_t* rows;
  size_t rowCount;
  const uint8_t* fanoutIds;  // u64 each, in row order
  size_t fanoutCount;
  bool first;                // the first row is the array's first
};

struct Progress {
  size_t rows = 0;       // rows formatted
  size_t bytes = 0;      // bytes written to out
  size_t fanoutIds = 0;  // fan-out ids consumed
  size_t nextRowBound = 0;  // when rows stopped short: the room the next row may need
};

// Formats whole rows into out[0, capacity) until the next row might not fit or every row is done.
// Throws std::invalid_argument when a row names more fan-out ids than are left.
Progress format(const Program& program, const Input& input, uint8_t* out, size_t capacity);

// x.toFixed(3) for a finite x >= 0, as JavaScript prints it; returns the bytes written (at most 25).
size_t fixed3(double x, uint8_t* out);

// String(n) for an unsigned 64-bit n; returns the bytes written (at most 20).
size_t decimal(uint64_t n, uint8_t* out);

}  // namespace npurun::rowfmt
