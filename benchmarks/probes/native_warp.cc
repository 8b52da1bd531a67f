// A PROBE, not part of the library: a native CPU resampler behind jax.ffi, written to measure
// whether a native kernel clears issue #18's bar for one (at least 2x the XLA path on the
// worst augment row). It does not: `python -m benchmarks.probes.native_warp` builds it and
// prints its A/B against the engine's XLA resample (results and conclusions: README,
// "Performance and benchmarks"). Kept so that the next attempt starts from measured code.
//
// What it is: orders 0 and 1, the eight scipy boundary modes, affine and projective matrices,
// float32 -> float32, uint8 -> float32 and uint8 -> uint8 (B, H, W, C) batches. It evaluates
// resample.py's order-0/1 formulas in the same float32 operations, in the same order, one
// rounding each (built with -ffp-contract=off):
//   u = (m00 * r + m01 * c) + m02, v = (m10 * r + m11 * c) + m12 (projective: each / (m20 ...)),
//   scipy's coordinate mapping, floor and fraction, the mode's taps, then
//   top = t00 * (1 - fc) + t01 * fc, bottom = t10 * (1 - fc) + t11 * fc,
//   out = top * (1 - fr) + bottom * fr,
// and for a uint8 result, round half away from zero and clip (resample.cast_like). It equals a
// float32 numpy evaluation of those formulas bit for bit; XLA:CPU contracts some products and
// sums into fused multiply-adds, so the XLA path differs from both by float32 rounding.
//
// What made it faster than a plain per-pixel loop (each measured on one core):
// * output tiles of kTile x kTile: a rotated tile reads a compact patch of the input, where a
//   whole output row crosses dozens of input rows (2.5x slower untiled: cache and TLB misses);
// * coordinates, fractions and tap offsets eight pixels at a time in portable vector code;
// * pixels whose four taps lie inside the image (nearly all) skip all mode handling and read
//   each tap's 3 or 4 channels with one 4-lane load; within one period of the image the mode
//   mapping needs no division (bit-identical, see MapCoordinate);
// * AVX2 gathers instead of 4-lane loads measured 2x SLOWER on this CPU (AMD EPYC, Zen 4).
// Tiles are spread over XLA's intra-op thread pool.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <type_traits>

#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

// Mode ids: the order of resample.MODES.
enum Mode : int64_t {
  kConstant = 0,
  kNearest = 1,
  kReflect = 2,
  kMirror = 3,
  kWrap = 4,
  kGridConstant = 5,
  kGridWrap = 6,
  kGridMirror = 7,
};

struct Problem {
  int64_t batch, height, width, channels, out_height, out_width;
  int64_t mode;
  bool projective;
  const float* matrices;  // (B, 3, 3), output (row, col, 1) -> input
  float cval;
};

// scipy's mapping of a coordinate outside [0, n - 1] back inside (resample._map_coordinate),
// the same float operations. Within one period (|u| < s) every trunc(u / s) there is exactly 0
// (u / s rounds to at most 1 - 2**-24), so those terms are skipped: no division for the
// coordinates a warp produces, and bit-identical results.
float MapCoordinate(float u, int n, int64_t mode) {
  const float nf = static_cast<float>(n);
  if (mode == kConstant || mode == kGridConstant) return u;
  if (mode == kNearest) return std::min(std::max(u, 0.0f), nf - 1.0f);
  if (n <= 1) return 0.0f;
  if (u >= 0.0f && u <= nf - 1.0f) return u;
  const bool low = u < 0.0f;
  if (mode == kReflect || mode == kGridMirror) {
    const float s = 2.0f * nf;
    if (low) {
      const float lo = u < -s ? u + s * std::trunc(-u / s) : u;
      return lo < -nf ? lo + s : -lo - 1.0f;
    }
    const float hi = u < s ? u : u - s * std::trunc(u / s);
    return hi >= nf ? s - hi - 1.0f : hi;
  }
  if (mode == kMirror) {
    const float s = 2.0f * nf - 2.0f;
    if (low) {
      const float lo = -u < s ? u : u + s * std::trunc(-u / s);
      return lo <= 1.0f - nf ? lo + s : -lo;
    }
    const float hi = u < s ? u : u - s * std::trunc(u / s);
    return hi >= nf ? s - hi : hi;
  }
  if (mode == kWrap) {
    const float s = nf - 1.0f;
    if (low) return -u < s ? u + s : u + s * (std::trunc(-u / s) + 1.0f);
    return u < s ? u : u - s * std::trunc(u / s);
  }
  // kGridWrap
  if (low) {
    const float t = -1.0f - u;
    return (t < nf && t > -nf) ? u + nf : u + nf * (std::trunc(t / nf) + 1.0f);
  }
  return u < nf ? u : u - nf * std::trunc(u / nf);
}

// A tap index in any range folded into [0, n - 1] (resample._map_index).
int MapIndex(int i, int n, int64_t mode) {
  if (n <= 1) return 0;
  if (i >= 0 && i <= n - 1) return i;
  if (mode == kReflect || mode == kGridMirror) {
    if (i < 0) i = -1 - i;
    if (i > n - 1) i = 2 * n - 1 - i;
  } else if (mode == kMirror) {
    if (i < 0) i = -i;
    if (i > n - 1) i = 2 * n - 2 - i;
  } else if (mode == kGridWrap) {
    if (i < 0) i += n;
    if (i > n - 1) i -= n;
  }
  return std::min(std::max(i, 0), n - 1);
}

// A floored float as an index; NaN and values beyond int32 give indices MapIndex clips inside.
int ToIndex(float f) {
  if (!(f > -2147483520.0f)) return std::isnan(f) ? 0 : INT32_MIN;
  if (!(f < 2147483520.0f)) return INT32_MAX;
  return static_cast<int>(f);
}

// resample.cast_like for uint8: round half away from zero, then clip to [0, 255].
inline uint8_t RoundByte(float v) {
  const float f = std::floor(v);
  float r = v - f >= 0.5f ? f + 1.0f : f;
  r = r > 0.0f ? (r < 255.0f ? r : 255.0f) : 0.0f;  // negatives (and NaN) -> 0
  return static_cast<uint8_t>(r);
}

inline void StoreValue(float* dst, float v) { *dst = v; }
inline void StoreValue(uint8_t* dst, float v) { *dst = RoundByte(v); }

// Four floats: one pixel's channels (with 3 channels, lane 3 is the next pixel's first value,
// read but never used, and overwritten when stored).
typedef float Float4 __attribute__((vector_size(16)));
typedef int32_t Int4 __attribute__((vector_size(16)));
typedef float Float8 __attribute__((vector_size(32)));
typedef int32_t Int8 __attribute__((vector_size(32)));

inline Float4 Load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline Float4 Load4(const uint8_t* p) {
#if defined(__SSE4_1__)
  int32_t word;
  std::memcpy(&word, p, sizeof(word));
  return _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(word)));
#else
  const Int4 v = {p[0], p[1], p[2], p[3]};
  return __builtin_convertvector(v, Float4);
#endif
}

inline void Store4(float* dst, Float4 v) { std::memcpy(dst, &v, sizeof(v)); }

inline void Store4(uint8_t* dst, Float4 v) {
#if defined(__SSE4_1__)
  const __m128 f = _mm_floor_ps(v);
  const __m128 half = _mm_cmpge_ps(_mm_sub_ps(v, f), _mm_set1_ps(0.5f));
  __m128 r = _mm_add_ps(f, _mm_and_ps(half, _mm_set1_ps(1.0f)));
  r = _mm_min_ps(_mm_max_ps(r, _mm_setzero_ps()), _mm_set1_ps(255.0f));  // maxps(NaN, 0) = 0
  const __m128i i = _mm_cvttps_epi32(r);
  const int32_t word = _mm_cvtsi128_si32(_mm_packus_epi16(_mm_packus_epi32(i, i), _mm_setzero_si128()));
  std::memcpy(dst, &word, sizeof(word));
#else
  for (int k = 0; k < 4; ++k) dst[k] = RoundByte(v[k]);
#endif
}

// floor(x) with x first clamped to [-1, top] (NaN -> -1): exact there, and every lane converts
// to int32 (callers use the lanes whose x lies inside the image).
inline Float8 Floor8(Float8 x, float top) {
  x = x > -1.0f ? x : -1.0f;
  x = x < top ? x : top;
  const Float8 t = __builtin_convertvector(__builtin_convertvector(x, Int8), Float8);
  return t > x ? t - 1.0f : t;
}

// Any pixel, any mode: scipy's coordinate mapping, the mode's taps, grid-constant's fill.
template <typename T, typename U, int kC, int order>
__attribute__((noinline)) void WarpPixel(const Problem& p, const T* image, float u, float v, U* dst) {
  const int h = static_cast<int>(p.height), w = static_cast<int>(p.width);
  const int64_t channels = kC > 0 ? kC : p.channels;
  const int64_t mode = p.mode;
  const float hmax = static_cast<float>(h - 1), wmax = static_cast<float>(w - 1);
  const float cval = p.cval;
  if (mode == kConstant && !(u >= 0.0f && u <= hmax && v >= 0.0f && v <= wmax)) {
    for (int64_t k = 0; k < channels; ++k) StoreValue(dst + k, cval);
    return;
  }
  const float mu = MapCoordinate(u, h, mode);
  const float mv = MapCoordinate(v, w, mode);
  if (order == 0) {
    const float rr = std::floor(mu + 0.5f), cc = std::floor(mv + 0.5f);
    if (mode == kGridConstant && !(rr >= 0.0f && rr <= hmax && cc >= 0.0f && cc <= wmax)) {
      for (int64_t k = 0; k < channels; ++k) StoreValue(dst + k, cval);
      return;
    }
    const int r = MapIndex(ToIndex(rr), h, mode), c = MapIndex(ToIndex(cc), w, mode);
    const T* src = image + (static_cast<int64_t>(r) * w + c) * channels;
    for (int64_t k = 0; k < channels; ++k) StoreValue(dst + k, static_cast<float>(src[k]));
    return;
  }
  const float r0f = std::floor(mu), c0f = std::floor(mv);
  const float fr = mu - r0f, fc = mv - c0f;
  const float gr = 1.0f - fr, gc = 1.0f - fc;
  const int r0 = ToIndex(r0f), c0 = ToIndex(c0f);
  const int r1 = r0 == INT32_MAX ? r0 : r0 + 1, c1 = c0 == INT32_MAX ? c0 : c0 + 1;
  const int rows[2] = {MapIndex(r0, h, mode), MapIndex(r1, h, mode)};
  const int cols[2] = {MapIndex(c0, w, mode), MapIndex(c1, w, mode)};
  bool valid[2][2] = {{true, true}, {true, true}};
  if (mode == kGridConstant) {
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        const int64_t rr = static_cast<int64_t>(r0) + i, cc = static_cast<int64_t>(c0) + j;
        valid[i][j] = rr >= 0 && rr <= h - 1 && cc >= 0 && cc <= w - 1;
      }
  }
  const T* t00 = image + (static_cast<int64_t>(rows[0]) * w + cols[0]) * channels;
  const T* t01 = image + (static_cast<int64_t>(rows[0]) * w + cols[1]) * channels;
  const T* t10 = image + (static_cast<int64_t>(rows[1]) * w + cols[0]) * channels;
  const T* t11 = image + (static_cast<int64_t>(rows[1]) * w + cols[1]) * channels;
  for (int64_t k = 0; k < channels; ++k) {
    const float v00 = valid[0][0] ? static_cast<float>(t00[k]) : cval;
    const float v01 = valid[0][1] ? static_cast<float>(t01[k]) : cval;
    const float v10 = valid[1][0] ? static_cast<float>(t10[k]) : cval;
    const float v11 = valid[1][1] ? static_cast<float>(t11[k]) : cval;
    const float top = v00 * gc + v01 * fc;
    const float bottom = v10 * gc + v11 * fc;
    StoreValue(dst + k, top * gr + bottom * fr);
  }
}

constexpr int64_t kTile = 32;  // a multiple of 8 (the coordinate loop's width)

// Pixels [first_col, stop_col) (at most kTile) of one output row. Coordinates, fractions and
// tap offsets are computed eight pixels at a time in portable vector code (lanes past the end
// are computed and ignored); then each pixel whose taps all lie inside the image is blended
// with no mode work, and the others go through WarpPixel.
template <typename T, typename U, int kC, int order>
void WarpSegment(const Problem& p, const T* image, const T* end, U* out, const float* m, int64_t row,
                 int64_t first_col, int64_t stop_col) {
  const int64_t w = p.width;
  const int64_t channels = kC > 0 ? kC : p.channels;
  const int n = static_cast<int>(stop_col - first_col);
  const float rf = static_cast<float>(row);
  const float hmax = static_cast<float>(p.height - 1), wmax = static_cast<float>(w - 1);
  const float ur = m[0] * rf, vr = m[3] * rf, qr = m[6] * rf;
  const int32_t w32 = static_cast<int32_t>(w);
  alignas(32) float us[kTile], vs[kTile], frs[kTile], fcs[kTile];
  alignas(32) int32_t offsets[kTile];
  const Float8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
  for (int j = 0; j < n; j += 8) {
    const Float8 cf = static_cast<float>(first_col + j) + lane;
    Float8 u = (ur + m[1] * cf) + m[2];
    Float8 v = (vr + m[4] * cf) + m[5];
    if (p.projective) {
      const Float8 q = (qr + m[7] * cf) + m[8];
      u = u / q;
      v = v / q;
    }
    Int8 inside;
    Float8 rr, cc;
    if (order == 0) {  // u in [0, H - 1]: no mapping, no fill, and the rounded tap is inside
      inside = (u >= 0.0f) & (u <= hmax) & (v >= 0.0f) & (v <= wmax);
      rr = Floor8(u + 0.5f, hmax + 1.0f);
      cc = Floor8(v + 0.5f, wmax + 1.0f);
    } else {  // all four taps inside (false for NaN)
      rr = Floor8(u, hmax);
      cc = Floor8(v, wmax);
      inside = (rr >= 0.0f) & (rr < hmax) & (cc >= 0.0f) & (cc < wmax);
    }
    const Int8 offset = __builtin_convertvector(rr, Int8) * w32 + __builtin_convertvector(cc, Int8);
    const Int8 stored = inside ? offset : -1;
    const Float8 fr = u - rr, fc = v - cc;
    std::memcpy(us + j, &u, sizeof(u));
    std::memcpy(vs + j, &v, sizeof(v));
    std::memcpy(frs + j, &fr, sizeof(fr));
    std::memcpy(fcs + j, &fc, sizeof(fc));
    std::memcpy(offsets + j, &stored, sizeof(stored));
  }
  const bool row_end = stop_col == p.out_width;
  for (int j = 0; j < n; ++j) {
    U* dst = out + (first_col + j) * channels;
    const int32_t offset = offsets[j];
    if (offset < 0) {
      WarpPixel<T, U, kC, order>(p, image, us[j], vs[j], dst);
      continue;
    }
    const T* a = image + static_cast<int64_t>(offset) * channels;
    const bool wide = kC == 4 || j + 1 < n || !row_end;  // a 4-lane store stays in this row
    if (order == 0) {
      if constexpr (kC == 3 || kC == 4) {
        if (wide && a + 4 <= end) {
          Store4(dst, Load4(a));
          continue;
        }
      }
      for (int64_t k = 0; k < channels; ++k) StoreValue(dst + k, static_cast<float>(a[k]));
      continue;
    }
    const float fr = frs[j], fc = fcs[j];
    const float gr = 1.0f - fr, gc = 1.0f - fc;
    const T* b = a + w * channels;
    if constexpr (kC == 3 || kC == 4) {
      if (wide && b + 2 * kC + (4 - kC) <= end) {  // the 4-lane loads stay inside the batch
        const Float4 top = Load4(a) * gc + Load4(a + kC) * fc;
        const Float4 bottom = Load4(b) * gc + Load4(b + kC) * fc;
        Store4(dst, top * gr + bottom * fr);  // 3 channels: lane 3 is rewritten by the next pixel
        continue;
      }
    }
    for (int64_t k = 0; k < channels; ++k) {
      const float top = static_cast<float>(a[k]) * gc + static_cast<float>(a[k + channels]) * fc;
      const float bottom = static_cast<float>(b[k]) * gc + static_cast<float>(b[k + channels]) * fc;
      StoreValue(dst + k, top * gr + bottom * fr);
    }
  }
}

// Work item i is band i % bands of image i / bands: kTile output rows, tile by tile.
template <typename T, typename U, int kC, int order>
void WarpBands(const Problem& p, const T* images, U* out, int64_t first, int64_t stop) {
  const int64_t in_image = p.height * p.width * p.channels;
  const int64_t out_row = p.out_width * p.channels;
  const int64_t bands = (p.out_height + kTile - 1) / kTile;
  const T* end = images + p.batch * in_image;
  for (int64_t i = first; i < stop; ++i) {
    const int64_t b = i / bands, row0 = (i % bands) * kTile;
    const int64_t row1 = std::min(p.out_height, row0 + kTile);
    for (int64_t col0 = 0; col0 < p.out_width; col0 += kTile) {
      const int64_t col1 = std::min(p.out_width, col0 + kTile);
      for (int64_t row = row0; row < row1; ++row) {
        WarpSegment<T, U, kC, order>(p, images + b * in_image, end, out + (b * p.out_height + row) * out_row,
                                     p.matrices + 9 * b, row, col0, col1);
      }
    }
  }
}

// Runs fn(begin, end) over [0, total) in chunks on the calling thread and the pool. The caller
// takes chunks too and waits only for chunks that were taken, so it never waits on a task the
// pool has not started (no deadlock when the pool is busy or has no threads); a task that
// starts late finds no chunk left and returns without touching fn.
template <typename Fn>
void ParallelFor(ffi::ThreadPool& pool, int64_t total, Fn fn) {
  const int64_t helpers = std::min<int64_t>(pool.num_threads(), total - 1);
  if (helpers <= 0) {
    fn(0, total);
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
      fn(i, i + 1);
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

template <typename T, typename U, int order>
void Run(ffi::ThreadPool& pool, const Problem& p, const T* images, U* out) {
  const int64_t items = p.batch * ((p.out_height + kTile - 1) / kTile);
  auto go = [&](auto channels) {
    constexpr int kC = decltype(channels)::value;
    ParallelFor(pool, items,
                [&p, images, out](int64_t b, int64_t e) { WarpBands<T, U, kC, order>(p, images, out, b, e); });
  };
  if (p.channels == 3) {
    go(std::integral_constant<int, 3>{});
  } else if (p.channels == 4) {
    go(std::integral_constant<int, 4>{});
  } else {
    go(std::integral_constant<int, 0>{});
  }
}

template <typename T, typename U>
void RunOrder(ffi::ThreadPool& pool, const Problem& p, int64_t order, const T* images, U* out) {
  if (order == 0) {
    Run<T, U, 0>(pool, p, images, out);
  } else {
    Run<T, U, 1>(pool, p, images, out);
  }
}

ffi::Error WarpImpl(ffi::ThreadPool pool, ffi::AnyBuffer images, ffi::Buffer<ffi::F32> matrices,
                    ffi::Buffer<ffi::F32> cval, ffi::Result<ffi::AnyBuffer> out, int64_t mode, int64_t order,
                    bool projective) {
  const auto in_dims = images.dimensions();
  const auto out_dims = out->dimensions();
  if (in_dims.size() != 4 || out_dims.size() != 4 || out_dims[0] != in_dims[0] || out_dims[3] != in_dims[3]) {
    return ffi::Error::InvalidArgument("jaxaug_warp: images (B, H, W, C) -> (B, Ho, Wo, C) expected");
  }
  if (matrices.element_count() != 9 * in_dims[0] || cval.element_count() != 1) {
    return ffi::Error::InvalidArgument("jaxaug_warp: matrices (B, 3, 3) and one cval expected");
  }
  if (order != 0 && order != 1) return ffi::Error::InvalidArgument("jaxaug_warp: order must be 0 or 1");
  if (mode < kConstant || mode > kGridMirror) return ffi::Error::InvalidArgument("jaxaug_warp: unknown mode");
  if (in_dims[1] * in_dims[2] >= (int64_t{1} << 31) || out_dims[2] >= (int64_t{1} << 24)) {
    return ffi::Error::InvalidArgument("jaxaug_warp: image too large for int32 pixel offsets");
  }
  const Problem p{in_dims[0], in_dims[1], in_dims[2],          in_dims[3], out_dims[1], out_dims[2],
                  mode,       projective, matrices.typed_data(), cval.typed_data()[0]};
  if (p.batch == 0 || p.out_height == 0 || p.out_width == 0 || p.channels == 0) return ffi::Error::Success();
  if (p.height == 0 || p.width == 0) return ffi::Error::InvalidArgument("jaxaug_warp: empty input images");
  const auto in_type = images.element_type(), out_type = out->element_type();
  if (in_type == ffi::DataType::F32 && out_type == ffi::DataType::F32) {
    RunOrder(pool, p, order, static_cast<const float*>(images.untyped_data()), static_cast<float*>(out->untyped_data()));
  } else if (in_type == ffi::DataType::U8 && out_type == ffi::DataType::F32) {
    RunOrder(pool, p, order, static_cast<const uint8_t*>(images.untyped_data()),
             static_cast<float*>(out->untyped_data()));
  } else if (in_type == ffi::DataType::U8 && out_type == ffi::DataType::U8) {
    RunOrder(pool, p, order, static_cast<const uint8_t*>(images.untyped_data()),
             static_cast<uint8_t*>(out->untyped_data()));
  } else {
    return ffi::Error::InvalidArgument("jaxaug_warp: float32 -> float32, uint8 -> float32 or uint8 -> uint8");
  }
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(JaxaugWarp, WarpImpl,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::AnyBuffer>()         // images (B, H, W, C)
                                  .Arg<ffi::Buffer<ffi::F32>>()  // matrices (B, 3, 3)
                                  .Arg<ffi::Buffer<ffi::F32>>()  // cval (1,)
                                  .Ret<ffi::AnyBuffer>()         // (B, Ho, Wo, C)
                                  .Attr<int64_t>("mode")
                                  .Attr<int64_t>("order")
                                  .Attr<bool>("projective"));
