/* Fake libruntime.so: the rt* / rts* entry points the cann backend resolves, same names and
 * signatures as CANN's (struct layouts as in the vendor's runtime headers). Each call is
 * counted, may be failed on request, checks its arguments the way the backend is expected to pass
 * them, and is logged (fake_internal.h). Device memory is host memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_internal.h"
#include "fake_state.h"

typedef struct {
  uint32_t magic;
  uint32_t version;
  const void *data;
  uint64_t length;
} rtDevBinary_t;

typedef struct {
  void *args;
  void *hostInputInfoPtr;
  uint32_t argsSize;
  uint32_t tilingAddrOffset;
  uint32_t tilingDataOffset;
  uint16_t hostInputInfoNum;
  uint8_t hasTiling;
  uint8_t isNoNeedH2DCopy;
  uint8_t reserved[4];
} rtArgsEx_t;

typedef struct {
  uint8_t qos;
  uint8_t partId;
  uint8_t schemMode;
  uint8_t d2dCrossFlag;
  uint32_t blockDimOffset;
  uint8_t dumpflag;
  uint8_t neverTimeout;
  uint8_t enableProfiling;
  uint8_t rev;
  uint32_t localMemorySize;
} rtTaskCfgInfo_t;

typedef struct {
  void *args;
  void *hostInputInfoPtr;
  void *kernelOffsetInfoPtr;
  uint32_t argsSize;
  uint16_t hostInputInfoNum;
  uint16_t kernelOffsetInfoNum;
  uint32_t soNameAddrOffset;
  uint32_t kernelNameAddrOffset;
  uint8_t isNoNeedH2DCopy;
  uint16_t timeout;
  uint8_t reserved;
} rtAicpuArgsEx_t;

typedef struct {
  rtAicpuArgsEx_t baseArgs;
  size_t cpuParamHeadOffset;
  uint32_t rsv[4];
} rtCpuKernelArgs_t;

typedef struct {
  int32_t optionId;
  union {
    uint32_t isLazyLoad;
    uint32_t magic;
    int32_t cpuKernelMode;
    uint32_t rsv[4];
  } value;
} rtLoadBinaryOption_t;

typedef struct {
  rtLoadBinaryOption_t *options;
  size_t numOpt;
} rtLoadBinaryConfig_t;

typedef struct {
  int32_t id;
  uint32_t value[4];
} rtLaunchKernelAttr_t;

typedef struct {
  rtLaunchKernelAttr_t *attrs;
  size_t numAttrs;
} rtKernelLaunchCfg_t;

_Static_assert(sizeof(rtDevBinary_t) == 24, "rtDevBinary_t");
_Static_assert(sizeof(rtArgsEx_t) == 40, "rtArgsEx_t");
_Static_assert(sizeof(rtTaskCfgInfo_t) == 16, "rtTaskCfgInfo_t");
_Static_assert(sizeof(rtAicpuArgsEx_t) == 48, "rtAicpuArgsEx_t");
_Static_assert(sizeof(rtCpuKernelArgs_t) == 72, "rtCpuKernelArgs_t");
_Static_assert(sizeof(rtLoadBinaryOption_t) == 20, "rtLoadBinaryOption_t");
_Static_assert(sizeof(rtLoadBinaryConfig_t) == 16, "rtLoadBinaryConfig_t");
_Static_assert(sizeof(rtKernelLaunchCfg_t) == 16, "rtKernelLaunchCfg_t");

#define ENTER(name, ...)                                      \
  int rc = fake_enter(name);                                  \
  if (rc == 0) rc = fake_check_context();

static unsigned long long live_count(void) {
  uint64_t n, b;
  fake_memory_usage(&n, &b);
  return (unsigned long long)n;
}

static unsigned long long live_bytes(void) {
  uint64_t n, b;
  fake_memory_usage(&n, &b);
  return (unsigned long long)b;
}

FAKE_EXPORT int rtSetDevice(int32_t devId) {
  int rc = fake_enter("rtSetDevice");
  if (rc == 0) rc = fake_bind_device(devId);
  fake_log(rc, "rtSetDevice dev=%d", devId);
  return rc;
}

FAKE_EXPORT int rtDeviceReset(int32_t devId) {
  int rc = fake_enter("rtDeviceReset");
  struct fake_census c = {0};
  if (rc == 0 && (devId < 0 || devId >= FAKE_MAX_DEVICES)) rc = FAKE_RC_INVALID_DEVICE;
  if (rc == 0) fake_reset_device(devId, &c);
  fake_log(rc, "rtDeviceReset dev=%d allocs=%d bytes=%llu streams=%d maps=%d bins=%d funcs=%d", devId, c.allocs,
           (unsigned long long)c.bytes, c.streams, c.maps, c.bins, c.kernels);
  return rc;
}

FAKE_EXPORT int rtStreamCreate(void **stm, int32_t priority) {
  ENTER("rtStreamCreate");
  if (rc == 0 && stm == NULL) rc = FAKE_RC_PARAM_INVALID;
  void *s = NULL;
  if (rc == 0) rc = fake_stream_new(&s);
  if (rc == 0) *stm = s;
  fake_log(rc, "rtStreamCreate priority=%d stream=%d", priority, fake_stream_id(s));
  return rc;
}

FAKE_EXPORT int rtStreamDestroy(void *stm) {
  ENTER("rtStreamDestroy");
  const int id = fake_stream_id(stm);
  if (rc == 0) rc = fake_stream_delete(stm);
  fake_log(rc, "rtStreamDestroy stream=%d", id);
  return rc;
}

FAKE_EXPORT int rtMalloc(void **devPtr, uint64_t size, uint32_t type, uint16_t moduleId) {
  ENTER("rtMalloc");
  if (rc == 0 && (devPtr == NULL || size == 0 || type != 0x2u || moduleId != 0)) rc = FAKE_RC_PARAM_INVALID;
  void *p = NULL;
  if (rc == 0) rc = fake_alloc(size, &p);
  if (rc == 0) *devPtr = p;
  fake_log(rc, "rtMalloc size=%llu type=%u module=%u ptr=%p live=%llu bytes=%llu", (unsigned long long)size, type,
           (unsigned)moduleId, p, live_count(), live_bytes());
  return rc;
}

FAKE_EXPORT int rtFree(void *devPtr) {
  ENTER("rtFree");
  if (rc == 0) rc = fake_release(devPtr);
  fake_log(rc, "rtFree ptr=%p live=%llu bytes=%llu", devPtr, live_count(), live_bytes());
  return rc;
}

FAKE_EXPORT int rtMemcpy(void *dst, uint64_t destMax, const void *src, uint64_t cnt, int32_t kind) {
  ENTER("rtMemcpy");
  if (rc == 0 && (dst == NULL || src == NULL || cnt == 0 || destMax < cnt)) rc = FAKE_RC_PARAM_INVALID;
  if (rc == 0 && kind == 1 && !fake_device_range(dst, cnt)) rc = FAKE_RC_PARAM_INVALID;
  if (rc == 0 && kind == 2 && !fake_device_range(src, cnt)) rc = FAKE_RC_PARAM_INVALID;
  if (rc == 0 && kind != 1 && kind != 2) rc = FAKE_RC_PARAM_INVALID;
  if (rc == 0) memcpy(dst, src, cnt);
  fake_log(rc, "rtMemcpy kind=%d size=%llu dev=%p", kind, (unsigned long long)cnt, kind == 2 ? src : (const void *)dst);
  return rc;
}

FAKE_EXPORT int rtRegisterAllKernel(const rtDevBinary_t *bin, void **hdl) {
  ENTER("rtRegisterAllKernel");
  if (rc == 0 && (bin == NULL || hdl == NULL || bin->magic != 0x43554245u || bin->data == NULL || bin->length < 4 ||
                  memcmp(bin->data, "\177ELF", 4) != 0)) {
    rc = FAKE_RC_PARAM_INVALID;
  }
  struct fake_bin *b = NULL;
  if (rc == 0) {
    b = calloc(1, sizeof *b);
    b->kind = FAKE_BIN_AICORE;
    b->length = bin->length;
    rc = fake_bin_add(b);
    if (rc == 0) *hdl = b;
    else free(b);
  }
  fake_log(rc, "rtRegisterAllKernel magic=0x%x length=%llu", bin ? bin->magic : 0u,
           bin ? (unsigned long long)bin->length : 0ull);
  return rc;
}

FAKE_EXPORT int rtKernelLaunchWithHandleV2(void *hdl, uint64_t tilingKey, uint32_t numBlocks, rtArgsEx_t *argsInfo,
                                           void *smDesc, void *stm, const rtTaskCfgInfo_t *cfgInfo) {
  ENTER("rtKernelLaunchWithHandleV2");
  const uint32_t cores = (uint32_t)fake_env_int("NPURUN_FAKE_CANN_CUBE", 24);
  uint64_t kargs = 0;
  if (rc == 0 && (fake_bin_find(hdl, FAKE_BIN_AICORE) == NULL || tilingKey != 0 || numBlocks == 0 || numBlocks > cores ||
                  smDesc != NULL || !fake_stream_live(stm))) {
    rc = FAKE_RC_PARAM_INVALID;
  }
  if (rc == 0 && (argsInfo == NULL || argsInfo->args == NULL || argsInfo->argsSize != 8 || cfgInfo == NULL ||
                  cfgInfo->schemMode != 1)) {
    rc = FAKE_RC_PARAM_INVALID;
  }
  if (rc == 0) {
    memcpy(&kargs, argsInfo->args, sizeof kargs);
    /* The executor dereferences its argument on the device: it must be device memory. */
    if (!fake_device_range((const void *)(uintptr_t)kargs, 8)) rc = FAKE_RC_PARAM_INVALID;
  }
  if (rc == 0) fake_stream_busy(stm);
  fake_log(rc, "rtKernelLaunchWithHandleV2 blocks=%u kargs=0x%llx argsSize=%u schem=%u stream=%d", numBlocks,
           (unsigned long long)kargs, argsInfo ? argsInfo->argsSize : 0u, cfgInfo ? cfgInfo->schemMode : 0u,
           fake_stream_id(stm));
  return rc;
}

static int read_file(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return -1;
  fseek(f, 0, SEEK_END);
  const long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    fclose(f);
    return -1;
  }
  buf[n] = '\0';
  fclose(f);
  *out = buf;
  *len = (size_t)n;
  return 0;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

FAKE_EXPORT int rtsBinaryLoadFromFile(const char *binPath, const rtLoadBinaryConfig_t *cfg, void **handle) {
  ENTER("rtsBinaryLoadFromFile");
  int mode = -1;
  char *json = NULL;
  size_t len = 0;
  struct fake_bin *b = NULL;
  if (rc == 0 && (binPath == NULL || handle == NULL || cfg == NULL || cfg->numOpt != 1 || cfg->options == NULL ||
                  cfg->options[0].optionId != 3)) {
    rc = FAKE_RC_PARAM_INVALID;
  }
  if (rc == 0) mode = cfg->options[0].value.cpuKernelMode;
  if (rc == 0 && (mode != 1 || read_file(binPath, &json, &len) != 0)) rc = FAKE_RC_PARAM_INVALID;
  if (rc == 0) {
    /* Mode 1: the program is the same-named .so beside the JSON. */
    char so[4096];
    snprintf(so, sizeof so, "%s", binPath);
    char *dot = strrchr(so, '.');
    char *so_bytes = NULL;
    size_t so_len = 0;
    if (dot == NULL || strcmp(dot, ".json") != 0) rc = FAKE_RC_PARAM_INVALID;
    if (rc == 0) strcpy(dot, ".so");
    if (rc == 0 && (read_file(so, &so_bytes, &so_len) != 0 || so_len < 4 || memcmp(so_bytes, "\177ELF", 4) != 0)) {
      rc = FAKE_RC_PARAM_INVALID;
    }
    free(so_bytes);
  }
  if (rc == 0) {
    b = calloc(1, sizeof *b);
    b->kind = FAKE_BIN_AICPU;
    const char *key = "\"functionName\": \"";
    for (const char *p = strstr(json, key); p != NULL && b->nnames < FAKE_MAX_NAMES; p = strstr(p, key)) {
      p += strlen(key);
      const char *end = strchr(p, '"');
      if (end == NULL || end - p >= 64) break;
      memcpy(b->names[b->nnames], p, (size_t)(end - p));
      b->names[b->nnames++][end - p] = '\0';
    }
    rc = fake_bin_add(b);
    if (rc == 0) *handle = b;
  }
  char names[FAKE_MAX_NAMES * 65] = "";
  for (int i = 0; b != NULL && i < b->nnames; ++i) {
    if (i > 0) strcat(names, "|");
    strcat(names, b->names[i]);
  }
  if (rc != 0 && b != NULL) free(b);
  fake_log(rc, "rtsBinaryLoadFromFile json=%s mode=%d kernels=%s", binPath ? base_name(binPath) : "-", mode, names);
  free(json);
  return rc;
}

FAKE_EXPORT int rtsFuncGetByName(void *binHandle, const char *kernelName, void **funcHandle) {
  ENTER("rtsFuncGetByName");
  struct fake_bin *b = rc == 0 ? fake_bin_find(binHandle, FAKE_BIN_AICPU) : NULL;
  if (rc == 0 && (b == NULL || kernelName == NULL || funcHandle == NULL)) rc = FAKE_RC_PARAM_INVALID;
  if (rc == 0) {
    int known = 0;
    for (int i = 0; i < b->nnames; ++i) known |= strcmp(b->names[i], kernelName) == 0;
    if (!known) rc = FAKE_RC_PARAM_INVALID;
  }
  if (rc == 0) {
    struct fake_kernel *k = calloc(1, sizeof *k);
    k->bin = binHandle;
    snprintf(k->name, sizeof k->name, "%s", kernelName);
    rc = fake_kernel_add(k);
    if (rc == 0) *funcHandle = k;
    else free(k);
  }
  fake_log(rc, "rtsFuncGetByName kernel=%s", kernelName ? kernelName : "-");
  return rc;
}

__attribute__((unused)) static unsigned long long fnv1a64(const void *data, size_t len) {
  unsigned long long h = 14695981039346656037ull;
  for (size_t i = 0; i < len; ++i) {
    h ^= ((const unsigned char *)data)[i];
    h *= 1099511628211ull;
  }
  return h;
}

#ifndef FAKE_OMIT_rtsLaunchCpuKernel
FAKE_EXPORT int rtsLaunchCpuKernel(void *funcHandle, uint32_t numBlocks, void *stm, const rtKernelLaunchCfg_t *cfg,
                                   rtCpuKernelArgs_t *argsInfo) {
  ENTER("rtsLaunchCpuKernel");
  struct fake_kernel *k = rc == 0 ? fake_kernel_find(funcHandle) : NULL;
  if (rc == 0 && (k == NULL || numBlocks == 0 || !fake_stream_live(stm) || cfg == NULL || argsInfo == NULL)) {
    rc = FAKE_RC_PARAM_INVALID;
  }
  if (rc == 0 && (argsInfo->baseArgs.argsSize > 0) != (argsInfo->baseArgs.args != NULL)) rc = FAKE_RC_PARAM_INVALID;
  unsigned long long hash = 0;
  if (rc == 0) {
    hash = fnv1a64(argsInfo->baseArgs.args, argsInfo->baseArgs.argsSize);
    fake_stream_busy(stm);
  }
  fake_log(rc, "rtsLaunchCpuKernel kernel=%s blocks=%u argsSize=%u argsHash=%016llx stream=%d", k ? k->name : "-",
           numBlocks, argsInfo ? argsInfo->baseArgs.argsSize : 0u, hash, fake_stream_id(stm));
  return rc;
}
#endif

FAKE_EXPORT int rtsBinaryUnload(void *binHandle) {
  ENTER("rtsBinaryUnload");
  if (rc == 0) rc = fake_bin_remove(binHandle, FAKE_BIN_AICPU);
  fake_log(rc, "rtsBinaryUnload");
  return rc;
}

FAKE_EXPORT int rtGetC2cCtrlAddr(uint64_t *addr, uint32_t *len) {
  ENTER("rtGetC2cCtrlAddr");
  if (rc == 0 && (addr == NULL || len == NULL)) rc = FAKE_RC_PARAM_INVALID;
  if (rc == 0) {
    *addr = 0x2a000000ull;
    *len = 0x1000;
  }
  fake_log(rc, "rtGetC2cCtrlAddr");
  return rc;
}
