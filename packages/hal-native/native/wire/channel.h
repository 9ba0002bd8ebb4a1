// Sending and receiving one message over the command socket, optionally with one file descriptor.
// Both ends use these; they never raise SIGPIPE and retry on EINTR.
#pragma once

#include <cstddef>
#include <cstdint>

namespace npurun::wire {

// Returns false when the peer is gone or the send failed (errno tells why).
bool sendMessage(int socket, const void* data, size_t size, int fd = -1);

enum class RecvStatus { Ok, Closed, TimedOut, Error };

// Receives one message into buf (at most capacity bytes); *size gets its length and *fd an
// attached descriptor (or -1). timeoutMs < 0 waits for ever.
RecvStatus recvMessage(int socket, void* buf, size_t capacity, size_t* size, int* fd, int timeoutMs);

}  // namespace npurun::wire
