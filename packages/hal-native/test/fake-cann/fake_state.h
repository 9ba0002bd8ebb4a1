/* Private state of libruntime.so in the fake CANN (see fake_internal.h for the shared surface). */
#ifndef NPURUN_FAKE_CANN_STATE_H
#define NPURUN_FAKE_CANN_STATE_H

#include <stdint.h>

#define FAKE_MAX_DEVICES 64
#define FAKE_MAX_ALLOCS 4096
#define FAKE_MAX_STREAMS 256
#define FAKE_MAX_BINS 256
#define FAKE_MAX_KERNELS 1024
#define FAKE_MAX_NAMES 32

#define FAKE_BIN_AICORE 1
#define FAKE_BIN_AICPU 2

struct fake_alloc {
  void *p;
  uint64_t size;
};

struct fake_stream {
  int id;
  double busy_until; /* CLOCK_MONOTONIC ms */
};

/* An AI Core ELF (rtRegisterAllKernel) or an AI CPU program (rtsBinaryLoadFromFile). */
struct fake_bin {
  int kind;
  uint64_t length;
  int nnames;
  char names[FAKE_MAX_NAMES][64];
};

struct fake_kernel {
  void *bin;
  char name[64];
};

struct fake_state {
  unsigned generation[FAKE_MAX_DEVICES];
  struct fake_alloc allocs[FAKE_MAX_ALLOCS];
  int nallocs;
  uint64_t live_bytes;
  struct fake_stream *streams[FAKE_MAX_STREAMS];
  int nstreams;
  int next_stream_id;
  struct fake_alloc maps[FAKE_MAX_ALLOCS];
  int nmaps;
  struct fake_bin *bins[FAKE_MAX_BINS];
  int nbins;
  struct fake_kernel *kernels[FAKE_MAX_KERNELS];
  int nkernels;
};

/* What the device still held when rtDeviceReset tore it down. */
struct fake_census {
  int allocs;
  uint64_t bytes;
  int streams;
  int maps;
  int bins;
  int kernels;
};

int fake_bind_device(int32_t dev);
void fake_reset_device(int32_t dev, struct fake_census *before);
int fake_alloc(uint64_t size, void **out);
int fake_release(void *p);
int fake_stream_new(void **out);
int fake_stream_delete(void *s);
void fake_stream_busy(void *s);
int fake_bin_add(struct fake_bin *b);
struct fake_bin *fake_bin_find(void *h, int kind);
int fake_bin_remove(void *h, int kind);
int fake_kernel_add(struct fake_kernel *k);
struct fake_kernel *fake_kernel_find(void *h);

#endif
