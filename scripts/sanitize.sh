#!/usr/bin/env bash
# Builds the HAL addon with AddressSanitizer + UndefinedBehaviorSanitizer and runs the hal-native
# tests against it. The sanitizer runtimes are preloaded into node (which is not itself
# instrumented); leak checking is off because node's own exit-time allocations would drown it.
set -euo pipefail
cd "$(dirname "$0")/../packages/hal-native"
NPURUN_SANITIZE=1 node scripts/build-native.cjs
cxx=${CXX:-g++}
asan=$($cxx -print-file-name=libasan.so)
ubsan=$($cxx -print-file-name=libubsan.so)
export NPURUN_HAL_NATIVE_BINARY="$PWD/build-sanitize/Release/npurun_hal.node"
export LD_PRELOAD="$asan:$ubsan"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
echo "sanitizer build: $NPURUN_HAL_NATIVE_BINARY"
npx jest --runInBand "$@"
