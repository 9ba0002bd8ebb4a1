#!/usr/bin/env bash
# Builds the HAL addon and the simulator's device process (npurun-device) with AddressSanitizer +
# UndefinedBehaviorSanitizer and runs the hal-native tests against them, the fault corpus included.
# The sanitizer runtimes are preloaded into node (which is not itself instrumented); leak checking
# is off because node's own exit-time allocations would drown it. ASAN leaves the fatal signals to
# the device process's own handlers: turning a kernel's crash into a fault report is its job.
set -euo pipefail
cd "$(dirname "$0")/../packages/hal-native"
NPURUN_SANITIZE=1 node scripts/build-native.cjs
cxx=${CXX:-g++}
asan=$($cxx -print-file-name=libasan.so)
ubsan=$($cxx -print-file-name=libubsan.so)
export NPURUN_HAL_NATIVE_BINARY="$PWD/build-sanitize/Release/npurun_hal.node"
export LD_PRELOAD="$asan:$ubsan"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0:allow_user_segv_handler=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
echo "sanitizer build: $NPURUN_HAL_NATIVE_BINARY"
npx jest --runInBand "$@"
