/** C identifiers: deriving member names from JavaScript keys, and checking names are usable in C and C++. */

// Keywords of C11 and C++17: a member or struct named after one would not compile in one of them.
const RESERVED = new Set(
  (
    'alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t class compl const ' +
    'const_cast constexpr continue decltype default delete do double dynamic_cast else enum explicit export extern ' +
    'false float for friend goto if inline int long mutable namespace new noexcept not not_eq nullptr operator or ' +
    'or_eq private protected public register reinterpret_cast restrict return short signed sizeof static ' +
    'static_assert static_cast struct switch template this thread_local throw true try typedef typeid typename ' +
    'union unsigned using virtual void volatile wchar_t while xor xor_eq _Alignas _Alignof _Atomic _Bool _Complex ' +
    '_Generic _Imaginary _Noreturn _Static_assert _Thread_local'
  ).split(' '),
);

/**
 * Converts a camelCase key to snake_case: `l2PerfDataBase` → `l2_perf_data_base`,
 * `aicoreL2PerfRingAddrs` → `aicore_l2_perf_ring_addrs`, `HTTPServer` → `http_server`.
 * Keys that are already snake_case come back unchanged.
 */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Why `name` cannot be a C/C++ identifier, or `undefined` when it can. */
export function cIdentifierProblem(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return 'is not a C identifier';
  if (RESERVED.has(name)) return 'is a C or C++ keyword';
  return undefined;
}
