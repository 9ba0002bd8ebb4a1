// StreamWaiter: waits for streams on the JS thread's own event loop, for backends that signal
// progress on a descriptor (the simulator). A wait costs no thread: the loop watches the descriptor
// and a timer, and the promise settles in the callback that sees the work done — one wake-up of
// the JS thread per completion, where a worker-thread wait costs a hop to the pool and one back.
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/backend.h"

namespace npurun::binding {

class StreamWaiter {
 public:
  // Settles a wait: the failures by stream (empty: all done), on the JS thread.
  using Settle = std::function<void(Napi::Env, const std::vector<StreamSyncFailure>&)>;

  StreamWaiter(Napi::Env env, std::shared_ptr<Backend> backend);
  ~StreamWaiter();
  StreamWaiter(const StreamWaiter&) = delete;
  StreamWaiter& operator=(const StreamWaiter&) = delete;

  // Waits for `streams` (the work submitted so far) under one deadline. Settles at once when
  // everything is already over.
  void wait(const std::vector<StreamId>& streams, uint32_t timeoutMs, Settle settle);
  // The device is closing: every open wait settles with what the backend now says (closed).
  void shutdown();

 private:
  struct Pending {
    std::vector<StreamId> streams;
    std::vector<uint64_t> targets;
    std::vector<bool> done;
    std::vector<std::optional<HalException>> failures;
    uint64_t deadline;  // uv_now() ms
    uint32_t timeoutMs;
    // Shared by this wait's streams (0 for a wait on one stream): the device signals once for all.
    uint32_t group = 0;
    Settle settle;
  };

  // Polls every open wait; settles those that are over (or past their deadline when `expired`).
  void check();
  // check() from a libuv callback, in a callback scope (see asyncContext_).
  void checkFromLoop();
  // Tells the backend what the open waits need of each stream of `p`, so it signals only then.
  void askForWakeAt(const Pending& p);
  bool poll(Pending& p);
  void finish(Pending& p, bool timedOut);
  void rearmTimer();
  static void onReadable(uv_poll_t* handle, int status, int events);
  static void onTimer(uv_timer_t* handle);

  Napi::Env env_;
  // Settling from a libuv callback is not a call from JS: the callback scope makes Node run the
  // promise reactions (and process.nextTick callbacks) as soon as the settling is done, as it does
  // after any of its own callbacks, instead of whenever something else next drains them.
  Napi::AsyncContext asyncContext_;
  std::shared_ptr<Backend> backend_;
  uv_loop_t* loop_ = nullptr;
  uv_poll_t* poll_ = nullptr;    // heap handles: freed in their close callbacks; the poll stays
                                 // started, referenced only while a wait is open
  uv_timer_t* timer_ = nullptr;
  bool watching_ = false;
  uint32_t lastGroup_ = 0;  // the last wake group handed out
  std::vector<std::unique_ptr<Pending>> pending_;
};

}  // namespace npurun::binding
