#include "export/row_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace npurun::rowfmt {

namespace {

// Room a value may take: u32 10 digits, u64 20, a time 21 digits and ".ddd" (or 23 in exponent form).
constexpr size_t kU32Bound = 10;
constexpr size_t kU64Bound = 20;
constexpr size_t kTimeBound = 26;
// Above this, x * 1000 no longer holds a thousandth exactly enough for the fast path.
constexpr double kFastLimit = 4294967296.0 * 1000.0;

constexpr uint8_t kDigitPairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

uint32_t u32At(const uint8_t* row, uint32_t at) {
  uint32_t v;
  std::memcpy(&v, row + at, 4);
  return v;
}

// relativeMicrosAt of src/l2-swimlane/time.ts, operation for operation, so the double is the same.
double micros(const Program& p, const uint8_t* row, uint32_t at) {
  const uint32_t low = u32At(row, at);
  const uint32_t high = u32At(row, at + 4);
  if ((low == 0 && high == 0) || high < p.baseHigh || (high == p.baseHigh && low <= p.baseLow)) return 0;
  const double ticks = (static_cast<double>(high) - static_cast<double>(p.baseHigh)) * 4294967296.0 +
                       (static_cast<double>(low) - static_cast<double>(p.baseLow));
  return ticks * 1e6 / p.hz;
}

// Bytes of the field at operand a (and b, for Duration); 0 for instructions that read no field.
size_t fieldWidth(Op op) {
  switch (op) {
    case Op::U32:
    case Op::SelectZero:
    case Op::Fanout:
      return 4;
    case Op::U64:
    case Op::Time:
    case Op::Duration:
      return 8;
    default:
      return 0;
  }
}

// toFixed(3) decided on the exact value of x: glibc prints a double's exact decimal expansion
// (70 places cover every double >= 2^-17; smaller ones print as 0.000 on either side of this
// branch), and JavaScript rounds a tie up where printf would round it to even.
size_t fixed3Exact(double x, uint8_t* out) {
  char digits[400];
  const int n = std::snprintf(digits, sizeof digits, "%.70f", x);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof digits) throw std::invalid_argument("time value out of range");
  const char* point = std::strchr(digits, '.');
  const size_t intLen = static_cast<size_t>(point - digits);
  std::string kept(digits, intLen);
  kept.append(point + 1, 3);
  // Round half up at the third decimal: a fourth decimal of 5 is a tie or above it, and on a tie
  // JavaScript takes the larger.
  if (point[4] >= '5') {
    size_t i = kept.size();
    while (i > 0 && kept[i - 1] == '9') kept[--i] = '0';
    if (i == 0) {
      kept.insert(kept.begin(), '1');
    } else {
      ++kept[i - 1];
    }
  }
  const size_t whole = kept.size() - 3;
  std::memcpy(out, kept.data(), whole);
  out[whole] = '.';
  std::memcpy(out + whole + 1, kept.data() + whole, 3);
  return whole + 4;
}

}  // namespace

size_t decimal(uint64_t n, uint8_t* out) {
  size_t len = 1;
  for (uint64_t bound = 10; len < 20 && n >= bound; bound *= 10) len++;
  uint8_t* end = out + len;
  // Two digits per division, from the right.
  while (n >= 100) {
    const uint64_t q = n / 100;
    const uint32_t pair = static_cast<uint32_t>(n - q * 100) * 2;
    *--end = kDigitPairs[pair + 1];
    *--end = kDigitPairs[pair];
    n = q;
  }
  if (n >= 10) {
    *--end = kDigitPairs[2 * n + 1];
    *--end = kDigitPairs[2 * n];
  } else {
    *--end = static_cast<uint8_t>('0' + n);
  }
  return len;
}

size_t fixed3(double x, uint8_t* out) {
  const double y = x * 1000;
  if (y >= 0 && y < kFastLimit) {
    // Truncation is the floor here (y >= 0), and exact: y < 2^53.
    const uint64_t floor = static_cast<uint64_t>(y);
    const double offTie = y - static_cast<double>(floor) - 0.5;
    // The same margin as ByteOut.fixed3: y carries at most half an ulp of error.
    const double margin = y * 4.5e-16 + 1e-9;
    if (offTie > margin || offTie < -margin) {
      const uint64_t r = offTie > 0 ? floor + 1 : floor;
      const uint64_t whole = r / 1000;
      const uint32_t milli = static_cast<uint32_t>(r - whole * 1000);
      size_t len = decimal(whole, out);
      out[len] = '.';
      out[len + 1] = static_cast<uint8_t>('0' + milli / 100);
      out[len + 2] = static_cast<uint8_t>('0' + milli / 10 % 10);
      out[len + 3] = static_cast<uint8_t>('0' + milli % 10);
      return len + 4;
    }
  }
  if (!(x >= 0) || !std::isfinite(x)) throw std::invalid_argument("time value out of range");
  if (x >= 1e21) {
    // toFixed prints String(x) from 1e21 on: the shortest digits that read back as x, exponent form.
    char text[32];
    const std::to_chars_result r = std::to_chars(text, text + sizeof text, x, std::chars_format::scientific);
    const size_t len = static_cast<size_t>(r.ptr - text);
    std::memcpy(out, text, len);
    return len;
  }
  return fixed3Exact(x, out);
}

std::string validate(const Program& p) {
  if (p.rowBytes == 0) return "rowBytes must be positive";
  if (!(p.hz > 0) || !std::isfinite(p.hz)) return "the clock must be a positive finite number of Hz";
  const auto literal = [&](uint32_t i) { return i < p.literals.size(); };
  for (size_t k = 0; k < p.code.size(); k++) {
    const Instr& in = p.code[k];
    const std::string at = "instruction " + std::to_string(k) + ": ";
    switch (in.op) {
      case Op::Literal:
        if (!literal(in.a)) return at + "literal index out of range";
        break;
      case Op::Separator:
        if (!literal(in.a) || !literal(in.b)) return at + "literal index out of range";
        break;
      case Op::SelectZero:
        if (!literal(in.b) || !literal(in.c)) return at + "literal index out of range";
        break;
      case Op::Fanout:
        if (in.b != 0 && (!literal(in.c) || !literal(in.d) || !literal(in.e))) return at + "literal index out of range";
        break;
      case Op::U32:
      case Op::U64:
      case Op::Time:
        break;
      case Op::Duration:  // field a is checked below, like every instruction's first field
        if (static_cast<uint64_t>(in.b) + fieldWidth(in.op) > p.rowBytes) return at + "field outside the row";
        break;
      default:
        return at + "unknown opcode " + std::to_string(static_cast<uint32_t>(in.op));
    }
    const size_t width = fieldWidth(in.op);
    if (width > 0 && static_cast<uint64_t>(in.a) + width > p.rowBytes) return at + "field outside the row";
  }
  return "";
}

Progress format(const Program& p, const Input& input, uint8_t* out, size_t capacity) {
  // What a row may take besides its fan-out ids, what each id may take, and where rows count them.
  size_t fixedBound = 0;
  size_t idBound = 0;
  std::vector<uint32_t> fanoutCountFields;
  for (const Instr& in : p.code) {
    switch (in.op) {
      case Op::Literal: fixedBound += p.literals[in.a].size(); break;
      case Op::Separator: fixedBound += std::max(p.literals[in.a].size(), p.literals[in.b].size()); break;
      case Op::U32: fixedBound += kU32Bound; break;
      case Op::U64: fixedBound += kU64Bound; break;
      case Op::SelectZero: fixedBound += std::max(p.literals[in.b].size(), p.literals[in.c].size()); break;
      case Op::Time:
      case Op::Duration: fixedBound += kTimeBound; break;
      case Op::Fanout:
        fanoutCountFields.push_back(in.a);
        if (in.b != 0) {
          fixedBound += p.literals[in.c].size() + p.literals[in.e].size() + kU32Bound;
          idBound += kU64Bound + p.literals[in.d].size();
        }
        break;
    }
  }
  Progress done;
  size_t pos = 0;
  const auto put = [&](const std::string& s) {
    std::memcpy(out + pos, s.data(), s.size());
    pos += s.size();
  };
  for (size_t r = 0; r < input.rowCount; r++) {
    const uint8_t* row = input.rows + r * p.rowBytes;
    size_t ids = 0;
    for (uint32_t field : fanoutCountFields) ids += u32At(row, field);
    if (ids > input.fanoutCount - done.fanoutIds) {
      throw std::invalid_argument("row " + std::to_string(r) + " names " + std::to_string(ids) + " fan-out ids, " +
                                  std::to_string(input.fanoutCount - done.fanoutIds) + " are left");
    }
    if (pos + fixedBound + ids * idBound > capacity) {
      done.nextRowBound = fixedBound + ids * idBound;
      break;
    }
    const bool first = input.first && r == 0;
    for (const Instr& in : p.code) {
      switch (in.op) {
        case Op::Literal: put(p.literals[in.a]); break;
        case Op::Separator: put(p.literals[first ? in.a : in.b]); break;
        case Op::U32: pos += decimal(u32At(row, in.a), out + pos); break;
        case Op::U64: {
          const uint64_t v = static_cast<uint64_t>(u32At(row, in.a + 4)) << 32 | u32At(row, in.a);
          pos += decimal(v, out + pos);
          break;
        }
        case Op::SelectZero: put(p.literals[static_cast<int32_t>(u32At(row, in.a)) == 0 ? in.b : in.c]); break;
        case Op::Time: pos += fixed3(micros(p, row, in.a), out + pos); break;
        case Op::Duration: pos += fixed3(std::max(0.0, micros(p, row, in.a) - micros(p, row, in.b)), out + pos); break;
        case Op::Fanout: {
          const uint32_t count = u32At(row, in.a);
          if (in.b != 0) {
            put(p.literals[in.c]);
            for (uint32_t i = 0; i < count; i++) {
              if (i > 0) put(p.literals[in.d]);
              uint64_t id;
              std::memcpy(&id, input.fanoutIds + 8 * (done.fanoutIds + i), 8);
              pos += decimal(id, out + pos);
            }
            put(p.literals[in.e]);
            pos += decimal(count, out + pos);
          }
          done.fanoutIds += count;
          break;
        }
      }
    }
    done.rows++;
    done.bytes = pos;
  }
  return done;
}

}  // namespace npurun::rowfmt
