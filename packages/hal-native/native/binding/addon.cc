// The N-API binding: validates arguments (binding/args), calls the Backend, and turns every
// HalException into the JS HalError class (registered by src/native.ts at load). It holds no
// policy: what users see is typed TypeScript in src/.
#include <napi.h>

#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include "binding/addon_data.h"
#include "binding/args.h"
#include "binding/format_rows.h"
#include "binding/stream_waiter.h"
#include "core/backend.h"
#include "core/elf_check.h"

namespace npurun::binding {

Napi::Error toJsError(Napi::Env env, const HalException& e) {
  auto* data = env.GetInstanceData<AddonData>();
  Napi::Object details = Napi::Object::New(env);
  details.Set("code", errorCodeName(e.code()));
  details.Set("op", e.op());
  if (e.backendCode()) details.Set("backendCode", Napi::Number::New(env, static_cast<double>(*e.backendCode())));
  if (data == nullptr || data->halErrorClass.IsEmpty()) {
    Napi::Error err = Napi::Error::New(env, e.what());
    err.Set("code", errorCodeName(e.code()));
    return err;
  }
  Napi::Value obj = data->halErrorClass.New({Napi::String::New(env, e.what()), details});
  return Napi::Error(env, obj);
}

namespace {

class SynchronizeWorker : public Napi::AsyncWorker {
 public:
  SynchronizeWorker(Napi::Env env, std::shared_ptr<Backend> backend, StreamId stream, uint32_t timeoutMs)
      : Napi::AsyncWorker(env, "npurun.synchronize"),
        deferred_(Napi::Promise::Deferred::New(env)),
        backend_(std::move(backend)),
        stream_(stream),
        timeoutMs_(timeoutMs) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      backend_->synchronize(stream_, timeoutMs_);
    } catch (const std::exception&) {
      failure_ = std::make_unique<HalException>(handledAsHalException("synchronize"));
      SetError(failure_->what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error&) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(toJsError(Env(), *failure_).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Backend> backend_;  // keeps the backend alive if the device is closed meanwhile
  StreamId stream_;
  uint32_t timeoutMs_;
  std::unique_ptr<HalException> failure_;
};

// The rejection of synchronizeStreams: the HalError of the first failure (in the order the
// streams were given) plus `stream`, the id whose failure it is, and `timedOut`, the ids of every
// stream that missed the deadline (their work may still run, which callers must know before they
// free memory) whatever failed first.
Napi::Value streamsFailure(Napi::Env env, const std::vector<StreamSyncFailure>& failures) {
  Napi::Error error = toJsError(env, failures.front().error);
  error.Set("stream", Napi::Number::New(env, failures.front().stream));
  Napi::Array timedOut = Napi::Array::New(env);
  for (const StreamSyncFailure& f : failures) {
    if (f.error.code() == ErrorCode::SyncTimeout) timedOut.Set(timedOut.Length(), Napi::Number::New(env, f.stream));
  }
  error.Set("timedOut", timedOut);
  return error.Value();
}

// Waits for streams on a worker thread (for backends without a progress descriptor: the vendor
// runtime), then settles on the JS thread like StreamWaiter does.
class StreamsWaitWorker : public Napi::AsyncWorker {
 public:
  StreamsWaitWorker(Napi::Env env, std::shared_ptr<Backend> backend, std::vector<StreamId> streams, uint32_t timeoutMs,
                    StreamWaiter::Settle settle)
      : Napi::AsyncWorker(env, "npurun.synchronizeStreams"),
        backend_(std::move(backend)),
        streams_(std::move(streams)),
        timeoutMs_(timeoutMs),
        settle_(std::move(settle)) {}

 protected:
  void Execute() override {
    // synchronizeStreams reports stream failures as data; only a host failure (allocation) throws.
    try {
      failures_ = backend_->synchronizeStreams(streams_, timeoutMs_);
    } catch (const std::exception&) {
      failures_ = {StreamSyncFailure{streams_.front(), handledAsHalException("synchronizeStreams")}};
    }
  }
  void OnOK() override {
    Napi::HandleScope scope(Env());
    settle_(Env(), failures_);
  }

 private:
  std::shared_ptr<Backend> backend_;  // keeps the backend alive if the device is closed meanwhile
  std::vector<StreamId> streams_;
  uint32_t timeoutMs_;
  StreamWaiter::Settle settle_;
  std::vector<StreamSyncFailure> failures_;
};

constexpr uint32_t kMaxHandle = 0x7fffffff;
// More streams than any runner waits for at once; the bound keeps a bad argument cheap to refuse.
constexpr uint32_t kMaxStreamsPerWait = 1024;

class NativeDevice : public Napi::ObjectWrap<NativeDevice> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeDevice",
                       {
                           InstanceMethod<&NativeDevice::properties>("properties"),
                           InstanceMethod<&NativeDevice::malloc>("malloc"),
                           InstanceMethod<&NativeDevice::free>("free"),
                           InstanceMethod<&NativeDevice::memset>("memset"),
                           InstanceMethod<&NativeDevice::copyToDevice>("copyToDevice"),
                           InstanceMethod<&NativeDevice::copyFromDevice>("copyFromDevice"),
                           InstanceMethod<&NativeDevice::memoryUsage>("memoryUsage"),
                           InstanceMethod<&NativeDevice::createStream>("createStream"),
                           InstanceMethod<&NativeDevice::destroyStream>("destroyStream"),
                           InstanceMethod<&NativeDevice::synchronize>("synchronize"),
                           InstanceMethod<&NativeDevice::synchronizeStreams>("synchronizeStreams"),
                           InstanceMethod<&NativeDevice::registerAicoreBinary>("registerAicoreBinary"),
                           InstanceMethod<&NativeDevice::loadAicpuProgram>("loadAicpuProgram"),
                           InstanceMethod<&NativeDevice::aicpuProgramHasKernel>("aicpuProgramHasKernel"),
                           InstanceMethod<&NativeDevice::launchAicore>("launchAicore"),
                           InstanceMethod<&NativeDevice::launchAicpu>("launchAicpu"),
                           InstanceMethod<&NativeDevice::submitRun>("submitRun"),
                           InstanceMethod<&NativeDevice::mapToHost>("mapToHost"),
                           InstanceMethod<&NativeDevice::unmapFromHost>("unmapFromHost"),
                           InstanceMethod<&NativeDevice::reset>("reset"),
                           InstanceMethod<&NativeDevice::close>("close"),
                           InstanceMethod<&NativeDevice::noop>("noop"),
                       });
  }

  // new NativeDevice({ platform, deviceId, simMemoryBytes, ascendHomePath })
  explicit NativeDevice(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeDevice>(info) {
    guarded(info.Env(), "openDevice", [&]() -> Napi::Value {
      if (info.Length() < 1 || !info[0].IsObject()) {
        throw HalException(ErrorCode::InvalidArgument, "openDevice", "openDevice: options must be an object");
      }
      Napi::Object o = info[0].As<Napi::Object>();
      OpenOptions options;
      options.platform = toString(o.Get("platform"), "openDevice", "platform");
      options.deviceId = toInt32(o.Get("deviceId"), "openDevice", "deviceId", 0, 1023);
      options.simMemoryBytes = toSize(o.Get("simMemoryBytes"), "openDevice", "sim.memoryBytes");
      if (options.simMemoryBytes < (1ull << 20) || options.simMemoryBytes > (1ull << 40)) {
        throw HalException(ErrorCode::InvalidArgument, "openDevice",
                           "openDevice: sim.memoryBytes must be in [1 MiB, 1 TiB], got " +
                               std::to_string(options.simMemoryBytes));
      }
      Napi::Value home = o.Get("ascendHomePath");
      if (!home.IsUndefined()) options.ascendHomePath = toString(home, "openDevice", "ascendHomePath");
      backend_ = openBackend(options);
      return info.Env().Undefined();
    });
  }

 private:
  Backend& live(const char* op) {
    if (!backend_) {
      throw HalException(ErrorCode::DeviceClosed, op, std::string(op) + ": the device was closed");
    }
    return *backend_;
  }

  Napi::Value properties(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "properties", [&]() -> Napi::Value {
      const DeviceProps& p = live("properties").props();
      Napi::Env env = info.Env();
      Napi::Object o = Napi::Object::New(env);
      o.Set("platform", p.platform);
      o.Set("arch", p.arch->arch);
      o.Set("simulated", p.simulated);
      o.Set("deviceId", p.deviceId);
      o.Set("cubeCores", p.cubeCores);
      o.Set("vectorCores", p.vectorCores);
      o.Set("maxBlockDim", p.maxBlockDim);
      o.Set("aicpuSchedulerThreads", p.arch->aicpuSchedulerThreads);
      o.Set("aicpuLaunchThreads", p.arch->aicpuLaunchThreads);
      o.Set("memoryBytes", Napi::BigInt::New(env, p.memoryBytes));
      o.Set("allocationAlignment", p.allocationAlignment);
      o.Set("timestampHz", static_cast<double>(p.arch->timestampHz));
      o.Set("pmuCounters", p.arch->pmuCounters);
      o.Set("hostMapping", p.arch->hostMapping);
      o.Set("fftsBaseAddr", Napi::BigInt::New(env, p.fftsBaseAddr));
      return o;
    });
  }

  Napi::Value malloc(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "malloc", [&]() -> Napi::Value {
      const uint64_t size = toSize(info[0], "malloc", "size");
      return fromAddress(info.Env(), live("malloc").malloc(size));
    });
  }

  Napi::Value free(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "free", [&]() -> Napi::Value {
      const uint64_t addr = toAddress(info[0], "free", "addr");
      live("free").free(addr);
      return info.Env().Undefined();
    });
  }

  Napi::Value memset(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "memset", [&]() -> Napi::Value {
      const uint64_t addr = toAddress(info[0], "memset", "addr");
      const uint32_t value = toUint32(info[1], "memset", "value", 0, 255);
      const uint64_t size = toSize(info[2], "memset", "size");
      live("memset").memset(addr, static_cast<uint8_t>(value), size);
      return info.Env().Undefined();
    });
  }

  Napi::Value copyToDevice(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "copyToDevice", [&]() -> Napi::Value {
      const uint64_t dst = toAddress(info[0], "copyToDevice", "dst");
      const Bytes src = toView(info[1], "copyToDevice", "src");
      live("copyToDevice").copyToDevice(dst, src.data, src.size);
      return info.Env().Undefined();
    });
  }

  Napi::Value copyFromDevice(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "copyFromDevice", [&]() -> Napi::Value {
      const Bytes dst = toView(info[0], "copyFromDevice", "dst");
      const uint64_t src = toAddress(info[1], "copyFromDevice", "src");
      live("copyFromDevice").copyFromDevice(dst.data, src, dst.size);
      return info.Env().Undefined();
    });
  }

  Napi::Value memoryUsage(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "memoryUsage", [&]() -> Napi::Value {
      const MemoryUsage u = live("memoryUsage").memoryUsage();
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("liveBytes", Napi::BigInt::New(info.Env(), u.liveBytes));
      o.Set("liveAllocations", static_cast<double>(u.liveAllocations));
      return o;
    });
  }

  Napi::Value createStream(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "createStream", [&]() -> Napi::Value {
      return Napi::Number::New(info.Env(), live("createStream").createStream());
    });
  }

  Napi::Value destroyStream(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "destroyStream", [&]() -> Napi::Value {
      const uint32_t id = toUint32(info[0], "destroyStream", "stream", 0, kMaxHandle);
      live("destroyStream").destroyStream(id);
      return info.Env().Undefined();
    });
  }

  Napi::Value synchronize(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "synchronize", [&]() -> Napi::Value {
      const uint32_t id = toUint32(info[0], "synchronize", "stream", 0, kMaxHandle);
      const uint32_t timeoutMs = toUint32(info[1], "synchronize", "timeoutMs", 0, 24u * 3600u * 1000u);
      live("synchronize");
      if (StreamWaiter* waiter = eventLoopWaiter(info.Env())) {
        Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(info.Env());
        waiter->wait({id}, timeoutMs, [deferred](Napi::Env env, const std::vector<StreamSyncFailure>& failures) {
          if (failures.empty()) {
            deferred.Resolve(env.Undefined());
          } else {
            deferred.Reject(toJsError(env, failures.front().error).Value());
          }
        });
        return deferred.Promise();
      }
      auto* worker = new SynchronizeWorker(info.Env(), backend_, id, timeoutMs);
      Napi::Promise promise = worker->promise();
      worker->Queue();
      return promise;
    });
  }

  // synchronizeStreams([ids], timeoutMs): one worker waits for every stream in turn. Streams that
  // are already idle resolve on the JS thread: no worker round trip for a wait with nothing to do.
  Napi::Value synchronizeStreams(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "synchronizeStreams", [&]() -> Napi::Value {
      if (!info[0].IsArray()) {
        throw HalException(ErrorCode::InvalidArgument, "synchronizeStreams",
                           "synchronizeStreams: streams must be an array of stream ids");
      }
      Napi::Array list = info[0].As<Napi::Array>();
      const uint32_t count = list.Length();
      if (count > kMaxStreamsPerWait) {
        throw HalException(ErrorCode::InvalidArgument, "synchronizeStreams",
                           "synchronizeStreams: at most " + std::to_string(kMaxStreamsPerWait) + " streams per call, got " +
                               std::to_string(count));
      }
      std::vector<StreamId> ids;
      ids.reserve(count);
      for (uint32_t i = 0; i < count; ++i) {
        const Napi::Value v = list.Get(i);
        const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
        if (d >= 0 && d <= kMaxHandle && d == std::floor(d)) {
          ids.push_back(static_cast<StreamId>(d));
          continue;
        }
        // Named only off the fast path: toUint32 refuses the value with the element's index.
        const std::string name = "streams[" + std::to_string(i) + "]";
        ids.push_back(toUint32(v, "synchronizeStreams", name.c_str(), 0, kMaxHandle));
      }
      const uint32_t timeoutMs = toUint32(info[1], "synchronizeStreams", "timeoutMs", 0, 24u * 3600u * 1000u);
      Backend& backend = live("synchronizeStreams");
      if (ids.empty() || backend.streamsIdle(ids)) {
        Napi::Promise::Deferred done = Napi::Promise::Deferred::New(info.Env());
        done.Resolve(info.Env().Undefined());
        return done.Promise();
      }
      Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(info.Env());
      waitForStreams(info.Env(), std::move(ids), timeoutMs, [deferred](Napi::Env env, const std::vector<StreamSyncFailure>& failures) {
        if (failures.empty()) {
          deferred.Resolve(env.Undefined());
        } else {
          deferred.Reject(streamsFailure(env, failures));
        }
      });
      return deferred.Promise();
    });
  }

  // submitRun(aicpuStream, program, initKernel, runKernel, aicpuThreads, kernelArgs, kernelArgsAddr,
  //           uploadBeforeAicpu, aicoreStream, binary, blockDim, timeoutMs, deviceWallAddr, uploads)
  // One run's device work in one call: makes the run's uploads (`uploads`: address, bytes, …, in
  // order), uploads the KernelArgs copy and launches (Backend::launchRun),
  // waits for what launched under one deadline, then reads the 8-byte device wall. Resolves with the
  // wall (a BigInt); rejects with a HalError whose `phase` says which step failed: "launch" (with
  // `launched`, the stream ids already running, and `waitError` when waiting for them failed too),
  // "wait" (a synchronizeStreams rejection: `stream`, `timedOut`) or "read".
  Napi::Value submitRun(const Napi::CallbackInfo& info) {
    const char* op = "submitRun";
    return guarded(info.Env(), op, [&]() -> Napi::Value {
      Napi::Env env = info.Env();
      RunLaunch run;
      run.aicpuStream = toUint32(info[0], op, "aicpu.stream", 0, kMaxHandle);
      run.program = toUint32(info[1], op, "aicpu.program", 0, kMaxHandle);
      run.initKernel = toString(info[2], op, "aicpu.initKernel");
      run.runKernel = toString(info[3], op, "aicpu.runKernel");
      run.aicpuThreads = toUint32(info[4], op, "aicpu.threads", 0, kMaxHandle);
      const Bytes kernelArgs = toView(info[5], op, "kernelArgs");
      run.kernelArgs = kernelArgs.data;
      run.kernelArgsSize = kernelArgs.size;
      run.kernelArgsAddr = toAddress(info[6], op, "kernelArgsAddr");
      run.uploadBeforeAicpu = info[7].ToBoolean().Value();
      run.aicoreStream = toUint32(info[8], op, "aicore.stream", 0, kMaxHandle);
      run.binary = toUint32(info[9], op, "aicore.binary", 0, kMaxHandle);
      run.blockDim = toUint32(info[10], op, "aicore.blockDim", 0, kMaxHandle);
      const uint32_t timeoutMs = toUint32(info[11], op, "timeoutMs", 0, 24u * 3600u * 1000u);
      const uint64_t wallAddr = toAddress(info[12], op, "deviceWallAddr");
      if (!info[13].IsArray()) throw HalException(ErrorCode::InvalidArgument, op, std::string(op) + ": uploads must be an array");
      const Napi::Array flat = info[13].As<Napi::Array>();
      if (flat.Length() % 2 != 0) {
        throw HalException(ErrorCode::InvalidArgument, op, std::string(op) + ": uploads must hold address, bytes pairs (got " + std::to_string(flat.Length()) + " elements)");
      }
      const uint32_t uploadCount = flat.Length() / 2;
      std::vector<std::pair<uint64_t, Bytes>> uploads;
      uploads.reserve(uploadCount);
      for (uint32_t i = 0; i < uploadCount; ++i) {
        uploads.emplace_back(toAddress(flat.Get(2 * i), op, "uploads[].addr"), toView(flat.Get(2 * i + 1), op, "uploads[].bytes"));
      }
      Backend& backend = live(op);

      std::vector<StreamId> launched;
      std::shared_ptr<HalException> launchError;
      try {
        for (const auto& [addr, bytes] : uploads) backend.copyToDevice(addr, bytes.data, bytes.size);
        backend.launchRun(run, &launched);
      } catch (const std::exception&) {
        launchError = std::make_shared<HalException>(handledAsHalException(op));
      }
      Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
      // The device object stays alive (and closable) until the promise settles; the wall is read
      // only from a device that is still open.
      auto self = std::make_shared<Napi::ObjectReference>(Napi::Persistent(info.This().As<Napi::Object>()));
      std::vector<StreamId> launchedIds = launched;
      auto settle = [this, self, deferred, launchError, launchedIds, wallAddr](Napi::Env env, const std::vector<StreamSyncFailure>& failures) {
        if (launchError) {
          Napi::Error error = toJsError(env, *launchError);
          error.Set("phase", "launch");
          Napi::Array ids = Napi::Array::New(env, launchedIds.size());
          for (size_t i = 0; i < launchedIds.size(); ++i) ids.Set(static_cast<uint32_t>(i), Napi::Number::New(env, launchedIds[i]));
          error.Set("launched", ids);
          if (!failures.empty()) error.Set("waitError", streamsFailure(env, failures));
          deferred.Reject(error.Value());
          return;
        }
        if (!failures.empty()) {
          Napi::Value error = streamsFailure(env, failures);
          error.As<Napi::Object>().Set("phase", "wait");
          deferred.Reject(error);
          return;
        }
        try {
          uint64_t wall = 0;
          live("submitRun").copyFromDevice(&wall, wallAddr, sizeof wall);
          deferred.Resolve(Napi::BigInt::New(env, wall));
        } catch (const HalException& e) {
          Napi::Error error = toJsError(env, e);
          error.Set("phase", "read");
          deferred.Reject(error.Value());
        }
      };
      if (launched.empty()) {
        settle(env, {});
      } else {
        waitForStreams(env, std::move(launched), timeoutMs, std::move(settle));
      }
      return deferred.Promise();
    });
  }

  // Waits for streams without blocking the JS thread: on the event loop when the backend signals
  // progress on a descriptor (the simulator), else on a worker thread. `settle` runs on the JS thread.
  void waitForStreams(Napi::Env env, std::vector<StreamId> ids, uint32_t timeoutMs, StreamWaiter::Settle settle) {
    if (StreamWaiter* waiter = eventLoopWaiter(env)) {
      waiter->wait(ids, timeoutMs, std::move(settle));
      return;
    }
    (new StreamsWaitWorker(env, backend_, std::move(ids), timeoutMs, std::move(settle)))->Queue();
  }

  Napi::Value registerAicoreBinary(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "registerAicoreBinary", [&]() -> Napi::Value {
      const Bytes image = toView(info[0], "registerAicoreBinary", "image");
      return Napi::Number::New(info.Env(), live("registerAicoreBinary").registerAicoreBinary(image.data, image.size));
    });
  }

  Napi::Value loadAicpuProgram(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "loadAicpuProgram", [&]() -> Napi::Value {
      const Bytes image = toView(info[0], "loadAicpuProgram", "image");
      return Napi::Number::New(info.Env(), live("loadAicpuProgram").loadAicpuProgram(image.data, image.size));
    });
  }

  Napi::Value aicpuProgramHasKernel(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "aicpuProgramHasKernel", [&]() -> Napi::Value {
      const uint32_t program = toUint32(info[0], "aicpuProgramHasKernel", "program", 0, kMaxHandle);
      const std::string name = toString(info[1], "aicpuProgramHasKernel", "kernelName");
      return Napi::Boolean::New(info.Env(), live("aicpuProgramHasKernel").aicpuProgramHasKernel(program, name));
    });
  }

  Napi::Value launchAicore(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "launchAicore", [&]() -> Napi::Value {
      const uint32_t stream = toUint32(info[0], "launchAicore", "stream", 0, kMaxHandle);
      const uint32_t binary = toUint32(info[1], "launchAicore", "binary", 0, kMaxHandle);
      const uint32_t blockDim = toUint32(info[2], "launchAicore", "blockDim", 0, kMaxHandle);
      const uint64_t args = toAddress(info[3], "launchAicore", "kernelArgsAddr");
      live("launchAicore").launchAicore(stream, binary, blockDim, args);
      return info.Env().Undefined();
    });
  }

  Napi::Value launchAicpu(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "launchAicpu", [&]() -> Napi::Value {
      const uint32_t stream = toUint32(info[0], "launchAicpu", "stream", 0, kMaxHandle);
      const uint32_t program = toUint32(info[1], "launchAicpu", "program", 0, kMaxHandle);
      const std::string name = toString(info[2], "launchAicpu", "kernelName");
      const uint32_t threads = toUint32(info[3], "launchAicpu", "threads", 0, kMaxHandle);
      const Bytes args = toView(info[4], "launchAicpu", "args");
      live("launchAicpu").launchAicpu(stream, program, name, threads, args.data, args.size);
      return info.Env().Undefined();
    });
  }

  Napi::Value mapToHost(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "mapToHost", [&]() -> Napi::Value {
      const uint64_t addr = toAddress(info[0], "mapToHost", "addr");
      const uint64_t size = toSize(info[1], "mapToHost", "size");
      if (size > 0x7fffffffull) {
        throw HalException(ErrorCode::InvalidArgument, "mapToHost",
                           "mapToHost: size must be at most 2^31-1 bytes per mapping, got " + std::to_string(size));
      }
      void* host = live("mapToHost").mapToHost(addr, size);
      // The memory belongs to the device; the view is detached on unmap/reset/close so a stale
      // view can never touch freed device memory.
      Napi::ArrayBuffer view = Napi::ArrayBuffer::New(info.Env(), host, static_cast<size_t>(size));
      mappings_[addr] = Napi::Persistent(view);
      return view;
    });
  }

  Napi::Value unmapFromHost(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "unmapFromHost", [&]() -> Napi::Value {
      const uint64_t addr = toAddress(info[0], "unmapFromHost", "addr");
      live("unmapFromHost").unmapFromHost(addr);
      detachMapping(addr);
      return info.Env().Undefined();
    });
  }

  Napi::Value reset(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "reset", [&]() -> Napi::Value {
      Backend& b = live("reset");
      detachAllMappings();
      b.reset();
      return info.Env().Undefined();
    });
  }

  Napi::Value close(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), "close", [&]() -> Napi::Value {
      if (backend_) {
        detachAllMappings();
        // Released even when the reset fails: a closed device must refuse further use either way.
        std::shared_ptr<Backend> backend = std::move(backend_);
        backend->close();  // pending synchronize workers hold their own reference
        if (waiter_) waiter_->shutdown();  // event-loop waits settle now: the device is gone
        waiter_.reset();
      }
      return info.Env().Undefined();
    });
  }

  // The cheapest possible call through the binding (benchmark baseline for HAL call overhead).
  Napi::Value noop(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

  void detachMapping(uint64_t addr) {
    auto it = mappings_.find(addr);
    if (it == mappings_.end()) return;
    Napi::ArrayBuffer view = it->second.Value();
    if (!view.IsDetached()) view.Detach();
    mappings_.erase(it);
  }

  void detachAllMappings() {
    while (!mappings_.empty()) detachMapping(mappings_.begin()->first);
  }

  // The backend's event-loop waiter, when it signals progress on a descriptor (the simulator);
  // nullptr: waits run on a worker thread.
  StreamWaiter* eventLoopWaiter(Napi::Env env) {
    if (!waiter_ && backend_ && backend_->progressFd() >= 0) waiter_ = std::make_unique<StreamWaiter>(env, backend_);
    return waiter_.get();
  }

  std::shared_ptr<Backend> backend_;
  std::unique_ptr<StreamWaiter> waiter_;
  std::map<uint64_t, Napi::Reference<Napi::ArrayBuffer>> mappings_;
};

Napi::Value registerErrorClass(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), "registerErrorClass: expected the HalError class");
  }
  info.Env().GetInstanceData<AddonData>()->halErrorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value noop(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

// checkElfImage(bytes): "" when the bytes are a structurally sound ELF for this host's loader
// (headers, segments and sections inside the image; a shared object for this machine), else why not.
Napi::Value checkElfImage(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), "checkElfImage", [&]() -> Napi::Value {
    const Bytes image = toView(info[0], "checkElfImage", "image");
    return Napi::String::New(info.Env(), checkHostSharedObject(image.data, image.size));
  });
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  Napi::Function deviceClass = NativeDevice::define(env);
  data->deviceClass = Napi::Persistent(deviceClass);
  exports.Set("NativeDevice", deviceClass);
  exports.Set("registerErrorClass", Napi::Function::New(env, registerErrorClass, "registerErrorClass"));
  exports.Set("noop", Napi::Function::New(env, noop, "noop"));
  exports.Set("checkElfImage", Napi::Function::New(env, checkElfImage, "checkElfImage"));
  exports.Set("formatRows", Napi::Function::New(env, formatRows, "formatRows"));
  return exports;
}

}  // namespace npurun::binding

static Napi::Object initAddon(Napi::Env env, Napi::Object exports) { return npurun::binding::init(env, exports); }

NODE_API_MODULE(npurun_hal, initAddon)
