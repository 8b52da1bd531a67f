// A PROBE, not part of the library: a native CPU resampler behind jax.ffi, written to measure
// whether a native kernel clears issue #18's bar for one (at least 2x the XLA path on the worst
// augment row). It does not: `python -m benchmarks.probes.native_warp` builds it and prints its
// A/B against the engine's XLA resample (results: benchmarks/results/native-probe-cpu-2cores.md).
// Kept so that the next attempt starts from measured code.
//
// What it does: the affine warp of a float32 or uint8 (B, H, W, 3) batch at orders 0 and 1 in
// the `constant`, `nearest` and `reflect` modes, one (3, 3) output-to-input matrix per image,
// into a (B, Ho, Wo, 3) batch of the same dtype.
//
// Values: the XLA path's float32 formulas (resample._linear, resample.coordinates, cast_like),
// with the fused multiply-adds XLA:CPU contracts them into (jax 0.10, x86-64 with FMA):
//   u = fma(m01, c, m00 * r) + m02,  v = fma(m11, c, m10 * r) + m12,
//   top = fma(t00, 1 - fc, t01 * fc), bottom = fma(t10, 1 - fc, t11 * fc),
//   out = fma(top, 1 - fr, bottom * fr),
// scipy's coordinate mapping and tap folding per mode, `constant`'s cut to cval outside
// [0, n - 1], uint8 rounded half away from zero and clipped. Built with -ffp-contract=off so
// that the compiler adds no other contraction: the probe checks the output equals the XLA
// path's bit for bit.
//
// How: output tiles of kTile x kTile (a rotated tile reads a compact patch of the input);
// coordinates, mode mapping and tap offsets eight pixels at a time in vector code; float32 taps
// as one 4-lane vector per pixel (a 16-byte load, one FMA chain for the three channels), uint8
// taps as one 32-bit word per pixel, blended as channel planes in vector lanes and stored 24
// bytes at a time; a prefetch of the taps kPrefetchRows output rows ahead (order 1, float32);
// the rare lanes the vector code does not cover (coordinates beyond one period in `reflect`, NaN,
// the last pixel of the batch, whose wide load would pass the end) take a scalar path with the
// same formulas.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>

#if defined(__FMA__)
#include <immintrin.h>
#endif

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

// Mode ids: their index in resample.MODES.
enum Mode : int64_t { kConstant = 0, kNearest = 1, kReflect = 2 };

typedef float F8 __attribute__((vector_size(32)));
typedef int32_t I8 __attribute__((vector_size(32)));
typedef float F4 __attribute__((vector_size(16)));

constexpr int64_t kTile = 32;         // output tile side, a multiple of 8
constexpr int64_t kPrefetchRows = 4;  // measured: 2-8 similar, none 20-30% slower

inline F8 Splat8(float x) { return (F8){} + x; }
inline F4 Splat4(float x) { return (F4){} + x; }

// fma(a, b, c) lane by lane (one rounding), for F8 and F4.
template <typename V>
inline V Fma(V a, V b, V c) {
#if defined(__FMA__)
  if constexpr (sizeof(V) == 32) return (V)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
  if constexpr (sizeof(V) == 16) return (V)_mm_fmadd_ps((__m128)a, (__m128)b, (__m128)c);
#endif
  V r;
  for (int k = 0; k < static_cast<int>(sizeof(V) / sizeof(float)); ++k) r[k] = std::fma(a[k], b[k], c[k]);
  return r;
}

inline F8 Min8(F8 a, F8 b) { return a < b ? a : b; }
inline F8 Max8(F8 a, F8 b) { return a > b ? a : b; }  // NaN lanes take b (they go scalar anyway)
inline I8 Clamp8(I8 x, int32_t hi) {
  x = x > 0 ? x : 0;
  return x < hi ? x : hi;
}

// floor(x) for x within int32 range.
inline F8 Floor8(F8 x) {
  const F8 t = __builtin_convertvector(__builtin_convertvector(x, I8), F8);
  return t > x ? t - 1.0f : t;
}

struct Problem {
  int64_t batch, height, width, out_height, out_width, mode, order;
  const float* mats;  // (B, 3, 3)
  float cval;
};

// ---------------------------------------------------------------- any pixel, scalar

// scipy's mapping of a coordinate into [0, n - 1] (resample._map_coordinate), same operations.
float MapCoordinate(float u, float n, int64_t mode) {
  if (mode == kConstant) return u;
  if (mode == kNearest) return std::min(std::max(u, 0.0f), n - 1.0f);  // NaN stays NaN
  if (n <= 1.0f) return 0.0f;
  const float s = 2.0f * n;
  if (u < 0.0f) {
    const float lo = u < -s ? u + s * std::trunc(-u / s) : u;
    return lo < -n ? lo + s : -lo - 1.0f;
  }
  if (!(u > n - 1.0f)) return u;
  const float hi = u - s * std::trunc(u / s);
  return hi >= n ? s - hi - 1.0f : hi;
}

// A tap index folded into [0, n - 1] (resample._map_index).
int MapIndex(int i, int n, int64_t mode) {
  if (n <= 1) return 0;
  if (mode == kReflect) {
    if (i < 0) i = -1 - i;
    if (i > n - 1) i = 2 * n - 1 - i;
  }
  return std::min(std::max(i, 0), n - 1);
}

// A floored float as an int; NaN and huge values give indices MapIndex clips inside.
int ToIndex(float f) {
  if (std::isnan(f)) return 0;
  if (!(f > -1e9f)) return -1000000000;
  if (!(f < 1e9f)) return 1000000000;
  return static_cast<int>(f);
}

// resample.cast_like for uint8: round half away from zero (half up is the same after the clip),
// clip to [0, 255], NaN -> 0.
inline uint8_t RoundByte(float x) {
  const float f = std::floor(x);
  float r = x - f >= 0.5f ? f + 1.0f : f;
  r = r > 0.0f ? (r < 255.0f ? r : 255.0f) : 0.0f;
  return static_cast<uint8_t>(r);
}

inline void Put(float* dst, float x) { *dst = x; }
inline void Put(uint8_t* dst, float x) { *dst = RoundByte(x); }

template <typename T>
void ScalarPixel(const Problem& p, const T* image, float u, float v, T* dst) {
  const int h = static_cast<int>(p.height), w = static_cast<int>(p.width);
  const float hf = static_cast<float>(h), wf = static_cast<float>(w);
  if (p.mode == kConstant && !(u >= 0.0f && u <= hf - 1.0f && v >= 0.0f && v <= wf - 1.0f)) {
    for (int k = 0; k < 3; ++k) Put(dst + k, p.cval);
    return;
  }
  const float mu = MapCoordinate(u, hf, p.mode), mv = MapCoordinate(v, wf, p.mode);
  if (p.order == 0) {
    const int r = MapIndex(ToIndex(std::floor(mu + 0.5f)), h, p.mode);
    const int c = MapIndex(ToIndex(std::floor(mv + 0.5f)), w, p.mode);
    const T* src = image + (static_cast<int64_t>(r) * w + c) * 3;
    for (int k = 0; k < 3; ++k) dst[k] = src[k];
    return;
  }
  const float r0f = std::floor(mu), c0f = std::floor(mv);
  const float fr = mu - r0f, fc = mv - c0f;
  const int r0 = ToIndex(r0f), c0 = ToIndex(c0f);
  const int64_t ra = MapIndex(r0, h, p.mode), rb = MapIndex(r0 + 1, h, p.mode);
  const int64_t ca = MapIndex(c0, w, p.mode), cb = MapIndex(c0 + 1, w, p.mode);
  for (int k = 0; k < 3; ++k) {
    const float t00 = image[(ra * w + ca) * 3 + k], t01 = image[(ra * w + cb) * 3 + k];
    const float t10 = image[(rb * w + ca) * 3 + k], t11 = image[(rb * w + cb) * 3 + k];
    const float top = std::fma(t00, 1.0f - fc, t01 * fc);
    const float bottom = std::fma(t10, 1.0f - fc, t11 * fc);
    Put(dst + k, std::fma(top, 1.0f - fr, bottom * fr));
  }
}

// ---------------------------------------------------------------- eight pixels at a time

inline F8 Coordinate8(const float* m, float row, F8 col) { return Fma(Splat8(m[1]), col, Splat8(m[0] * row)) + m[2]; }

// Mapped coordinates of eight pixels; `scalar` lanes must take ScalarPixel.
template <int64_t kMode>
inline void Map8(F8 u, F8 v, float hf, float wf, F8& mu, F8& mv, I8& inside, I8& scalar) {
  const F8 zero = {}, hmax = Splat8(hf - 1.0f), wmax = Splat8(wf - 1.0f);
  scalar = (u != u) | (v != v);
  if (kMode == kConstant) inside = (u >= 0.0f) & (u <= hmax) & (v >= 0.0f) & (v <= wmax);
  if (kMode == kReflect) {  // one period each side: -2n <= u < 2n (else scalar)
    const F8 s = Splat8(2.0f * hf), sw = Splat8(2.0f * wf);
    scalar |= (u < -s) | (u >= s) | (v < -sw) | (v >= sw) | (hf <= 1.0f) | (wf <= 1.0f);
    const F8 a = Min8(Max8(u, -s), s - 1.0f), b = Min8(Max8(v, -sw), sw - 1.0f);
    mu = a < 0.0f ? (a < -hf ? a + s : -a - 1.0f) : (a >= hf ? s - a - 1.0f : a);
    mv = b < 0.0f ? (b < -wf ? b + sw : -b - 1.0f) : (b >= wf ? sw - b - 1.0f : b);
  } else {  // nearest; constant's outside lanes only need indices in range
    mu = Min8(Max8(u, zero), hmax);
    mv = Min8(Max8(v, zero), wmax);
  }
}

template <int64_t kMode>
inline I8 Fold8(I8 i, int32_t n) {
  if (kMode == kReflect) {
    i = i < 0 ? -1 - i : i;
    i = i > n - 1 ? 2 * n - 1 - i : i;
  }
  return Clamp8(i, n - 1);
}

// Pixels [col0, col1) (at most kTile) of output row `row` of one image.
template <int64_t kMode, int kOrder>
void Segment(const Problem& p, const float* image, int64_t limit, float* out, const float* m, int64_t row,
             int64_t col0, int64_t col1) {
  const int32_t h = static_cast<int32_t>(p.height), w = static_cast<int32_t>(p.width);
  const float hf = static_cast<float>(h), wf = static_cast<float>(w);
  const float rf = static_cast<float>(row);
  const F8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
  for (int64_t j = col0; j < col1; j += 8) {
    const int n = static_cast<int>(std::min<int64_t>(8, col1 - j));
    const F8 cf = static_cast<float>(j) + lane;
    const F8 u = Coordinate8(m, rf, cf), v = Coordinate8(m + 3, rf, cf);
    F8 mu, mv;
    I8 inside = {}, scalar;
    Map8<kMode>(u, v, hf, wf, mu, mv, inside, scalar);
    float* dst = out + j * 3;
    const bool row_end = j + n == p.out_width;  // the last pixel's 4-lane store would cross the row
    if (kOrder == 0) {
      const I8 r = Fold8<kMode>(__builtin_convertvector(Floor8(Min8(mu, Splat8(hf)) + 0.5f), I8), h);
      const I8 c = Fold8<kMode>(__builtin_convertvector(Floor8(Min8(mv, Splat8(wf)) + 0.5f), I8), w);
      const I8 offset = (r * w + c) * 3;
      for (int k = 0; k < n; ++k) {
        float* d = dst + 3 * k;
        if (scalar[k] || offset[k] > limit) {
          ScalarPixel(p, image, u[k], v[k], d);
          continue;
        }
        F4 x;
        std::memcpy(&x, image + offset[k], sizeof(x));
        if (kMode == kConstant && !inside[k]) x = Splat4(p.cval);
        std::memcpy(d, &x, row_end && k == n - 1 ? 12 : 16);  // lane 3 is rewritten by the next pixel
      }
      continue;
    }
    const F8 r0f = Floor8(mu), c0f = Floor8(mv);
    const F8 fr = mu - r0f, fc = mv - c0f, gr = 1.0f - fr, gc = 1.0f - fc;
    const I8 r0 = __builtin_convertvector(r0f, I8), c0 = __builtin_convertvector(c0f, I8);
    const I8 top = Fold8<kMode>(r0, h) * w, bottom = Fold8<kMode>(r0 + 1, h) * w;
    const I8 ca = Fold8<kMode>(c0, w), cb = Fold8<kMode>(c0 + 1, w);
    const I8 o00 = (top + ca) * 3, o01 = (top + cb) * 3, o10 = (bottom + ca) * 3, o11 = (bottom + cb) * 3;
    {  // prefetch the taps of the same columns kPrefetchRows rows below
      const float ahead = static_cast<float>(row + kPrefetchRows);
      const F8 pu = Min8(Max8(Coordinate8(m, ahead, cf), F8{}), Splat8(hf - 2.0f));
      const F8 pv = Min8(Max8(Coordinate8(m + 3, ahead, cf), F8{}), Splat8(wf - 1.0f));
      const I8 po = (__builtin_convertvector(pu, I8) * w + __builtin_convertvector(pv, I8)) * 3;
      for (int k = 0; k < 8; k += 2) {
        __builtin_prefetch(image + po[k]);
        __builtin_prefetch(image + po[k] + 3 * static_cast<int64_t>(w));
      }
    }
    for (int k = 0; k < n; ++k) {
      float* d = dst + 3 * k;
      if (scalar[k] || o11[k] > limit) {
        ScalarPixel(p, image, u[k], v[k], d);
        continue;
      }
      F4 t00, t01, t10, t11;
      std::memcpy(&t00, image + o00[k], sizeof(F4));
      std::memcpy(&t01, image + o01[k], sizeof(F4));
      std::memcpy(&t10, image + o10[k], sizeof(F4));
      std::memcpy(&t11, image + o11[k], sizeof(F4));
      const F4 upper = Fma(t00, Splat4(gc[k]), t01 * fc[k]);
      const F4 lower = Fma(t10, Splat4(gc[k]), t11 * fc[k]);
      F4 x = Fma(upper, Splat4(gr[k]), lower * fr[k]);
      if (kMode == kConstant && !inside[k]) x = Splat4(p.cval);
      std::memcpy(d, &x, row_end && k == n - 1 ? 12 : 16);
    }
  }
}

// uint8: eight pixels per vector, one channel plane at a time. Each tap's three channels come
// from one 4-byte load (a 32-bit lane: R | G << 8 | B << 16 | junk), the blend runs in float32 on
// each channel plane, and the eight rounded pixels go out as one 24-byte store.
typedef uint8_t B32 __attribute__((vector_size(32)));

inline I8 Words(const uint8_t* base, I8 offsets) {
  I8 r;
  for (int k = 0; k < 8; ++k) std::memcpy(&r[k], base + offsets[k], 4);
  return r;
}

inline F8 Plane(I8 words, int shift) { return __builtin_convertvector((words >> shift) & 255, F8); }

inline I8 RoundBytes(F8 x) {  // RoundByte on eight lanes
  const F8 f = Floor8(Min8(Max8(x, Splat8(-1.0f)), Splat8(256.0f)));
  F8 r = x - f >= 0.5f ? f + 1.0f : f;
  r = Min8(Max8(r, F8{}), Splat8(255.0f));
  return __builtin_convertvector(r, I8);
}

inline void Store24(uint8_t* dst, I8 words) {
  B32 bytes;
  std::memcpy(&bytes, &words, sizeof(bytes));
  const B32 pick = {0,  1,  2,  4,  5,  6,  8,  9,  10, 12, 13, 14, 16, 17, 18, 20,
                    21, 22, 24, 25, 26, 28, 29, 30, 0,  0,  0,  0,  0,  0,  0,  0};
  const B32 packed = __builtin_shuffle(bytes, pick);
  std::memcpy(dst, &packed, 24);
}

template <int64_t kMode, int kOrder>
void Segment(const Problem& p, const uint8_t* image, int64_t limit, uint8_t* out, const float* m, int64_t row,
             int64_t col0, int64_t col1) {
  const int32_t h = static_cast<int32_t>(p.height), w = static_cast<int32_t>(p.width);
  const float hf = static_cast<float>(h), wf = static_cast<float>(w);
  const float rf = static_cast<float>(row);
  const F8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
  const int32_t fill = RoundByte(p.cval) * 0x010101;
  const int32_t lim = static_cast<int32_t>(std::min<int64_t>(limit, INT32_MAX));
  for (int64_t j = col0; j < col1; j += 8) {
    const int n = static_cast<int>(std::min<int64_t>(8, col1 - j));
    const F8 cf = static_cast<float>(j) + lane;
    const F8 u = Coordinate8(m, rf, cf), v = Coordinate8(m + 3, rf, cf);
    F8 mu, mv;
    I8 inside = {}, scalar;
    Map8<kMode>(u, v, hf, wf, mu, mv, inside, scalar);
    uint8_t* dst = out + j * 3;
    alignas(32) uint8_t tail[32];
    I8 result;
    if (kOrder == 0) {
      const I8 r = Fold8<kMode>(__builtin_convertvector(Floor8(Min8(mu, Splat8(hf)) + 0.5f), I8), h);
      const I8 c = Fold8<kMode>(__builtin_convertvector(Floor8(Min8(mv, Splat8(wf)) + 0.5f), I8), w);
      const I8 offset = (r * w + c) * 3;
      scalar |= offset > lim;  // those lanes read pixel 0 here and are redone by ScalarPixel
      result = Words(image, offset > lim ? 0 : offset);
      if (kMode == kConstant) result = inside ? result : fill;
    } else {
      const F8 r0f = Floor8(mu), c0f = Floor8(mv);
      const F8 fr = mu - r0f, fc = mv - c0f, gr = 1.0f - fr, gc = 1.0f - fc;
      const I8 r0 = __builtin_convertvector(r0f, I8), c0 = __builtin_convertvector(c0f, I8);
      const I8 top = Fold8<kMode>(r0, h) * w, bottom = Fold8<kMode>(r0 + 1, h) * w;
      const I8 ca = Fold8<kMode>(c0, w), cb = Fold8<kMode>(c0 + 1, w);
      const I8 o00 = (top + ca) * 3, o01 = (top + cb) * 3, o10 = (bottom + ca) * 3, o11 = (bottom + cb) * 3;
      const I8 safe = o11 > lim;  // those lanes read pixel 0 here and are redone by ScalarPixel
      scalar |= safe;
      const I8 t00 = Words(image, safe ? 0 : o00), t01 = Words(image, safe ? 0 : o01);
      const I8 t10 = Words(image, safe ? 0 : o10), t11 = Words(image, safe ? 0 : o11);
      result = I8{};
      for (int shift = 0; shift < 24; shift += 8) {
        const F8 upper = Fma(Plane(t00, shift), gc, Plane(t01, shift) * fc);
        const F8 lower = Fma(Plane(t10, shift), gc, Plane(t11, shift) * fc);
        F8 x = Fma(upper, gr, lower * fr);
        if (kMode == kConstant) x = inside ? x : Splat8(p.cval);
        result |= RoundBytes(x) << shift;
      }
    }
    Store24(n == 8 ? dst : tail, result);
    if (n < 8) std::memcpy(dst, tail, 3 * n);
    for (int k = 0; k < n; ++k) {
      if (scalar[k]) ScalarPixel(p, image, u[k], v[k], dst + 3 * k);
    }
  }
}

// Work item i: band i % bands (kTile output rows) of image i / bands, tile by tile.
template <typename T, int64_t kMode, int kOrder>
void Bands(const Problem& p, const T* images, T* out, int64_t first, int64_t stop) {
  const int64_t in_image = p.height * p.width * 3, out_row = p.out_width * 3;
  const int64_t bands = (p.out_height + kTile - 1) / kTile;
  for (int64_t i = first; i < stop; ++i) {
    const int64_t b = i / bands, row0 = (i % bands) * kTile, row1 = std::min(p.out_height, row0 + kTile);
    const T* image = images + b * in_image;
    // A tap read at `offset` loads 4 elements: it must end inside the batch.
    const int64_t limit = (p.batch - b) * in_image - 4;
    for (int64_t col0 = 0; col0 < p.out_width; col0 += kTile) {
      const int64_t col1 = std::min(p.out_width, col0 + kTile);
      for (int64_t row = row0; row < row1; ++row) {
        Segment<kMode, kOrder>(p, image, limit, out + (b * p.out_height + row) * out_row, p.mats + 9 * b, row, col0,
                               col1);
      }
    }
  }
}

// Runs fn(i) for i in [0, total) on the calling thread and the pool. The caller takes items too
// and waits only for items that were taken, so it never waits on a task the pool has not started
// (no deadlock when the pool is busy or has no threads).
template <typename Fn>
void ParallelFor(ffi::ThreadPool& pool, int64_t total, Fn fn) {
  const int64_t helpers = std::min<int64_t>(pool.num_threads(), total - 1);
  if (helpers <= 0) {
    for (int64_t i = 0; i < total; ++i) fn(i);
    return;
  }
  struct State {
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
    std::mutex mu;
    std::condition_variable cv;
  };
  auto state = std::make_shared<State>();
  auto work = [state, total, fn]() {
    for (;;) {
      const int64_t i = state->next.fetch_add(1);
      if (i >= total) return;
      fn(i);
      if (state->done.fetch_add(1) + 1 == total) {
        std::lock_guard<std::mutex> lock(state->mu);
        state->cv.notify_all();
      }
    }
  };
  for (int64_t t = 0; t < helpers; ++t) pool.Schedule(decltype(work)(work));
  work();
  std::unique_lock<std::mutex> lock(state->mu);
  state->cv.wait(lock, [&] { return state->done.load() == total; });
}

template <typename T, int64_t kMode, int kOrder>
void Run(ffi::ThreadPool& pool, const Problem& p, const T* images, T* out) {
  const int64_t items = p.batch * ((p.out_height + kTile - 1) / kTile);
  ParallelFor(pool, items, [&p, images, out](int64_t i) { Bands<T, kMode, kOrder>(p, images, out, i, i + 1); });
}

template <typename T>
void RunMode(ffi::ThreadPool& pool, const Problem& p, const T* src, T* dst) {
  switch (p.mode * 2 + p.order) {
    case kConstant * 2: Run<T, kConstant, 0>(pool, p, src, dst); break;
    case kConstant * 2 + 1: Run<T, kConstant, 1>(pool, p, src, dst); break;
    case kNearest * 2: Run<T, kNearest, 0>(pool, p, src, dst); break;
    case kNearest * 2 + 1: Run<T, kNearest, 1>(pool, p, src, dst); break;
    case kReflect * 2: Run<T, kReflect, 0>(pool, p, src, dst); break;
    default: Run<T, kReflect, 1>(pool, p, src, dst); break;
  }
}

using Matrices = ffi::Buffer<ffi::F32, 3>;  // (B, 3, 3)
using Scalar = ffi::Buffer<ffi::F32, 0>;    // cval

ffi::Error WarpImpl(ffi::ThreadPool pool, ffi::AnyBuffer images, Matrices matrices, Scalar cval,
                    ffi::Result<ffi::AnyBuffer> out, int64_t mode, int64_t order) {
  const auto in = images.dimensions();
  const auto od = out->dimensions();
  const auto type = images.element_type();
  if (in.size() != 4 || od.size() != 4 || in[3] != 3 || od[3] != 3 || od[0] != in[0] ||
      out->element_type() != type || (type != ffi::DataType::F32 && type != ffi::DataType::U8)) {
    return ffi::Error::InvalidArgument("jaxaug_warp: (B, H, W, 3) -> (B, Ho, Wo, 3), float32 or uint8");
  }
  if (matrices.dimensions()[0] != in[0] || matrices.dimensions()[1] != 3 || matrices.dimensions()[2] != 3) {
    return ffi::Error::InvalidArgument("jaxaug_warp: one (3, 3) matrix per image expected");
  }
  if (order != 0 && order != 1) return ffi::Error::InvalidArgument("jaxaug_warp: order must be 0 or 1");
  if (mode != kConstant && mode != kNearest && mode != kReflect) {
    return ffi::Error::InvalidArgument("jaxaug_warp: mode must be constant, nearest or reflect");
  }
  if (in[1] * in[2] * 3 >= (int64_t{1} << 31) || in[1] >= (1 << 24) || in[2] >= (1 << 24) ||
      od[2] >= (1 << 24)) {
    return ffi::Error::InvalidArgument("jaxaug_warp: image too large for int32 offsets");
  }
  const Problem p{in[0], in[1], in[2], od[1], od[2], mode, order, matrices.typed_data(), cval.typed_data()[0]};
  if (p.batch == 0 || p.out_height == 0 || p.out_width == 0) return ffi::Error::Success();
  if (p.height == 0 || p.width == 0) return ffi::Error::InvalidArgument("jaxaug_warp: empty input images");
  if (type == ffi::DataType::F32) {
    RunMode(pool, p, static_cast<const float*>(images.untyped_data()), static_cast<float*>(out->untyped_data()));
  } else {
    RunMode(pool, p, static_cast<const uint8_t*>(images.untyped_data()), static_cast<uint8_t*>(out->untyped_data()));
  }
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(JaxaugWarp, WarpImpl,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::AnyBuffer>()  // images (B, H, W, 3)
                                  .Arg<Matrices>()
                                  .Arg<Scalar>()
                                  .Ret<ffi::AnyBuffer>()  // (B, Ho, Wo, 3), the images' dtype
                                  .Attr<int64_t>("mode")
                                  .Attr<int64_t>("order"));
