/* activation_avx512.h - the activations of linear.h on 16 floats at once,
 * for the fused epilogue of the AVX-512 kernels. Include only from a file
 * compiled for AVX-512 (after its #pragma GCC target).
 *
 * Accuracy against the double-precision formulas (measured on a dense
 * sweep of [-12, 12]): GELU, all forms, within 2e-7 relative wherever
 * |y| >= 1e-3 (1.2e-8 absolute below); SiLU and QuickGELU within 2e-7
 * plus what rounding their argument costs (7e-7 at worst). The float
 * reference of linear.c computes 0.5 x (1 + erf) and 0.5 x (1 + tanh) as
 * PyTorch does, which loses up to ulp(1)/2 absolute to cancellation at
 * negative x; these forms do not cancel, so the two differ there by up to
 * about 8e-8 absolute (5e-5 relative near x = -3.4, where |y| ~ 1e-3). */
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

/* GELU(x) = x F(x) with F the normal CDF (exact GELU) or, for the tanh
 * forms, 0.5 (1 + tanh(u)) = sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3)
 * (gelu_fast's 0.7978845608 is sqrt(2/pi) in float, so it is the same
 * function). F is 0 or 1 to float precision outside [-6, 6]; inside, it is
 * tabulated as a degree-6 polynomial in x - mid on each of 32 intervals of
 * 0.375 (table[d][i]: coefficient of (x - mid_i)^d), generated and checked
 * by bench/fit_activation_tables.py. Two permutes pick each lane's
 * coefficients from 32, so all of it is ~21 vector instructions, without
 * the cancellation of 1 + erf / 1 + tanh at negative x. */
/* el_gelu_erf_table32: max relative error 1.1e-07 where |y| >= 1e-3, absolute 8.9e-09 below */
static const float el_gelu_erf_table32[7][32] __attribute__((aligned(64))) = {
    {3.07734305e-09f, 2.70167178e-08f, 2.06897198e-07f, 1.38281405e-06f, 8.07094511e-06f, 4.116747e-05f, 0.000183669952f, 0.000717542309f, 0.00245790114f, 0.00739460718f, 0.0195800792f, 0.0457536243f, 0.0946757421f, 0.174250707f, 0.286887705f, 0.425634325f, 0.574365675f, 0.713112295f, 0.825749278f, 0.90532428f, 0.954246402f, 0.980419934f, 0.992605388f, 0.997542083f, 0.999282479f, 0.999816358f, 0.999958813f, 0.999991953f, 0.999998629f, 0.999999821f, 1.0f, 1.0f},
    {1.83891924e-08f, 1.51582981e-07f, 1.08559084e-06f, 6.75475667e-06f, 3.65158121e-05f, 0.00017150621f, 0.000699852128f, 0.00248119072f, 0.00764260534f, 0.0204526726f, 0.0475538895f, 0.0960615054f, 0.168593183f, 0.257073909f, 0.340567589f, 0.3919909f, 0.3919909f, 0.340567589f, 0.257073909f, 0.168593183f, 0.0960615054f, 0.0475538895f, 0.0204526726f, 0.00764260488f, 0.00248119072f, 0.000699852128f, 0.000171506239f, 3.65158303e-05f, 6.75476394e-06f, 1.08559323e-06f, 1.51583649e-07f, 1.83893398e-08f},
    {5.34380433e-08f, 4.12089321e-07f, 2.74779495e-06f, 1.58311213e-05f, 7.87363897e-05f, 0.000337651378f, 0.00124661019f, 0.00395439845f, 0.0107474197f, 0.0249267053f, 0.0490399562f, 0.0810518861f, 0.110639259f, 0.120503381f, 0.0957846344f, 0.0367491543f, -0.0367491357f, -0.0957846269f, -0.120503396f, -0.110639282f, -0.0810518935f, -0.0490399525f, -0.024926696f, -0.0107474132f, -0.00395439751f, -0.00124661124f, -0.000337652717f, -7.87371682e-05f, -1.58314488e-05f, -2.74789977e-06f, -4.12116208e-07f, -5.34436815e-08f},
    {1.00406133e-07f, 7.21305923e-07f, 4.45450542e-06f, 2.3605302e-05f, 0.000107084277f, 0.00041455825f, 0.00136368431f, 0.00378804561f, 0.00880209357f, 0.016844444f, 0.02578949f, 0.0295811426f, 0.0203050002f, -0.005189077f, -0.0388014838f, -0.0630338714f, -0.0630338714f, -0.0388014875f, -0.00518908817f, 0.0203049872f, 0.029581137f, 0.0257894993f, 0.0168444552f, 0.00880210195f, 0.003788047f, 0.00136368175f, 0.000414555252f, 0.000107082407f, 2.36044689e-05f, 4.45421983e-06f, 7.21227707e-07f, 1.00388775e-07f},
    {1.37454407e-07f, 9.14055647e-07f, 5.18851539e-06f, 2.50517387e-05f, 0.00010239613f, 0.000351927942f, 0.00100688695f, 0.00235948153f, 0.00439728145f, 0.006109301f, 0.00512372563f, -0.00102881959f, -0.0117759723f, -0.0212986339f, -0.021420056f, -0.00908013899f, 0.00907859765f, 0.0214198269f, 0.0212997776f, 0.0117773693f, 0.00102938083f, -0.00512411119f, -0.00610999763f, -0.00439772429f, -0.0023595707f, -0.0010067987f, -0.000351824739f, -0.00010233491f, -2.50261091e-05f, -5.18025763e-06f, -9.11926918e-07f, -1.37005216e-07f},
    {1.49121107e-07f, 9.08373352e-07f, 4.67989412e-06f, 2.02644605e-05f, 7.30851752e-05f, 0.000216490458f, 0.000514277839f, 0.000934258162f, 0.00114399113f, 0.000435511116f, -0.00176480517f, -0.00476747146f, -0.00609023636f, -0.00317314547f, 0.00340115372f, 0.00905080605f, 0.00905079674f, 0.00340121239f, -0.0031728989f, -0.00608992903f, -0.00476736249f, -0.00176498457f, 0.000435215421f, 0.00114379579f, 0.0009342251f, 0.000514337036f, 0.000216558925f, 7.31281325e-05f, 2.02836309e-05f, 4.68648386e-06f, 9.10179836e-07f, 1.49522464e-07f},
    {1.16602621e-07f, 6.55118924e-07f, 3.07271944e-06f, 1.18990974e-05f, 3.73847579e-05f, 9.23816115e-05f, 0.000167978476f, 0.000181907104f, -4.11947622e-05f, -0.000619073224f, -0.00127175485f, -0.00120378961f, 0.000211766688f, 0.00230632001f, 0.00315139396f, 0.00149768626f, -0.00146844995f, -0.00314701162f, -0.00232802099f, -0.000238291512f, 0.00119313004f, 0.00127911265f, 0.000632359704f, 4.9649876e-05f, -0.00018020322f, -0.000169677878f, -9.43680279e-05f, -3.8565624e-05f, -1.23946766e-05f, -3.23282416e-06f, -6.96521283e-07f, -1.25373049e-07f},
};
/* el_gelu_tanh_table32: max relative error 1.4e-07 where |y| >= 1e-3, absolute 1.3e-10 below */
static const float el_gelu_tanh_table32[7][32] __attribute__((aligned(64))) = {
    {7.69586964e-11f, 1.77671389e-09f, 2.95671807e-08f, 3.62774045e-07f, 3.35659297e-06f, 2.39549427e-05f, 0.000134864866f, 0.000612483826f, 0.00229310291f, 0.0072242571f, 0.0195063092f, 0.0458366796f, 0.0948521271f, 0.174390033f, 0.286934406f, 0.425636441f, 0.574363589f, 0.713065565f, 0.825609982f, 0.905147851f, 0.954163313f, 0.980493665f, 0.992775738f, 0.99770689f, 0.999387503f, 0.999865115f, 0.999976039f, 0.999996662f, 0.999999642f, 1.0f, 1.0f, 1.0f},
    {6.79397871e-10f, 1.40805074e-08f, 2.09397498e-07f, 2.28524777e-06f, 1.87192509e-05f, 0.000117726326f, 0.000581532833f, 0.00230807648f, 0.00752484007f, 0.0205667131f, 0.0479365401f, 0.0964525267f, 0.168664992f, 0.256844312f, 0.340357274f, 0.391957581f, 0.391957581f, 0.340357274f, 0.256844312f, 0.168664992f, 0.0964525267f, 0.0479365401f, 0.0205667131f, 0.0075248396f, 0.00230807648f, 0.000581532833f, 0.000117726362f, 1.871928e-05f, 2.28526119e-06f, 2.09401492e-07f, 1.40812961e-08f, 6.79501788e-10f},
    {2.90075675e-09f, 5.37041842e-08f, 7.09311905e-07f, 6.83327062e-06f, 4.90972016e-05f, 0.00026908287f, 0.00115077011f, 0.00392853981f, 0.0109406374f, 0.0253203716f, 0.0492857546f, 0.0808070377f, 0.110122755f, 0.120296106f, 0.0959979147f, 0.0369195156f, -0.0369194932f, -0.0959979147f, -0.120296121f, -0.110122778f, -0.0808070451f, -0.0492857508f, -0.0253203623f, -0.0109406319f, -0.00392853795f, -0.00115077081f, -0.000269084441f, -4.90983111e-05f, -6.83373401e-06f, -7.09436733e-07f, -5.37262892e-08f, -2.90330804e-09f},
    {7.96473998e-09f, 1.30919375e-07f, 1.52422683e-06f, 1.28407082e-05f, 7.99735353e-05f, 0.00037630467f, 0.00136735395f, 0.00392012298f, 0.00903467182f, 0.0169101171f, 0.0254558343f, 0.0291401148f, 0.0203305297f, -0.00474954257f, -0.0385948233f, -0.0632851571f, -0.0632851571f, -0.0385948271f, -0.00474955468f, 0.0203305166f, 0.0291401129f, 0.0254558418f, 0.0169101283f, 0.0090346802f, 0.00392012624f, 0.00136735174f, 0.000376300392f, 7.99701884e-05f, 1.28391348e-05f, 1.5237498e-06f, 1.30824006e-07f, 7.95193866e-09f},
    {1.60213727e-08f, 2.307236e-07f, 2.33614605e-06f, 1.69564373e-05f, 8.99378647e-05f, 0.00035530873f, 0.00106502057f, 0.00246019685f, 0.00439852336f, 0.00588505482f, 0.00488380529f, -0.000889233139f, -0.0113773337f, -0.0212269034f, -0.0217420142f, -0.00928114355f, 0.00927952584f, 0.0217418037f, 0.0212281905f, 0.0113787279f, 0.00088963547f, -0.00488422299f, -0.00588565925f, -0.00439894013f, -0.00246033864f, -0.00106496003f, -0.000355185039f, -8.98498838e-05f, -1.69192645e-05f, -2.32599496e-06f, -2.28894805e-07f, -1.58059557e-08f},
    {2.56537689e-08f, 3.19007967e-07f, 2.75651132e-06f, 1.68345305e-05f, 7.37951996e-05f, 0.000235227315f, 0.000549301272f, 0.000929449569f, 0.00104157731f, 0.000335612043f, -0.00165537919f, -0.00453163171f, -0.00610916642f, -0.00343881128f, 0.00331506762f, 0.00923493039f, 0.00923492014f, 0.00331513397f, -0.0034385398f, -0.00610887446f, -0.00453157118f, -0.00165555999f, 0.000335352175f, 0.00104137952f, 0.000929380185f, 0.000549351389f, 0.000235326224f, 7.38726158e-05f, 1.68710067e-05f, 2.76763035e-06f, 3.21244272e-07f, 2.59571831e-08f},
    {2.67102127e-08f, 2.95940339e-07f, 2.22993845e-06f, 1.15595403e-05f, 4.1477062e-05f, 0.000102482474f, 0.000167711871f, 0.000146831604f, -7.90889026e-05f, -0.000569298631f, -0.00116105017f, -0.00122900377f, 4.88732803e-05f, 0.00228792732f, 0.00329220342f, 0.00156955409f, -0.00153887528f, -0.00328820292f, -0.00231237407f, -7.53486675e-05f, 0.00122136367f, 0.00116901449f, 0.000580825086f, 8.70498188e-05f, -0.000144119418f, -0.000168885832f, -0.000104877705f, -4.31894368e-05f, -1.22877173e-05f, -2.43041018e-06f, -3.32411759e-07f, -3.10512931e-08f},
};

static inline __m512 el_gelu_table512(__m512 x, const float table[7][32])
{
    /* Clamped inside (-6, 6), so that x / 0.375 + 15.5 rounds to 0..31. */
    const __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-5.99999905f)),
                                    _mm512_set1_ps(5.99999905f));
    /* Adding 1.5 * 2^23 rounds to an integer and leaves it in the low
     * mantissa bits, where the permutes read their index. */
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    const __m512 t = _mm512_add_ps(
        _mm512_fmadd_ps(xc, _mm512_set1_ps(1.0f / 0.375f), _mm512_set1_ps(15.5f)), magic);
    const __m512i idx = _mm512_castps_si512(t);
    const __m512 mid = _mm512_fmadd_ps(_mm512_sub_ps(t, magic), _mm512_set1_ps(0.375f),
                                       _mm512_set1_ps(-6.0f + 0.1875f));
    const __m512 u = _mm512_sub_ps(xc, mid);
#define EL_COEF(d)                                                                      \
    _mm512_permutex2var_ps(_mm512_load_ps(table[d]), idx, _mm512_load_ps(table[d] + 16))
    __m512 p = EL_COEF(6);
    p = _mm512_fmadd_ps(p, u, EL_COEF(5));
    p = _mm512_fmadd_ps(p, u, EL_COEF(4));
    p = _mm512_fmadd_ps(p, u, EL_COEF(3));
    p = _mm512_fmadd_ps(p, u, EL_COEF(2));
    p = _mm512_fmadd_ps(p, u, EL_COEF(1));
    p = _mm512_fmadd_ps(p, u, EL_COEF(0));
#undef EL_COEF
    return _mm512_mul_ps(x, p);
}

static inline __m512 el_activate512(el_activation act, __m512 x)
{
    switch (act) {
    case EL_ACT_GELU:
        return el_gelu_table512(x, el_gelu_erf_table32);
    case EL_ACT_GELU_TANH:
    case EL_ACT_GELU_FAST:
        return el_gelu_table512(x, el_gelu_tanh_table32);
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
