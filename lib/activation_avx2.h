/* activation_avx2.h - the activations of linear.h on 8 floats at once,
 * for the fused epilogue of the AVX2 kernel. Include only from a file
 * compiled for AVX2 + FMA (after its #pragma GCC target).
 *
 * The same methods as activation_avx512.h, fitted to what AVX2 offers:
 * the GELU tables have 16 intervals (two 8-entry permutes and a blend
 * pick a coefficient) and degree 7, within 3e-7 (exact GELU) and 5e-7
 * (tanh forms) relative wherever |y| >= 1e-3 (measured, as for AVX-512);
 * exp scales by 2^n through the exponent bits; sigmoid divides. */
#ifndef EL_ACTIVATION_AVX2_H
#define EL_ACTIVATION_AVX2_H

#include <immintrin.h>

#include "linear.h"

/* exp(x) for -87 <= x <= 88 (so 2^n stays a normal float); the reduction
 * and polynomial of el_exp512. */
static inline __m256 el_exp256(__m256 x)
{
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.42860677e-06f), r);
    __m256 p = _mm256_set1_ps(0.00137514074f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.00836891588f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.0416695327f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.166665182f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.499999881f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
    const __m256i scale = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(_mm256_add_ps(p, _mm256_set1_ps(1.0f)), _mm256_castsi256_ps(scale));
}

/* 1 / (1 + exp(-v)), v clamped to +-80 as in el_sigmoid512. */
static inline __m256 el_sigmoid256(__m256 v)
{
    v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-80.0f)), _mm256_set1_ps(80.0f));
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(el_exp256(_mm256_sub_ps(_mm256_setzero_ps(), v)), one));
}

/* x F(x) as in activation_avx512.h, from bench/fit_activation_tables.py 16 7. */
/* el_gelu_erf_table16: max relative error 2.3e-07 where |y| >= 1e-3, absolute 8.9e-09 below */
static const float el_gelu_erf_table16[8][16] __attribute__((aligned(64))) = {
    {9.2755208e-09f, 5.44043075e-07f, 1.85367389e-05f, 0.00036907848f, 0.00433244836f, 0.0303963609f, 0.130294517f, 0.353830248f, 0.646169782f, 0.869705498f, 0.969603658f, 0.995667577f, 0.999630928f, 0.999981463f, 0.999999464f, 1.0f},
    {5.37386384e-08f, 2.75602588e-06f, 8.05407326e-05f, 0.0013411179f, 0.0127241788f, 0.0687862784f, 0.211876646f, 0.37185508f, 0.37185511f, 0.211876646f, 0.0687862784f, 0.0127241816f, 0.00134111906f, 8.05404488e-05f, 2.75593288e-06f, 5.37311529e-08f},
    {1.51127423e-07f, 6.71781481e-06f, 0.000166115657f, 0.00226313062f, 0.016700469f, 0.0644872189f, 0.119180597f, 0.0697226301f, -0.0697226152f, -0.119180597f, -0.0644872412f, -0.0167004596f, -0.00226312573f, -0.000166117607f, -6.71854013e-06f, -1.51197895e-07f},
    {2.73932869e-07f, 1.04510527e-05f, 0.000214965024f, 0.00232256553f, 0.0124923857f, 0.0288397372f, 0.00937985629f, -0.0532600097f, -0.0532606132f, 0.0093798032f, 0.0288401488f, 0.0124922488f, 0.00232249685f, 0.000214984029f, 1.04575465e-05f, 2.74490333e-07f},
    {3.59476417e-07f, 1.16063811e-05f, 0.000193951244f, 0.00158277107f, 0.00541543309f, 0.00276751188f, -0.0172247514f, -0.0166062415f, 0.0166060887f, 0.0172247775f, -0.00276718428f, -0.00541562168f, -0.00158286607f, -0.00019391207f, -1.15915882e-05f, -3.58006446e-07f},
    {3.71820192e-07f, 9.85271527e-06f, 0.000128118656f, 0.000719037547f, 0.00096638815f, -0.00328240031f, -0.00528003881f, 0.00673539517f, 0.00674395915f, -0.00527927326f, -0.00328833237f, 0.000968432694f, 0.000720066135f, 0.000127821404f, 9.74891282e-06f, 3.62605249e-07f},
    {3.16544117e-07f, 6.68579287e-06f, 6.30123322e-05f, 0.00018936985f, -0.00030879589f, -0.00135539926f, 0.00129970768f, 0.00255079777f, -0.00255007576f, -0.00129984086f, 0.00135383895f, 0.000309702562f, -0.000188911188f, -6.32043884e-05f, -6.75898218e-06f, -3.23911792e-07f},
    {1.68121957e-07f, 2.96802773e-06f, 1.99984897e-05f, 9.5603209e-06f, -0.000215158943f, 3.98456314e-06f, 0.000812944199f, -0.000621179584f, -0.000656003307f, 0.00080978754f, 2.83509144e-05f, -0.000223710333f, 5.24367761e-06f, 2.12824161e-05f, 3.422394e-06f, 2.09286185e-07f},
};
/* el_gelu_tanh_table16: max relative error 4.3e-07 where |y| >= 1e-3, absolute 3.1e-10 below */
static const float el_gelu_tanh_table16[8][16] __attribute__((aligned(64))) = {
    {3.85925514e-10f, 1.07440563e-07f, 9.2497703e-06f, 0.000294823258f, 0.00415387098f, 0.0304005146f, 0.130466849f, 0.353845954f, 0.646154046f, 0.869533122f, 0.969599485f, 0.995846152f, 0.999705195f, 0.999990761f, 0.999999881f, 1.0f},
    {3.23063931e-09f, 7.18108652e-07f, 4.84520242e-05f, 0.0011889938f, 0.0127027491f, 0.0692204162f, 0.211767629f, 0.371737719f, 0.371737719f, 0.211767629f, 0.0692204088f, 0.012702751f, 0.00118899508f, 4.84517805e-05f, 7.18005083e-07f, 3.22724691e-09f},
    {1.30193545e-08f, 2.28694557e-06f, 0.000118730262f, 0.00218390254f, 0.0170173571f, 0.0645039529f, 0.118758298f, 0.0699811801f, -0.0699811727f, -0.118758298f, -0.0645039678f, -0.0170173496f, -0.00218389579f, -0.000118732743f, -2.2883421e-06f, -1.30958444e-08f},
    {3.35266179e-08f, 4.59550029e-06f, 0.000179421448f, 0.00238183397f, 0.0126853455f, 0.0283788238f, 0.00967633538f, -0.0533062965f, -0.0533069409f, 0.00967637543f, 0.0283791702f, 0.0126852356f, 0.00238175341f, 0.000179439754f, 4.60435922e-06f, 3.39086306e-08f},
    {6.30484962e-08f, 6.52543258e-06f, 0.000185105819f, 0.00167141412f, 0.00530430302f, 0.0026852265f, -0.0169283338f, -0.0169333611f, 0.0169331916f, 0.0169284213f, -0.00268496689f, -0.00530445389f, -0.00167154765f, -0.00018505448f, -6.49533467e-06f, -6.12704412e-08f},
    {9.56469535e-08f, 7.04678041e-06f, 0.000135977432f, 0.000745015626f, 0.00083787617f, -0.00306736026f, -0.00546830194f, 0.00680665579f, 0.00681582931f, -0.0054689385f, -0.00307236309f, 0.000839505927f, 0.000746240083f, 0.000135673807f, 6.89044373e-06f, 8.80320599e-08f},
    {1.1207586e-07f, 5.90028776e-06f, 7.10430759e-05f, 0.000171997657f, -0.000309051946f, -0.00129585015f, 0.00118536293f, 0.00267374422f, -0.00267294538f, -0.00118579797f, 0.00129461393f, 0.000309777301f, -0.000171349879f, -7.1298884e-05f, -6.05393507e-06f, -1.215395e-07f},
    {6.94291842e-08f, 2.93906646e-06f, 2.23023526e-05f, -3.41970826e-06f, -0.000182159725f, -4.64407567e-05f, 0.000867974362f, -0.000647845038f, -0.000685149571f, 0.000870762568f, -2.59136814e-05f, -0.000188976075f, -8.61235094e-06f, 2.36600335e-05f, 3.66381551e-06f, 1.07148011e-07f},
};

static inline __m256 el_gelu_table256(__m256 x, const float table[8][16])
{
    /* Clamped inside (-6, 6), so that x / 0.75 + 7.5 rounds to 0..15. */
    const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-5.99999905f)),
                                    _mm256_set1_ps(5.99999905f));
    /* Adding 1.5 * 2^23 rounds to an integer and leaves it in the low
     * mantissa bits: bits 0-2 choose within 8 entries, bit 3 (moved to
     * the sign, which blendv reads) between the two halves. */
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    const __m256 t = _mm256_add_ps(
        _mm256_fmadd_ps(xc, _mm256_set1_ps(1.0f / 0.75f), _mm256_set1_ps(7.5f)), magic);
    const __m256i idx = _mm256_castps_si256(t);
    const __m256 upper = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28));
    const __m256 mid = _mm256_fmadd_ps(_mm256_sub_ps(t, magic), _mm256_set1_ps(0.75f),
                                       _mm256_set1_ps(-6.0f + 0.375f));
    const __m256 u = _mm256_sub_ps(xc, mid);
#define EL_COEF(d)                                                                      \
    _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_load_ps(table[d]), idx),           \
                     _mm256_permutevar8x32_ps(_mm256_load_ps(table[d] + 8), idx), upper)
    __m256 p = EL_COEF(7);
    p = _mm256_fmadd_ps(p, u, EL_COEF(6));
    p = _mm256_fmadd_ps(p, u, EL_COEF(5));
    p = _mm256_fmadd_ps(p, u, EL_COEF(4));
    p = _mm256_fmadd_ps(p, u, EL_COEF(3));
    p = _mm256_fmadd_ps(p, u, EL_COEF(2));
    p = _mm256_fmadd_ps(p, u, EL_COEF(1));
    p = _mm256_fmadd_ps(p, u, EL_COEF(0));
#undef EL_COEF
    return _mm256_mul_ps(x, p);
}

static inline __m256 el_activate256(el_activation act, __m256 x)
{
    switch (act) {
    case EL_ACT_GELU:
        return el_gelu_table256(x, el_gelu_erf_table16);
    case EL_ACT_GELU_TANH:
    case EL_ACT_GELU_FAST:
        return el_gelu_table256(x, el_gelu_tanh_table16);
    case EL_ACT_QUICK_GELU:
        return _mm256_mul_ps(x, el_sigmoid256(_mm256_mul_ps(x, _mm256_set1_ps(1.702f))));
    case EL_ACT_RELU:
        /* max(0, x) returns x when x is NaN, as torch.relu does */
        return _mm256_max_ps(_mm256_setzero_ps(), x);
    case EL_ACT_SILU:
        return _mm256_mul_ps(x, el_sigmoid256(x));
    case EL_ACT_NONE:
    default:
        return x;
    }
}

#endif
