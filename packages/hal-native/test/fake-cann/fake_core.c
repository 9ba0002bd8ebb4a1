/* State, call log and failure injection of the fake CANN libraries (see fake_internal.h). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_internal.h"
#include "fake_state.h"

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
struct fake_state g_fake;

/* ---- configuration ------------------------------------------------------------------------ */

/* <home>/fake-cann.conf beside lib64/: KEY=VALUE lines that override the environment. A file,
 * because a jest test's process.env is a copy the native getenv never sees. */
static void conf_path(char *out, size_t len) {
  Dl_info info;
  out[0] = '\0';
  if (dladdr((void *)&fake_enter, &info) == 0 || info.dli_fname == NULL) return;
  snprintf(out, len, "%s", info.dli_fname);
  char *slash = strrchr(out, '/');
  if (slash == NULL) {
    out[0] = '\0';
    return;
  }
  *slash = '\0';
  slash = strrchr(out, '/');
  if (slash != NULL) *slash = '\0';
  strncat(out, "/fake-cann.conf", len - strlen(out) - 1);
}

const char *fake_getenv(const char *name, char *buf, size_t len) {
  char path[4096];
  conf_path(path, sizeof path);
  FILE *f = path[0] ? fopen(path, "r") : NULL;
  if (f != NULL) {
    char line[2048];
    const size_t n = strlen(name);
    const char *found = NULL;
    while (fgets(line, sizeof line, f) != NULL) {
      if (strncmp(line, name, n) == 0 && line[n] == '=') {
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(buf, len, "%s", line + n + 1);
        found = buf;
      }
    }
    fclose(f);
    if (found != NULL) return found;
  }
  const char *v = getenv(name);
  if (v == NULL) return NULL;
  snprintf(buf, len, "%s", v);
  return buf;
}

/* ---- failure injection ---------------------------------------------------------------------- */

#define MAX_COUNTERS 64
static char g_spec[1024];
static struct {
  char fn[64];
  long n;
} g_counters[MAX_COUNTERS];
static int g_ncounters;

static long count_call(const char *fn) {
  for (int i = 0; i < g_ncounters; ++i) {
    if (strcmp(g_counters[i].fn, fn) == 0) return ++g_counters[i].n;
  }
  if (g_ncounters == MAX_COUNTERS) return 0;
  snprintf(g_counters[g_ncounters].fn, sizeof g_counters[0].fn, "%s", fn);
  g_counters[g_ncounters].n = 1;
  return g_counters[g_ncounters++].n;
}

int fake_enter(const char *fn) {
  char specbuf[1024];
  const char *spec = fake_getenv("NPURUN_FAKE_CANN_FAIL", specbuf, sizeof specbuf);
  if (spec == NULL) spec = "";
  pthread_mutex_lock(&g_mu);
  if (strncmp(spec, g_spec, sizeof g_spec) != 0) {
    snprintf(g_spec, sizeof g_spec, "%s", spec);
    g_ncounters = 0;
  }
  const long n = count_call(fn);
  int rc = 0;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", g_spec);
  for (char *save = NULL, *entry = strtok_r(buf, ",", &save); entry != NULL; entry = strtok_r(NULL, ",", &save)) {
    char name[64];
    long nth = 0;
    int code = FAKE_RC_DRV_INTERNAL;
    const int got = sscanf(entry, " %63[^:]:%ld:%d", name, &nth, &code);
    if (got >= 2 && strcmp(name, fn) == 0 && nth == n) {
      rc = code;
      break;
    }
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}

/* ---- log ------------------------------------------------------------------------------------ */

static int g_next_thread = 1;
static __thread int t_thread;

void fake_log(int rc, const char *fmt, ...) {
  char pathbuf[4096];
  const char *path = fake_getenv("NPURUN_FAKE_CANN_LOG", pathbuf, sizeof pathbuf);
  if (path == NULL || *path == '\0') return;
  pthread_mutex_lock(&g_mu);
  if (t_thread == 0) t_thread = g_next_thread++;
  FILE *f = fopen(path, "a");
  if (f != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fprintf(f, " t=%d -> %d\n", t_thread, rc);
    fclose(f);
  }
  pthread_mutex_unlock(&g_mu);
}

long long fake_env_int(const char *name, long long dflt) {
  char buf[64];
  const char *v = fake_getenv(name, buf, sizeof buf);
  if (v == NULL || *v == '\0') return dflt;
  char *end = NULL;
  const long long x = strtoll(v, &end, 10);
  return *end == '\0' ? x : dflt;
}

/* ---- device contexts ------------------------------------------------------------------------ */

static __thread int t_device = -1;
static __thread unsigned t_generation;

int fake_check_context(void) {
  pthread_mutex_lock(&g_mu);
  const int ok = t_device >= 0 && t_generation == g_fake.generation[t_device];
  pthread_mutex_unlock(&g_mu);
  return ok ? 0 : FAKE_RC_NO_CONTEXT;
}

int fake_bind_device(int32_t dev) {
  if (dev < 0 || dev >= FAKE_MAX_DEVICES || dev >= fake_env_int("NPURUN_FAKE_CANN_DEVICES", 8)) return FAKE_RC_INVALID_DEVICE;
  pthread_mutex_lock(&g_mu);
  t_device = dev;
  t_generation = g_fake.generation[dev];
  pthread_mutex_unlock(&g_mu);
  return 0;
}

void fake_reset_device(int32_t dev, struct fake_census *before) {
  pthread_mutex_lock(&g_mu);
  *before = (struct fake_census){g_fake.nallocs, g_fake.live_bytes, g_fake.nstreams, g_fake.nmaps, g_fake.nbins,
                                 g_fake.nkernels};
  /* The context's teardown releases what it still held, as on hardware. */
  for (int i = 0; i < g_fake.nallocs; ++i) free(g_fake.allocs[i].p);
  for (int i = 0; i < g_fake.nstreams; ++i) free(g_fake.streams[i]);
  for (int i = 0; i < g_fake.nbins; ++i) free(g_fake.bins[i]);
  for (int i = 0; i < g_fake.nkernels; ++i) free(g_fake.kernels[i]);
  g_fake.nallocs = g_fake.nstreams = g_fake.nmaps = g_fake.nbins = g_fake.nkernels = 0;
  g_fake.live_bytes = 0;
  g_fake.generation[dev]++;
  pthread_mutex_unlock(&g_mu);
}

/* ---- memory --------------------------------------------------------------------------------- */

int fake_alloc(uint64_t size, void **out) {
  void *p = NULL;
  if (posix_memalign(&p, 512, size) != 0) return 207001;
  memset(p, 0xcd, size); /* fresh device memory is not zero */
  pthread_mutex_lock(&g_mu);
  if (g_fake.nallocs == FAKE_MAX_ALLOCS) {
    pthread_mutex_unlock(&g_mu);
    free(p);
    return 207001;
  }
  g_fake.allocs[g_fake.nallocs++] = (struct fake_alloc){p, size};
  g_fake.live_bytes += size;
  pthread_mutex_unlock(&g_mu);
  *out = p;
  return 0;
}

int fake_release(void *p) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < g_fake.nallocs; ++i) {
    if (g_fake.allocs[i].p == p) {
      g_fake.live_bytes -= g_fake.allocs[i].size;
      g_fake.allocs[i] = g_fake.allocs[--g_fake.nallocs];
      pthread_mutex_unlock(&g_mu);
      free(p);
      return 0;
    }
  }
  pthread_mutex_unlock(&g_mu);
  return FAKE_RC_PARAM_INVALID;
}

int fake_device_range(const void *p, uint64_t size) {
  const uintptr_t a = (uintptr_t)p;
  pthread_mutex_lock(&g_mu);
  int ok = 0;
  for (int i = 0; i < g_fake.nallocs && !ok; ++i) {
    const uintptr_t base = (uintptr_t)g_fake.allocs[i].p;
    ok = a >= base && a < base + g_fake.allocs[i].size && size <= base + g_fake.allocs[i].size - a;
  }
  pthread_mutex_unlock(&g_mu);
  return ok;
}

void fake_memory_usage(uint64_t *count, uint64_t *bytes) {
  pthread_mutex_lock(&g_mu);
  *count = (uint64_t)g_fake.nallocs;
  *bytes = g_fake.live_bytes;
  pthread_mutex_unlock(&g_mu);
}

/* ---- streams -------------------------------------------------------------------------------- */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int find_stream(void *s) {
  for (int i = 0; i < g_fake.nstreams; ++i) {
    if (g_fake.streams[i] == s) return i;
  }
  return -1;
}

int fake_stream_new(void **out) {
  struct fake_stream *s = calloc(1, sizeof *s);
  pthread_mutex_lock(&g_mu);
  if (s == NULL || g_fake.nstreams == FAKE_MAX_STREAMS) {
    pthread_mutex_unlock(&g_mu);
    free(s);
    return FAKE_RC_DRV_INTERNAL;
  }
  s->id = ++g_fake.next_stream_id;
  g_fake.streams[g_fake.nstreams++] = s;
  pthread_mutex_unlock(&g_mu);
  *out = s;
  return 0;
}

int fake_stream_delete(void *s) {
  pthread_mutex_lock(&g_mu);
  const int i = find_stream(s);
  if (i < 0) {
    pthread_mutex_unlock(&g_mu);
    return FAKE_RC_PARAM_INVALID;
  }
  g_fake.streams[i] = g_fake.streams[--g_fake.nstreams];
  pthread_mutex_unlock(&g_mu);
  free(s);
  return 0;
}

int fake_stream_live(void *s) {
  pthread_mutex_lock(&g_mu);
  const int live = find_stream(s) >= 0;
  pthread_mutex_unlock(&g_mu);
  return live;
}

int fake_stream_id(void *s) {
  pthread_mutex_lock(&g_mu);
  const int i = find_stream(s);
  const int id = i < 0 ? 0 : g_fake.streams[i]->id;
  pthread_mutex_unlock(&g_mu);
  return id;
}

void fake_stream_busy(void *s) {
  const double ms = (double)fake_env_int("NPURUN_FAKE_CANN_KERNEL_MS", 0);
  pthread_mutex_lock(&g_mu);
  const int i = find_stream(s);
  if (i >= 0) {
    struct fake_stream *st = g_fake.streams[i];
    const double start = st->busy_until > now_ms() ? st->busy_until : now_ms();
    st->busy_until = start + ms;
  }
  pthread_mutex_unlock(&g_mu);
}

int fake_stream_wait(void *s, int32_t timeout_ms) {
  pthread_mutex_lock(&g_mu);
  const int i = find_stream(s);
  const double until = i < 0 ? 0 : g_fake.streams[i]->busy_until;
  pthread_mutex_unlock(&g_mu);
  const double remaining = until - now_ms();
  if (remaining <= 0) return 0;
  const int timed_out = timeout_ms >= 0 && remaining > (double)timeout_ms;
  const double wait = timed_out ? (double)timeout_ms : remaining;
  struct timespec ts = {(time_t)(wait / 1e3), (long)((wait - (double)(time_t)(wait / 1e3) * 1e3) * 1e6)};
  while (nanosleep(&ts, &ts) != 0) {
  }
  return timed_out ? FAKE_RC_SYNC_TIMEOUT : 0;
}

/* ---- host mappings, AI Core binaries, AI CPU programs ----------------------------------------- */

int fake_map_add(void *p, uint64_t size) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < g_fake.nmaps; ++i) {
    if (g_fake.maps[i].p == p) {
      pthread_mutex_unlock(&g_mu);
      return FAKE_RC_PARAM_INVALID;
    }
  }
  if (g_fake.nmaps == FAKE_MAX_ALLOCS) {
    pthread_mutex_unlock(&g_mu);
    return FAKE_RC_DRV_INTERNAL;
  }
  g_fake.maps[g_fake.nmaps++] = (struct fake_alloc){p, size};
  pthread_mutex_unlock(&g_mu);
  return 0;
}

int fake_map_remove(void *p) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < g_fake.nmaps; ++i) {
    if (g_fake.maps[i].p == p) {
      g_fake.maps[i] = g_fake.maps[--g_fake.nmaps];
      pthread_mutex_unlock(&g_mu);
      return 0;
    }
  }
  pthread_mutex_unlock(&g_mu);
  return FAKE_RC_PARAM_INVALID;
}

int fake_map_count(void) {
  pthread_mutex_lock(&g_mu);
  const int n = g_fake.nmaps;
  pthread_mutex_unlock(&g_mu);
  return n;
}

int fake_bin_add(struct fake_bin *b) {
  pthread_mutex_lock(&g_mu);
  if (g_fake.nbins == FAKE_MAX_BINS) {
    pthread_mutex_unlock(&g_mu);
    return FAKE_RC_DRV_INTERNAL;
  }
  g_fake.bins[g_fake.nbins++] = b;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

struct fake_bin *fake_bin_find(void *h, int kind) {
  pthread_mutex_lock(&g_mu);
  struct fake_bin *found = NULL;
  for (int i = 0; i < g_fake.nbins; ++i) {
    if (g_fake.bins[i] == h && g_fake.bins[i]->kind == kind) found = g_fake.bins[i];
  }
  pthread_mutex_unlock(&g_mu);
  return found;
}

int fake_bin_remove(void *h, int kind) {
  pthread_mutex_lock(&g_mu);
  for (int i = 0; i < g_fake.nbins; ++i) {
    if (g_fake.bins[i] == h && g_fake.bins[i]->kind == kind) {
      g_fake.bins[i] = g_fake.bins[--g_fake.nbins];
      /* Function handles of an unloaded program die with it. */
      for (int k = 0; k < g_fake.nkernels;) {
        if (g_fake.kernels[k]->bin == h) {
          free(g_fake.kernels[k]);
          g_fake.kernels[k] = g_fake.kernels[--g_fake.nkernels];
        } else {
          ++k;
        }
      }
      pthread_mutex_unlock(&g_mu);
      free(h);
      return 0;
    }
  }
  pthread_mutex_unlock(&g_mu);
  return FAKE_RC_PARAM_INVALID;
}

int fake_kernel_add(struct fake_kernel *k) {
  pthread_mutex_lock(&g_mu);
  if (g_fake.nkernels == FAKE_MAX_KERNELS) {
    pthread_mutex_unlock(&g_mu);
    return FAKE_RC_DRV_INTERNAL;
  }
  g_fake.kernels[g_fake.nkernels++] = k;
  pthread_mutex_unlock(&g_mu);
  return 0;
}

struct fake_kernel *fake_kernel_find(void *h) {
  pthread_mutex_lock(&g_mu);
  struct fake_kernel *found = NULL;
  for (int i = 0; i < g_fake.nkernels; ++i) {
    if (g_fake.kernels[i] == h) found = g_fake.kernels[i];
  }
  pthread_mutex_unlock(&g_mu);
  return found;
}
