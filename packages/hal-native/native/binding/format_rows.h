// formatRows: the binding of export/row_format, formatting on a libuv worker thread.
#pragma once

#include <napi.h>

namespace npurun::binding {

// formatRows(program, rows, fanoutIds, first, out) -> Promise<[rows, bytes, fanoutIds, nextRowBound]>
Napi::Value formatRows(const Napi::CallbackInfo& info);

}  // namespace npurun::binding
