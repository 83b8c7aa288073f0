/* activation_avx512.h - the activations of linear.h on 16 floats at once,
 * for the fused epilogue of the AVX-512 kernels. Include only from a file
 * compiled for AVX-512 (after its #pragma GCC target).
 *
 * Accuracy against the double-precision formulas: about 1e-7 relative
 * (a few float ulps). The float reference of linear.c computes
 * 0.5 x (1 + erf) and 0.5 x (1 + tanh) as PyTorch does, which loses up to
 * ulp(1)/2 absolute to cancellation for negative x; these forms do not
 * cancel, so they differ from it by at most about 3e-8 |x| there. */
#ifndef EL_ACTIVATION_AVX512_H
#define EL_ACTIVATION_AVX512_H

#include <immintrin.h>

#include "linear.h"

/* exp(x) for |x| <= 88: x = n ln2 + r with |r| <= ln2/2 (ln2 split in a
 * part exact in float and a correction), exp(r) = 1 + r + r^2 P(r) with P
 * fitted (weighted least squares on Chebyshev nodes) for relative error;
 * 8e-8 relative over the range. */
static inline __m512 el_exp512(__m512 x)
{
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860677e-06f), r);
    __m512 p = _mm512_set1_ps(0.00137514074f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.00836891588f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.0416695327f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.166665182f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.499999881f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
    return _mm512_scalef_ps(_mm512_add_ps(p, _mm512_set1_ps(1.0f)), n);
}

/* 1 / (1 + exp(-v)). v is clamped to +-80 so that exp stays finite and
 * its reciprocal normal (sigmoid(-80) = 2e-35 is already negligible next
 * to any input that produced it); the reciprocal is rcp14 refined by one
 * Newton step (2^-28). */
static inline __m512 el_sigmoid512(__m512 v)
{
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-80.0f)), _mm512_set1_ps(80.0f));
    const __m512 d = _mm512_add_ps(el_exp512(_mm512_sub_ps(_mm512_setzero_ps(), v)),
                                   _mm512_set1_ps(1.0f));
    const __m512 r = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r);
}

/* The standard normal CDF Phi(x) on [-6, 6), in 32 intervals of 0.375:
 * on each, a degree-6 polynomial in x minus the interval's midpoint
 * (least-squares fit on Chebyshev nodes; see bench/fit_activation_tables.py).
 * Outside, Phi is 0 or 1 to float precision: x is clamped. gelu_phi[d][i]
 * is the coefficient of u^d on interval i. */
static const float el_gelu_phi[7][32] __attribute__((aligned(64))) = {
    {3.07733372e-09f, 2.70166733e-08f, 2.06897028e-07f, 1.38281348e-06f, 8.0709442e-06f, 4.11674664e-05f, 0.000183669952f, 0.000717542309f, 0.00245790114f, 0.00739460718f, 0.0195800792f, 0.0457536243f, 0.0946757421f, 0.174250707f, 0.286887705f, 0.425634325f, 0.574365675f, 0.713112295f, 0.825749278f, 0.90532428f, 0.954246402f, 0.980419934f, 0.992605388f, 0.997542083f, 0.999282479f, 0.999816358f, 0.999958813f, 0.999991953f, 0.999998629f, 0.999999821f, 1.0f, 1.0f},
    {1.83893416e-08f, 1.51583649e-07f, 1.08559323e-06f, 6.75476394e-06f, 3.65158303e-05f, 0.000171506239f, 0.000699852128f, 0.00248119072f, 0.00764260488f, 0.0204526726f, 0.0475538895f, 0.0960615054f, 0.168593183f, 0.257073909f, 0.340567589f, 0.3919909f, 0.3919909f, 0.340567589f, 0.257073909f, 0.168593183f, 0.0960615054f, 0.0475538895f, 0.0204526726f, 0.00764260488f, 0.00248119072f, 0.000699852128f, 0.000171506239f, 3.65158303e-05f, 6.75476394e-06f, 1.08559323e-06f, 1.51583649e-07f, 1.83893416e-08f},
    {5.34433724e-08f, 4.12114872e-07f, 2.747895e-06f, 1.5831436e-05f, 7.87371464e-05f, 0.000337652687f, 0.00124661135f, 0.00395439751f, 0.0107474141f, 0.024926696f, 0.0490399525f, 0.0810518935f, 0.110639282f, 0.120503396f, 0.0957846344f, 0.0367491432f, -0.0367491432f, -0.0957846344f, -0.120503396f, -0.110639282f, -0.0810518935f, -0.0490399525f, -0.024926696f, -0.0107474141f, -0.00395439751f, -0.00124661135f, -0.000337652687f, -7.87371464e-05f, -1.5831436e-05f, -2.747895e-06f, -4.12114872e-07f, -5.34433724e-08f},
    {1.00388654e-07f, 7.21227593e-07f, 4.45421938e-06f, 2.36044689e-05f, 0.000107082407f, 0.000414555252f, 0.00136368175f, 0.003788047f, 0.00880210195f, 0.0168444552f, 0.0257894993f, 0.029581137f, 0.0203049872f, -0.00518908771f, -0.0388014838f, -0.0630338714f, -0.0630338714f, -0.0388014838f, -0.00518908771f, 0.0203049872f, 0.029581137f, 0.0257894993f, 0.0168444552f, 0.00880210195f, 0.003788047f, 0.00136368175f, 0.000414555252f, 0.000107082407f, 2.36044689e-05f, 4.45421938e-06f, 7.21227593e-07f, 1.00388661e-07f},
    {1.37029076e-07f, 9.12028156e-07f, 5.18061461e-06f, 2.50270823e-05f, 0.000102336737f, 0.000351826282f, 0.00100679544f, 0.0023595565f, 0.00439770008f, 0.00610998506f, 0.00512414658f, -0.00102926826f, -0.0117771886f, -0.0212996565f, -0.0214200485f, -0.00907933991f, 0.00907933991f, 0.0214200485f, 0.0212996565f, 0.0117771886f, 0.00102926826f, -0.00512414658f, -0.00610998506f, -0.00439770008f, -0.0023595565f, -0.00100679544f, -0.000351826282f, -0.000102336737f, -2.50270805e-05f, -5.18061506e-06f, -9.12028156e-07f, -1.37028948e-07f},
    {1.49525789e-07f, 9.10183076e-07f, 4.68648886e-06f, 2.02836472e-05f, 7.31281689e-05f, 0.000216559056f, 0.00051433756f, 0.000934223237f, 0.00114379486f, 0.000435214635f, -0.00176498946f, -0.00476735411f, -0.00608993275f, -0.00317290751f, 0.00340113277f, 0.00905073993f, 0.00905073993f, 0.00340113277f, -0.00317290751f, -0.00608993275f, -0.00476735411f, -0.00176498946f, 0.000435214635f, 0.00114379486f, 0.000934223237f, 0.00051433756f, 0.000216559056f, 7.31281689e-05f, 2.02836454e-05f, 4.68649023e-06f, 9.10183076e-07f, 1.49525562e-07f},
    {1.24913953e-07f, 6.94598612e-07f, 3.2260607e-06f, 1.23762238e-05f, 3.85309722e-05f, 9.43388368e-05f, 0.000169738312f, 0.000180473464f, -4.91948522e-05f, -0.000632126466f, -0.00127978704f, -0.00119526475f, 0.000234873427f, 0.00232571759f, 0.00315124239f, 0.00148252782f, -0.00148252782f, -0.00315124239f, -0.00232571759f, -0.000234873442f, 0.00119526475f, 0.00127978704f, 0.000632126466f, 4.91948485e-05f, -0.000180473464f, -0.000169738341f, -9.43388513e-05f, -3.85309722e-05f, -1.23762502e-05f, -3.22604637e-06f, -6.94598555e-07f, -1.2491671e-07f},
};

/* x Phi(x): |error| <= 1.2e-7 |y| wherever |y| > 1e-3, and < 1e-10 below. */
static inline __m512 el_gelu512(__m512 x)
{
    const __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-6.0f)),
                                    _mm512_set1_ps(6.0f));
    __m512i idx = _mm512_cvttps_epi32(_mm512_fmadd_ps(xc, _mm512_set1_ps(1.0f / 0.375f),
                                                      _mm512_set1_ps(16.0f)));
    idx = _mm512_min_epi32(idx, _mm512_set1_epi32(31));
    const __m512 mid = _mm512_fmadd_ps(_mm512_cvtepi32_ps(idx), _mm512_set1_ps(0.375f),
                                       _mm512_set1_ps(-6.0f + 0.1875f));
    const __m512 u = _mm512_sub_ps(xc, mid);
#define EL_PHI_COEF(d)                                                                  \
    _mm512_permutex2var_ps(_mm512_load_ps(el_gelu_phi[d]), idx,                         \
                           _mm512_load_ps(el_gelu_phi[d] + 16))
    __m512 p = EL_PHI_COEF(6);
    p = _mm512_fmadd_ps(p, u, EL_PHI_COEF(5));
    p = _mm512_fmadd_ps(p, u, EL_PHI_COEF(4));
    p = _mm512_fmadd_ps(p, u, EL_PHI_COEF(3));
    p = _mm512_fmadd_ps(p, u, EL_PHI_COEF(2));
    p = _mm512_fmadd_ps(p, u, EL_PHI_COEF(1));
    p = _mm512_fmadd_ps(p, u, EL_PHI_COEF(0));
#undef EL_PHI_COEF
    return _mm512_mul_ps(x, p);
}

/* The tanh forms: 0.5 x (1 + tanh(u)) = x sigmoid(2u) with
 * u = sqrt(2/pi) (x + 0.044715 x^3); gelu_fast's constant 0.7978845608 is
 * sqrt(2/pi) in float, so both names are this function. */
static inline __m512 el_gelu_tanh512(__m512 x)
{
    const float c = 0.7978845608028654f;
    const __m512 x2 = _mm512_mul_ps(x, x);
    const __m512 s = _mm512_fmadd_ps(x2, _mm512_set1_ps(2.0f * c * 0.044715f),
                                     _mm512_set1_ps(2.0f * c));
    return _mm512_mul_ps(x, el_sigmoid512(_mm512_mul_ps(x, s)));
}

static inline __m512 el_activate512(el_activation act, __m512 x)
{
    switch (act) {
    case EL_ACT_GELU:
        return el_gelu512(x);
    case EL_ACT_GELU_TANH:
    case EL_ACT_GELU_FAST:
        return el_gelu_tanh512(x);
    case EL_ACT_QUICK_GELU:
        return _mm512_mul_ps(x, el_sigmoid512(_mm512_mul_ps(x, _mm512_set1_ps(1.702f))));
    case EL_ACT_RELU:
        /* max(0, x) returns x when x is NaN, as torch.relu does */
        return _mm512_max_ps(_mm512_setzero_ps(), x);
    case EL_ACT_SILU:
        return _mm512_mul_ps(x, el_sigmoid512(x));
    case EL_ACT_NONE:
    default:
        return x;
    }
}

#endif
