// im2col against a direct convolution: GEMM(im2col(x), w) must equal conv(x, w).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "common/error.h"
#include "gemm_test_util.h"
#include "kernels/gemm_u8s8.h"
#include "kernels/im2col.h"

namespace ttq::kernels {
namespace {

TEST(Im2col, GeometryArithmetic) {
  ConvGeometry g{28, 28, 16, 3, 3, 2, 2, 1, 1};
  EXPECT_EQ(g.out_h(), 14);
  EXPECT_EQ(g.out_w(), 14);
  EXPECT_EQ(g.k(), 144);
  EXPECT_EQ(g.rows(), 196);
  EXPECT_THROW(check_conv_geometry(ConvGeometry{2, 2, 1, 5, 5, 1, 1, 1, 1}), ShapeError);
  EXPECT_THROW(check_conv_geometry(ConvGeometry{8, 8, 1, 3, 3, 0, 0, 1, 1}), ShapeError);
  EXPECT_NO_THROW(check_conv_geometry(g));
}

TEST(Im2col, SmallCaseByHand) {
  // 2x2 image, 1 channel, 3x3 kernel, pad 1: the first row is the window centred on (0,0).
  const uint8_t x[4] = {1, 2, 3, 4};
  ConvGeometry g{2, 2, 1, 3, 3, 1, 1, 1, 1};
  std::vector<uint8_t> out(g.rows() * g.k(), 99);
  im2col_u8_nhwc(x, g, out.data(), g.k());
  const std::vector<uint8_t> first(out.begin(), out.begin() + 9);
  EXPECT_EQ(first, (std::vector<uint8_t>{0, 0, 0, 0, 1, 2, 0, 3, 4}));
  const std::vector<uint8_t> last(out.end() - 9, out.end());
  EXPECT_EQ(last, (std::vector<uint8_t>{1, 2, 0, 3, 4, 0, 0, 0, 0}));
}

// Direct NHWC convolution, weights [kh, kw, C, Cout].
int32_t direct(const std::vector<uint8_t>& x, const std::vector<int8_t>& w, const ConvGeometry& g, int cout,
               int oy, int ox, int co) {
  int32_t s = 0;
  for (int ky = 0; ky < g.kh; ++ky)
    for (int kx = 0; kx < g.kw; ++kx)
      for (int c = 0; c < g.C; ++c) {
        const int iy = oy * g.sh - g.ph + ky, ix = ox * g.sw - g.pw + kx;
        if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
        s += x[(iy * g.W + ix) * g.C + c] * w[((ky * g.kw + kx) * g.C + c) * cout + co];
      }
  return s;
}

TEST(Im2col, U8GemmEqualsDirectConvolution) {
  std::mt19937 rng(11);
  const ConvGeometry geoms[] = {{9, 7, 3, 3, 3, 1, 1, 1, 1}, {8, 8, 5, 3, 3, 2, 2, 1, 1}, {6, 5, 4, 1, 1, 2, 2, 0, 0},
                                {5, 5, 2, 5, 5, 1, 1, 2, 2}, {7, 6, 16, 3, 3, 2, 2, 0, 0},
                                {9, 8, 6, 3, 2, 2, 1, 1, 0}};
  const int cout = 11;
  for (const ConvGeometry& g : geoms) {
    const auto x = testing::random_u8(rng, static_cast<size_t>(g.H) * g.W * g.C);
    const auto w = testing::random_s8(rng, static_cast<size_t>(g.k()) * cout, kCommonMaxWeight);
    const int ldo = g.k() + 2;
    std::vector<uint8_t> cols(static_cast<size_t>(g.rows()) * ldo, 0);
    im2col_u8_nhwc(x.data(), g, cols.data(), ldo);
    const auto& kernel = best_gemm_u8s8();
    PackedB packed;
    kernel.pack(w.data(), g.k(), cout, &packed);
    std::vector<int32_t> y(static_cast<size_t>(g.rows()) * cout);
    Epilogue ep;
    ep.out_s32 = y.data();
    ep.ldc = cout;
    kernel.run(g.rows(), cols.data(), ldo, packed, ep);
    for (int oy = 0; oy < g.out_h(); ++oy)
      for (int ox = 0; ox < g.out_w(); ++ox)
        for (int co = 0; co < cout; ++co)
          ASSERT_EQ(y[(oy * g.out_w() + ox) * cout + co], direct(x, w, g, cout, oy, ox, co))
              << "H=" << g.H << " C=" << g.C << " k=" << g.kh << " s=" << g.sh << " p=" << g.ph;
  }
}

TEST(Im2col, F32MatchesU8Layout) {
  std::mt19937 rng(12);
  ConvGeometry g{6, 7, 3, 3, 3, 2, 2, 1, 1};
  const auto x = testing::random_u8(rng, static_cast<size_t>(g.H) * g.W * g.C);
  std::vector<float> xf(x.begin(), x.end());
  std::vector<uint8_t> cu(static_cast<size_t>(g.rows()) * g.k());
  std::vector<float> cf(cu.size());
  im2col_u8_nhwc(x.data(), g, cu.data(), g.k());
  im2col_f32_nhwc(xf.data(), g, cf.data(), g.k());
  for (size_t i = 0; i < cu.size(); ++i) ASSERT_EQ(cf[i], static_cast<float>(cu[i])) << i;
}

// The value im2col puts at (row, k) of group channels [c0, c0 + cg), one element at a time.
template <class T>
T reference_at(const std::vector<T>& x, const ConvGeometry& g, int c0, int cg, int row, int k, T pad = T(0)) {
  const int oy = row / g.out_w(), ox = row % g.out_w();
  const int tap = k / cg, c = k % cg, ky = tap / g.kw, kx = tap % g.kw;
  const int iy = oy * g.sh - g.ph + ky, ix = ox * g.sw - g.pw + kx;
  if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) return pad;
  return x[(static_cast<size_t>(iy) * g.W + ix) * g.C + c0 + c];
}

// Every row range the runtime's tasks ask for, grouped and not, u8 and f32, against
// the element-wise definition; the columns past K stay untouched; u8 padding taps hold
// the pad byte asked for (a signed input's zero point).
TEST(Im2col, RowRangesAndGroupsMatchTheDefinition) {
  std::mt19937 rng(13);
  struct Case {
    ConvGeometry g;
    int groups;
  };
  const Case cases[] = {{{28, 28, 16, 3, 3, 1, 1, 1, 1}, 1}, {{14, 14, 32, 3, 3, 2, 2, 1, 1}, 1},
                        {{7, 9, 12, 3, 3, 1, 2, 1, 1}, 3},   {{5, 6, 8, 1, 1, 2, 2, 0, 0}, 2},
                        {{6, 6, 5, 5, 3, 1, 1, 2, 1}, 1},    {{4, 11, 17, 2, 4, 1, 3, 0, 2}, 1},
                        {{20, 18, 3, 7, 7, 2, 2, 3, 3}, 1}};  // an ImageNet stem: 7x7 / 2 over 3 channels
  for (const Case& tc : cases) {
    const ConvGeometry& g = tc.g;
    const int cg = g.C / tc.groups, K = g.kh * g.kw * cg, ldo = K + 3;
    const auto x = testing::random_u8(rng, static_cast<size_t>(g.H) * g.W * g.C);
    const std::vector<float> xf(x.begin(), x.end());
    for (int group = 0; group < tc.groups; ++group) {
      for (int r0 = 0; r0 < g.rows(); r0 += 7) {
        const int count = std::min(11, g.rows() - r0);
        std::vector<uint8_t> out(static_cast<size_t>(count) * ldo, 99), padded(out);
        std::vector<float> outf(out.size(), -1.f);
        im2col_rows_u8(x.data(), g, group * cg, cg, r0, count, out.data(), ldo);
        im2col_rows_u8(x.data(), g, group * cg, cg, r0, count, padded.data(), ldo, /*pad=*/131);
        im2col_rows_f32(xf.data(), g, group * cg, cg, r0, count, outf.data(), ldo);
        for (int r = 0; r < count; ++r) {
          for (int k = 0; k < ldo; ++k) {
            const size_t at = static_cast<size_t>(r) * ldo + k;
            const uint8_t want = k < K ? reference_at(x, g, group * cg, cg, r0 + r, k) : 99;
            ASSERT_EQ(out[at], want) << "H=" << g.H << " W=" << g.W << " group " << group << " row " << r0 + r << " k " << k;
            ASSERT_EQ(outf[at], k < K ? float(want) : -1.f) << "f32, row " << r0 + r << " k " << k;
            const uint8_t want_padded = k < K ? reference_at<uint8_t>(x, g, group * cg, cg, r0 + r, k, 131) : 99;
            ASSERT_EQ(padded[at], want_padded) << "pad byte 131, row " << r0 + r << " k " << k;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace ttq::kernels
