/*
 * Shared state of the fake CANN libraries used by the cann backend's tests. libruntime.so holds it;
 * libascendcl.so and libascend_hal.so link against libruntime.so and reach it through these
 * functions, as the real ACL and driver share the runtime's device contexts and memory.
 *
 * Settings, read on every call so a test can change them between calls, from <home>/fake-cann.conf
 * (KEY=VALUE lines, <home> being the directory above libruntime.so's), else the environment:
 *   NPURUN_FAKE_CANN_LOG       file that gets one line per call: "<fn> key=value ... t=<thread> -> <rc>"
 *   NPURUN_FAKE_CANN_FAIL      "fn:N[:code][,fn:N[:code]...]": the Nth call of fn (counted from when
 *                              this value last changed) returns code (default 507899) and does nothing
 *   NPURUN_FAKE_CANN_KERNEL_MS how long every launched kernel keeps its stream busy (default 0)
 *   NPURUN_FAKE_CANN_CUBE / _VECTOR  what aclrtGetStreamResLimit answers (default 24 / 48)
 *   NPURUN_FAKE_CANN_HBM_BYTES total HBM reported by aclrtGetMemInfo (default 64 GiB)
 */
#ifndef NPURUN_FAKE_CANN_INTERNAL_H
#define NPURUN_FAKE_CANN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_EXPORT __attribute__((visibility("default")))

/* Codes the fake returns for misuse; the injected-failure default is FAKE_RC_DRV_INTERNAL. */
#define FAKE_RC_PARAM_INVALID 107000
#define FAKE_RC_INVALID_DEVICE 107001
#define FAKE_RC_NO_CONTEXT 107002
#define FAKE_RC_SYNC_TIMEOUT 507046
#define FAKE_RC_DRV_INTERNAL 507899

/* Counts the call; returns the injected code for it, or 0. */
FAKE_EXPORT int fake_enter(const char *fn);
/* Appends one line (printf format, no newline) plus " t=<thread> -> <rc>" to the log. */
FAKE_EXPORT void fake_log(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 when the calling thread has a live device bound by rtSetDevice, else FAKE_RC_NO_CONTEXT. */
FAKE_EXPORT int fake_check_context(void);
/* 1 when [p, p + size) lies inside one live device allocation. */
FAKE_EXPORT int fake_device_range(const void *p, uint64_t size);
/* 1 when s is a live stream. */
FAKE_EXPORT int fake_stream_live(void *s);
/* Stream id for the log (0 for an unknown stream). */
FAKE_EXPORT int fake_stream_id(void *s);
/* Waits for the stream's work, at most timeout_ms (< 0: forever); 0 or FAKE_RC_SYNC_TIMEOUT. */
FAKE_EXPORT int fake_stream_wait(void *s, int32_t timeout_ms);
/* Live allocation count and bytes. */
FAKE_EXPORT void fake_memory_usage(uint64_t *count, uint64_t *bytes);
/* Host mappings (halHostRegister): add/remove, count. */
FAKE_EXPORT int fake_map_add(void *p, uint64_t size);
FAKE_EXPORT int fake_map_remove(void *p);
FAKE_EXPORT int fake_map_count(void);
/* A setting (see above) copied into buf, or NULL when unset. */
FAKE_EXPORT const char *fake_getenv(const char *name, char *buf, size_t len);
/* Integer setting, or dflt when unset or malformed. */
FAKE_EXPORT long long fake_env_int(const char *name, long long dflt);

#endif
