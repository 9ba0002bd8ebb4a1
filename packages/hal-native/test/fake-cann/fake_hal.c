/* Fake libascend_hal.so: host mapping of device memory (a2a3's halHostRegister). Device memory is
 * host memory in the fake, so the mapping is the same address. */
#include "fake_internal.h"

FAKE_EXPORT int halHostRegister(void *srcPtr, uint64_t size, uint32_t flag, uint32_t devid, void **dstPtr) {
  int rc = fake_enter("halHostRegister");
  if (rc == 0 && (flag != 2 || dstPtr == NULL || size == 0 || !fake_device_range(srcPtr, size))) rc = 107000;
  if (rc == 0) rc = fake_map_add(srcPtr, size);
  if (rc == 0) *dstPtr = srcPtr;
  fake_log(rc, "halHostRegister dev=%p size=%llu flag=%u devid=%u maps=%d", srcPtr, (unsigned long long)size, flag,
           devid, fake_map_count());
  return rc;
}

#ifndef FAKE_OMIT_halHostUnregister
FAKE_EXPORT int halHostUnregister(void *srcPtr, uint32_t devid) {
  int rc = fake_enter("halHostUnregister");
  if (rc == 0) rc = fake_map_remove(srcPtr);
  fake_log(rc, "halHostUnregister dev=%p devid=%u maps=%d", srcPtr, devid, fake_map_count());
  return rc;
}
#endif
