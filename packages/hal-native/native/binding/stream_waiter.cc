#include "binding/stream_waiter.h"

#include <algorithm>

#include "core/completion_count.h"

namespace npurun::binding {

namespace {
template <typename Handle>
void closeAndFree(Handle* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete reinterpret_cast<Handle*>(h); });
}
}  // namespace

StreamWaiter::StreamWaiter(Napi::Env env, std::shared_ptr<Backend> backend)
    : env_(env), asyncContext_(env, "npurun.streamWait"), backend_(std::move(backend)) {
  if (napi_get_uv_event_loop(env, &loop_) != napi_ok) loop_ = nullptr;
}

StreamWaiter::~StreamWaiter() {
  if (poll_ != nullptr) closeAndFree(poll_);
  if (timer_ != nullptr) closeAndFree(timer_);
  if (watching_) backend_->endProgressWait();
}

void StreamWaiter::wait(const std::vector<StreamId>& streams, uint32_t timeoutMs, Settle settle) {
  auto p = std::make_unique<Pending>();
  p->streams = streams;
  p->done.assign(streams.size(), false);
  p->failures.resize(streams.size());
  for (size_t i = 0; i < streams.size(); ++i) {
    try {
      p->targets.push_back(backend_->streamTarget(streams[i]));
    } catch (const HalException& e) {
      // An unknown stream is reported as that stream's failure, like any other.
      p->targets.push_back(0);
      p->done[i] = true;
      p->failures[i] = e;
    }
  }
  p->timeoutMs = timeoutMs;
  p->settle = std::move(settle);
  if (streams.size() > 1) {
    if (++lastGroup_ == 0) ++lastGroup_;  // 0 means "no group"
    p->group = lastGroup_;
  }
  if (!watching_) {
    backend_->beginProgressWait();  // before the first poll: no completion can slip in between
    watching_ = true;
  }
  askForWakeAt(*p);
  if (poll(*p) || loop_ == nullptr) {
    finish(*p, false);
    if (pending_.empty()) {
      backend_->endProgressWait();
      watching_ = false;
    }
    return;
  }
  uv_update_time(loop_);  // uv_now is the loop's cached time, older than now by the work since
  p->deadline = uv_now(loop_) + timeoutMs;
  if (poll_ == nullptr) {
    // Watched from the first wait until the device closes: starting and stopping the watch per
    // wait would cost two epoll_ctl calls each time. Between waits the handle is unreferenced, so
    // it never keeps the process alive, and the device does not signal while nobody waits.
    poll_ = new uv_poll_t;
    uv_poll_init(loop_, poll_, backend_->progressFd());
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, onReadable);
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    timer_ = new uv_timer_t;
    uv_timer_init(loop_, timer_);
    timer_->data = this;
  }
  if (pending_.empty()) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  pending_.push_back(std::move(p));
  rearmTimer();
}

void StreamWaiter::askForWakeAt(const Pending& p) {
  for (size_t i = 0; i < p.streams.size(); ++i) {
    if (p.done[i]) continue;
    uint64_t target = p.targets[i];
    uint32_t group = p.group;
    // The earliest need of any open wait on the same stream: a later target would hold back its
    // signal. A stream that other waits need too signals on its own: another wait's group must
    // not hold it back.
    for (const auto& other : pending_) {
      for (size_t j = 0; j < other->streams.size(); ++j) {
        if (other->streams[j] != p.streams[i] || other->done[j]) continue;
        group = 0;
        if (targetSooner(static_cast<uint32_t>(other->targets[j]), static_cast<uint32_t>(target))) target = other->targets[j];
      }
    }
    backend_->wakeProgressAt(p.streams[i], target, group);
  }
}

bool StreamWaiter::poll(Pending& p) {
  bool all = true;
  for (size_t i = 0; i < p.streams.size(); ++i) {
    if (!p.done[i]) p.done[i] = backend_->pollStream(p.streams[i], p.targets[i], &p.failures[i]);
    all = all && p.done[i];
  }
  return all;
}

void StreamWaiter::finish(Pending& p, bool timedOut) {
  std::vector<StreamSyncFailure> failures;
  for (size_t i = 0; i < p.streams.size(); ++i) {
    if (p.failures[i]) {
      failures.push_back({p.streams[i], *p.failures[i]});
    } else if (!p.done[i] && timedOut) {
      failures.push_back({p.streams[i], HalException(ErrorCode::SyncTimeout, "synchronize",
                                                     "synchronize: stream " + std::to_string(p.streams[i]) +
                                                         " did not finish within " + std::to_string(p.timeoutMs) + " ms")});
    }
  }
  Napi::HandleScope scope(env_);
  p.settle(env_, failures);
}

void StreamWaiter::check() {
  uv_update_time(loop_);
  const uint64_t now = uv_now(loop_);
  // Settled waits leave the list before their callbacks run: a callback may start a new wait.
  std::vector<std::pair<std::unique_ptr<Pending>, bool>> ready;
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = **it;
    const bool over = poll(p);
    if (over || now >= p.deadline) {
      ready.emplace_back(std::move(*it), !over);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  if (pending_.empty()) {
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    uv_timer_stop(timer_);
    backend_->endProgressWait();
    watching_ = false;
  } else {
    rearmTimer();
  }
  for (auto& [p, timedOut] : ready) finish(*p, timedOut);
}

void StreamWaiter::rearmTimer() {
  uint64_t next = UINT64_MAX;
  for (const auto& p : pending_) next = std::min(next, p->deadline);
  const uint64_t now = uv_now(loop_);
  uv_timer_start(timer_, onTimer, next > now ? next - now : 0, 0);
}

void StreamWaiter::onReadable(uv_poll_t* handle, int, int) {
  auto* self = static_cast<StreamWaiter*>(handle->data);
  self->backend_->drainProgressFd();
  if (!self->pending_.empty()) self->checkFromLoop();  // else a late signal of a wait already settled
}

void StreamWaiter::onTimer(uv_timer_t* handle) { static_cast<StreamWaiter*>(handle->data)->checkFromLoop(); }

void StreamWaiter::checkFromLoop() {
  Napi::HandleScope handles(env_);
  Napi::CallbackScope callback(env_, asyncContext_);
  check();
}

void StreamWaiter::shutdown() {
  std::vector<std::unique_ptr<Pending>> open;
  open.swap(pending_);
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    uv_timer_stop(timer_);
  }
  if (watching_) {
    backend_->endProgressWait();
    watching_ = false;
  }
  for (auto& p : open) {
    poll(*p);
    for (size_t i = 0; i < p->streams.size(); ++i) {
      if (!p->done[i] && !p->failures[i]) {
        p->failures[i] = HalException(ErrorCode::InvalidHandle, "synchronize",
                                      "synchronize: the device was closed while waiting for stream " + std::to_string(p->streams[i]));
      }
    }
    finish(*p, false);
  }
}

}  // namespace npurun::binding
