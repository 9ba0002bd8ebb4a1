#include "binding/format_rows.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "binding/addon_data.h"
#include "binding/args.h"
#include "core/hal_error.h"
#include "export/row_format.h"

namespace npurun::binding {

namespace {

constexpr const char* kOp = "formatRows";
constexpr uint32_t kWordsPerInstr = 6;

HalException invalid(const std::string& what) {
  return HalException(ErrorCode::InvalidArgument, kOp, std::string(kOp) + ": " + what);
}

rowfmt::Program toProgram(const Napi::Value& value) {
  if (!value.IsObject()) throw invalid("program must be an object");
  const Napi::Object o = value.As<Napi::Object>();
  rowfmt::Program p;
  p.rowBytes = toUint32(o.Get("rowBytes"), kOp, "program.rowBytes", 1, UINT32_MAX);
  p.baseLow = toUint32(o.Get("baseLow"), kOp, "program.baseLow", 0, UINT32_MAX);
  p.baseHigh = toUint32(o.Get("baseHigh"), kOp, "program.baseHigh", 0, UINT32_MAX);
  const Napi::Value hz = o.Get("hz");
  if (!hz.IsNumber()) throw invalid("program.hz must be a number");
  p.hz = hz.As<Napi::Number>().DoubleValue();
  const Napi::Value code = o.Get("code");
  if (!code.IsTypedArray() || code.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throw invalid("program.code must be a Uint32Array");
  }
  const Napi::Uint32Array words = code.As<Napi::Uint32Array>();
  if (words.ElementLength() % kWordsPerInstr != 0) throw invalid("program.code must hold 6 words per instruction");
  for (size_t i = 0; i < words.ElementLength(); i += kWordsPerInstr) {
    p.code.push_back({static_cast<rowfmt::Op>(words[i]), words[i + 1], words[i + 2], words[i + 3], words[i + 4], words[i + 5]});
  }
  const Napi::Value literals = o.Get("literals");
  if (!literals.IsArray()) throw invalid("program.literals must be an array of strings");
  const Napi::Array list = literals.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    const Napi::Value l = list.Get(i);
    if (!l.IsString()) throw invalid("program.literals[" + std::to_string(i) + "] must be a string");
    p.literals.push_back(l.As<Napi::String>().Utf8Value());
  }
  const std::string problem = rowfmt::validate(p);
  if (!problem.empty()) throw invalid("program: " + problem);
  return p;
}

// Formats on a libuv worker thread. The views stay referenced until the promise settles; the
// caller must not write to them meanwhile (the collectors' exporter awaits every call).
class FormatRowsWorker : public Napi::AsyncWorker {
 public:
  FormatRowsWorker(Napi::Env env, rowfmt::Program program, Napi::Object rows, Napi::Object fanout, Napi::Object out,
                   Bytes rowBytes, Bytes fanoutBytes, Bytes outBytes, bool first)
      : Napi::AsyncWorker(env, "npurun.formatRows"),
        deferred_(Napi::Promise::Deferred::New(env)),
        program_(std::move(program)),
        rowsRef_(Napi::Persistent(rows)),
        fanoutRef_(Napi::Persistent(fanout)),
        outRef_(Napi::Persistent(out)),
        input_{rowBytes.data, rowBytes.size / program_.rowBytes, fanoutBytes.data, fanoutBytes.size / 8, first},
        out_(outBytes) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      progress_ = rowfmt::format(program_, input_, out_.data, out_.size);
    } catch (const std::invalid_argument& e) {
      fail(invalid(e.what()));  // the rows: more fan-out ids named than given
    } catch (const std::exception&) {
      fail(handledAsHalException(kOp));
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array result = Napi::Array::New(env, 4);
    result.Set(0u, Napi::Number::New(env, static_cast<double>(progress_.rows)));
    result.Set(1u, Napi::Number::New(env, static_cast<double>(progress_.bytes)));
    result.Set(2u, Napi::Number::New(env, static_cast<double>(progress_.fanoutIds)));
    result.Set(3u, Napi::Number::New(env, static_cast<double>(progress_.nextRowBound)));
    deferred_.Resolve(result);
  }
  void OnError(const Napi::Error&) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(toJsError(Env(), *failure_).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  rowfmt::Program program_;
  Napi::ObjectReference rowsRef_;
  Napi::ObjectReference fanoutRef_;
  Napi::ObjectReference outRef_;
  rowfmt::Input input_;
  Bytes out_;
  rowfmt::Progress progress_;
  std::unique_ptr<HalException> failure_;

  void fail(const HalException& e) {
    failure_ = std::make_unique<HalException>(e);
    SetError(e.what());
  }
};

}  // namespace

Napi::Value formatRows(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), kOp, [&]() -> Napi::Value {
    rowfmt::Program program = toProgram(info[0]);
    const Bytes rows = toView(info[1], kOp, "rows");
    const Bytes fanout = toView(info[2], kOp, "fanoutIds");
    if (!info[3].IsBoolean()) throw invalid("first must be a boolean");
    const Bytes out = toView(info[4], kOp, "out");
    if (rows.size % program.rowBytes != 0) {
      throw invalid("rows holds " + std::to_string(rows.size) + " bytes, not a whole number of " +
                    std::to_string(program.rowBytes) + "-byte rows");
    }
    if (fanout.size % 8 != 0) throw invalid("fanoutIds must hold whole u64 ids");
    auto* worker = new FormatRowsWorker(info.Env(), std::move(program), info[1].As<Napi::Object>(), info[2].As<Napi::Object>(),
                                        info[4].As<Napi::Object>(), rows, fanout, out, info[3].As<Napi::Boolean>().Value());
    Napi::Promise promise = worker->promise();
    worker->Queue();
    return promise;
  });
}

}  // namespace npurun::binding
