/* Fake libascendcl.so: the aclrt* entry points the cann backend resolves. Shares devices, memory
 * and streams with the fake libruntime.so it links against, as the real ACL does. */
#include <string.h>

#include "fake_internal.h"

FAKE_EXPORT int aclrtSetOpExecuteTimeOutV2(uint64_t timeout, uint64_t *actualTimeout) {
  int rc = fake_enter("aclrtSetOpExecuteTimeOutV2");
  if (rc == 0) rc = fake_check_context();
  if (rc == 0 && actualTimeout != NULL) *actualTimeout = timeout;
  fake_log(rc, "aclrtSetOpExecuteTimeOutV2 us=%llu", (unsigned long long)timeout);
  return rc;
}

FAKE_EXPORT int aclrtGetStreamResLimit(void *stream, int32_t type, uint32_t *value) {
  int rc = fake_enter("aclrtGetStreamResLimit");
  if (rc == 0) rc = fake_check_context();
  /* NULL is the default stream. */
  if (rc == 0 && ((stream != NULL && !fake_stream_live(stream)) || value == NULL || type < 0 || type > 1)) rc = 107000;
  if (rc == 0) *value = (uint32_t)fake_env_int(type == 0 ? "NPURUN_FAKE_CANN_CUBE" : "NPURUN_FAKE_CANN_VECTOR", type == 0 ? 24 : 48);
  fake_log(rc, "aclrtGetStreamResLimit type=%d value=%u", type, rc == 0 ? *value : 0u);
  return rc;
}

FAKE_EXPORT int aclrtSynchronizeStreamWithTimeout(void *stream, int32_t timeout) {
  int rc = fake_enter("aclrtSynchronizeStreamWithTimeout");
  if (rc == 0) rc = fake_check_context();
  const int id = fake_stream_id(stream);
  if (rc == 0 && !fake_stream_live(stream)) rc = 107000;
  if (rc == 0) rc = fake_stream_wait(stream, timeout);
  fake_log(rc, "aclrtSynchronizeStreamWithTimeout stream=%d timeout=%d", id, timeout);
  return rc;
}

FAKE_EXPORT int aclrtMemset(void *devPtr, size_t maxCount, int32_t value, size_t count) {
  int rc = fake_enter("aclrtMemset");
  if (rc == 0) rc = fake_check_context();
  if (rc == 0 && (count > maxCount || !fake_device_range(devPtr, count))) rc = 107000;
  if (rc == 0) memset(devPtr, value, count);
  fake_log(rc, "aclrtMemset dev=%p value=%d size=%llu", devPtr, value, (unsigned long long)count);
  return rc;
}

FAKE_EXPORT int aclrtGetMemInfo(int32_t attr, size_t *freeBytes, size_t *totalBytes) {
  int rc = fake_enter("aclrtGetMemInfo");
  if (rc == 0) rc = fake_check_context();
  if (rc == 0 && (attr != 1 || freeBytes == NULL || totalBytes == NULL)) rc = 107000;
  if (rc == 0) {
    uint64_t n, bytes;
    fake_memory_usage(&n, &bytes);
    *totalBytes = (size_t)fake_env_int("NPURUN_FAKE_CANN_HBM_BYTES", 64ll << 30);
    *freeBytes = *totalBytes > bytes ? *totalBytes - bytes : 0;
  }
  fake_log(rc, "aclrtGetMemInfo attr=%d", attr);
  return rc;
}
