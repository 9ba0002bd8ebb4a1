// The slice of the Ascend vendor runtime (CANN) the cann backend calls, mirrored locally so that
// nothing of CANN is needed to build the addon: constants, the small structs passed by pointer, and
// the function-pointer types resolved with dlsym at open. Values and layouts are the ones listed in
// the vendor's runtime headers (hicann/runtime); the static_asserts pin every offset the
// vendor reads, so a mistake here fails the build instead of corrupting a launch.
#pragma once

#include <cstddef>
#include <cstdint>

namespace npurun::cann {

using rtError = int32_t;  // rtError_t, aclError and drvError_t are all int-sized; 0 is success
using rtStream = void*;
using rtBinHandle = void*;
using rtFuncHandle = void*;

constexpr rtError kRtSuccess = 0;
constexpr rtError kAclErrorStreamSyncTimeout = 507046;  // ACL_ERROR_RT_STREAM_SYNC_TIMEOUT
constexpr rtError kAclErrorMemoryAllocation = 207001;   // ACL_ERROR_RT_MEMORY_ALLOCATION

constexpr uint32_t kRtMemoryHbm = 0x2;                   // RT_MEMORY_HBM
constexpr uint16_t kRtModuleIdHost = 0;                  // moduleId the upstream runner passes to rtMalloc
constexpr int32_t kRtMemcpyHostToDevice = 1;             // RT_MEMCPY_HOST_TO_DEVICE
constexpr int32_t kRtMemcpyDeviceToHost = 2;             // RT_MEMCPY_DEVICE_TO_HOST
constexpr uint32_t kRtDevBinaryMagicElf = 0x43554245u;   // RT_DEV_BINARY_MAGIC_ELF ("CUBE")
constexpr uint8_t kRtSchemModeBatch = 1;                 // RT_SCHEM_MODE_BATCH
constexpr int32_t kRtLoadBinaryOptCpuKernelMode = 3;     // RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE
constexpr int32_t kCpuKernelModeJsonAndSo = 1;           // load the .json and the same-named .so beside it
constexpr int32_t kAclDevResCubeCore = 0;                // ACL_RT_DEV_RES_CUBE_CORE
constexpr int32_t kAclDevResVectorCore = 1;              // ACL_RT_DEV_RES_VECTOR_CORE
constexpr int32_t kAclHbmMem = 1;                        // aclrtMemAttr ACL_HBM_MEM
constexpr uint32_t kDevSvmMapHost = 2;                   // drvRegisterTpye DEV_SVM_MAP_HOST

// rtDevBinary_t
struct RtDevBinary {
  uint32_t magic;
  uint32_t version;
  const void* data;
  uint64_t length;
};
static_assert(sizeof(RtDevBinary) == 24);
static_assert(offsetof(RtDevBinary, data) == 8 && offsetof(RtDevBinary, length) == 16);

// rtArgsEx_t
struct RtArgsEx {
  void* args;
  void* hostInputInfoPtr;
  uint32_t argsSize;
  uint32_t tilingAddrOffset;
  uint32_t tilingDataOffset;
  uint16_t hostInputInfoNum;
  uint8_t hasTiling;
  uint8_t isNoNeedH2DCopy;
  uint8_t reserved[4];
};
static_assert(sizeof(RtArgsEx) == 40);
static_assert(offsetof(RtArgsEx, argsSize) == 16 && offsetof(RtArgsEx, hostInputInfoNum) == 28);
static_assert(offsetof(RtArgsEx, hasTiling) == 30 && offsetof(RtArgsEx, isNoNeedH2DCopy) == 31);
static_assert(offsetof(RtArgsEx, reserved) == 32);

// rtTaskCfgInfo_t
struct RtTaskCfgInfo {
  uint8_t qos;
  uint8_t partId;
  uint8_t schemMode;
  bool d2dCrossFlag;
  uint32_t blockDimOffset;
  uint8_t dumpflag;
  uint8_t neverTimeout;
  uint8_t enableProfiling;
  uint8_t rev;
  uint32_t localMemorySize;
};
static_assert(sizeof(RtTaskCfgInfo) == 16);
static_assert(offsetof(RtTaskCfgInfo, schemMode) == 2 && offsetof(RtTaskCfgInfo, blockDimOffset) == 4);
static_assert(offsetof(RtTaskCfgInfo, dumpflag) == 8 && offsetof(RtTaskCfgInfo, localMemorySize) == 12);

// rtAicpuArgsEx_t
struct RtAicpuArgsEx {
  void* args;
  void* hostInputInfoPtr;
  void* kernelOffsetInfoPtr;
  uint32_t argsSize;
  uint16_t hostInputInfoNum;
  uint16_t kernelOffsetInfoNum;
  uint32_t soNameAddrOffset;
  uint32_t kernelNameAddrOffset;
  bool isNoNeedH2DCopy;
  uint16_t timeout;
  uint8_t reserved;
};
static_assert(sizeof(RtAicpuArgsEx) == 48);
static_assert(offsetof(RtAicpuArgsEx, argsSize) == 24 && offsetof(RtAicpuArgsEx, hostInputInfoNum) == 28);
static_assert(offsetof(RtAicpuArgsEx, soNameAddrOffset) == 32 && offsetof(RtAicpuArgsEx, kernelNameAddrOffset) == 36);
static_assert(offsetof(RtAicpuArgsEx, isNoNeedH2DCopy) == 40 && offsetof(RtAicpuArgsEx, timeout) == 42);
static_assert(offsetof(RtAicpuArgsEx, reserved) == 44);

// rtCpuKernelArgs_t
struct RtCpuKernelArgs {
  RtAicpuArgsEx baseArgs;
  size_t cpuParamHeadOffset;
  uint32_t rsv[4];
};
static_assert(sizeof(RtCpuKernelArgs) == 72);
static_assert(offsetof(RtCpuKernelArgs, cpuParamHeadOffset) == 48 && offsetof(RtCpuKernelArgs, rsv) == 56);

// rtLoadBinaryOption_t / rtLoadBinaryConfig_t
struct RtLoadBinaryOption {
  int32_t optionId;
  union {
    uint32_t isLazyLoad;
    uint32_t magic;
    int32_t cpuKernelMode;
    uint32_t rsv[4];
  } value;
};
static_assert(sizeof(RtLoadBinaryOption) == 20 && offsetof(RtLoadBinaryOption, value) == 4);

struct RtLoadBinaryConfig {
  RtLoadBinaryOption* options;
  size_t numOpt;
};
static_assert(sizeof(RtLoadBinaryConfig) == 16 && offsetof(RtLoadBinaryConfig, numOpt) == 8);

// rtLaunchKernelAttr_t / rtKernelLaunchCfg_t
struct RtLaunchKernelAttr {
  int32_t id;
  union {
    uint32_t rsv[4];
  } value;
};
static_assert(sizeof(RtLaunchKernelAttr) == 20);

struct RtKernelLaunchCfg {
  RtLaunchKernelAttr* attrs;
  size_t numAttrs;
};
static_assert(sizeof(RtKernelLaunchCfg) == 16 && offsetof(RtKernelLaunchCfg, numAttrs) == 8);

// libruntime.so
using RtSetDeviceFn = rtError (*)(int32_t devId);
using RtDeviceResetFn = rtError (*)(int32_t devId);
using RtStreamCreateFn = rtError (*)(rtStream* stream, int32_t priority);
using RtStreamDestroyFn = rtError (*)(rtStream stream);
using RtMallocFn = rtError (*)(void** devPtr, uint64_t size, uint32_t type, uint16_t moduleId);
using RtFreeFn = rtError (*)(void* devPtr);
using RtMemcpyFn = rtError (*)(void* dst, uint64_t destMax, const void* src, uint64_t count, int32_t kind);
using RtRegisterAllKernelFn = rtError (*)(const RtDevBinary* bin, void** handle);
using RtKernelLaunchWithHandleV2Fn = rtError (*)(void* handle, uint64_t tilingKey, uint32_t numBlocks,
                                                 RtArgsEx* argsInfo, void* smDesc, rtStream stream,
                                                 const RtTaskCfgInfo* cfgInfo);
using RtsBinaryLoadFromFileFn = rtError (*)(const char* binPath, const RtLoadBinaryConfig* cfg, rtBinHandle* handle);
using RtsFuncGetByNameFn = rtError (*)(rtBinHandle bin, const char* kernelName, rtFuncHandle* func);
using RtsLaunchCpuKernelFn = rtError (*)(rtFuncHandle func, uint32_t numBlocks, rtStream stream,
                                         const RtKernelLaunchCfg* cfg, RtCpuKernelArgs* argsInfo);
using RtsBinaryUnloadFn = rtError (*)(rtBinHandle bin);
using RtGetC2cCtrlAddrFn = rtError (*)(uint64_t* addr, uint32_t* len);

// libascendcl.so
using AclrtSetOpExecuteTimeOutV2Fn = rtError (*)(uint64_t timeoutUs, uint64_t* actualTimeoutUs);
using AclrtGetStreamResLimitFn = rtError (*)(rtStream stream, int32_t type, uint32_t* value);
using AclrtSynchronizeStreamWithTimeoutFn = rtError (*)(rtStream stream, int32_t timeoutMs);
using AclrtMemsetFn = rtError (*)(void* devPtr, size_t maxCount, int32_t value, size_t count);
using AclrtGetMemInfoFn = rtError (*)(int32_t attr, size_t* freeBytes, size_t* totalBytes);

// libascend_hal.so (a2a3 only)
using HalHostRegisterFn = rtError (*)(void* srcPtr, uint64_t size, uint32_t flag, uint32_t devId, void** dstPtr);
using HalHostUnregisterFn = rtError (*)(void* srcPtr, uint32_t devId);

// Every vendor entry point the backend calls, resolved at open. The a2a3-only ones are null on a5.
struct VendorApi {
  RtSetDeviceFn rtSetDevice = nullptr;
  RtDeviceResetFn rtDeviceReset = nullptr;
  RtStreamCreateFn rtStreamCreate = nullptr;
  RtStreamDestroyFn rtStreamDestroy = nullptr;
  RtMallocFn rtMalloc = nullptr;
  RtFreeFn rtFree = nullptr;
  RtMemcpyFn rtMemcpy = nullptr;
  RtRegisterAllKernelFn rtRegisterAllKernel = nullptr;
  RtKernelLaunchWithHandleV2Fn rtKernelLaunchWithHandleV2 = nullptr;
  RtsBinaryLoadFromFileFn rtsBinaryLoadFromFile = nullptr;
  RtsFuncGetByNameFn rtsFuncGetByName = nullptr;
  RtsLaunchCpuKernelFn rtsLaunchCpuKernel = nullptr;
  RtsBinaryUnloadFn rtsBinaryUnload = nullptr;
  RtGetC2cCtrlAddrFn rtGetC2cCtrlAddr = nullptr;

  AclrtSetOpExecuteTimeOutV2Fn aclrtSetOpExecuteTimeOutV2 = nullptr;
  AclrtGetStreamResLimitFn aclrtGetStreamResLimit = nullptr;
  AclrtSynchronizeStreamWithTimeoutFn aclrtSynchronizeStreamWithTimeout = nullptr;
  AclrtMemsetFn aclrtMemset = nullptr;
  AclrtGetMemInfoFn aclrtGetMemInfo = nullptr;

  HalHostRegisterFn halHostRegister = nullptr;
  HalHostUnregisterFn halHostUnregister = nullptr;
};

}  // namespace npurun::cann
