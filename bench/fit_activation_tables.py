#!/usr/bin/python3
"""Fit the GELU tables of lib/activation_avx512.h and lib/activation_avx2.h.

GELU(x) = x * F(x), where F is the normal CDF (exact GELU) or
sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)) (the tanh forms). F is 0 or 1 to
float precision outside [-6, 6]; inside, it is split into 32 intervals of
0.375, and on each F is a degree-6 polynomial in u = x - (interval mid).
(AVX2, whose permutes pick from 8 entries, uses 16 intervals of 0.75 and
degree 7.) The coefficients are a near-minimax fit of the relative error (weighted
least squares on Chebyshev nodes, reweighted Lawson-style), rounded to
float. The script then evaluates the tables the way the kernel does
(float FMAs) and prints the C arrays and the worst relative error of
x * F(x) wherever |GELU(x)| >= 1e-3.

Usage: bench/fit_activation_tables.py [INTERVALS DEGREE] > tables.txt
(default 32 6; the AVX2 tables are 16 7; needs numpy)
"""
import math
import sys

import numpy as np

F32 = np.float32
RANGE = 6.0
INTERVALS, DEGREE = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (32, 6)
WIDTH = 2 * RANGE / INTERVALS


def normal_cdf(x):
    return 0.5 * np.array([math.erfc(-v / math.sqrt(2)) for v in x])


def tanh_cdf(x):
    u = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
    return 1 / (1 + np.exp(-2 * u))


def fit_interval(fn, lo, hi):
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    nodes = 3000
    x = mid + half * np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    y = fn(x)
    basis = np.vander(x - mid, DEGREE + 1, increasing=True)
    relative = 1 / np.abs(y)
    lawson = np.ones_like(y)
    for _ in range(30):
        w = relative * lawson
        coef, *_ = np.linalg.lstsq(basis * w[:, None], y * w, rcond=None)
        err = np.abs(basis @ coef - y) * relative
        lawson = lawson * np.sqrt(err / err.max()) + 1e-12
        lawson /= lawson.max()
    return coef.astype(F32)


def fma(a, b, c):
    return F32(np.float64(a) * np.float64(b) + np.float64(c))


def kernel_eval(table, x):
    """F(x) as el_gelu_table512 computes it, one lane at a time."""
    magic = F32(12582912.0)  # 1.5 * 2^23: adding it rounds to an integer
    lo, hi = F32(-RANGE + 2**-20), F32(RANGE - 2**-20)
    xc = min(max(x, lo), hi)
    v = fma(xc, F32(1 / WIDTH), F32(INTERVALS / 2 - 0.5))
    i = F32(F32(v + magic) - magic)
    u = F32(xc - fma(i, F32(WIDTH), F32(-RANGE + WIDTH / 2)))
    p = table[int(i)][DEGREE]
    for d in range(DEGREE - 1, -1, -1):
        p = fma(p, u, table[int(i)][d])
    return p


def worst_error(fn, table):
    xs = np.linspace(-9, 9, 200001).astype(F32)
    exact = xs.astype(np.float64) * fn(xs.astype(np.float64))
    got = xs.astype(np.float64) * np.array([kernel_eval(table, x) for x in xs])
    big = np.abs(exact) >= 1e-3
    return (np.abs(got - exact)[big] / np.abs(exact[big])).max(), np.abs(got - exact)[~big].max()


def c_float(v):
    text = "%.9g" % float(v)  # 9 digits: the float round-trips
    return text + ("f" if "." in text or "e" in text else ".0f")


def main():
    for name, fn in (("el_gelu_erf_table%d" % INTERVALS, normal_cdf),
                     ("el_gelu_tanh_table%d" % INTERVALS, tanh_cdf)):
        table = np.array([fit_interval(fn, -RANGE + i * WIDTH, -RANGE + (i + 1) * WIDTH)
                          for i in range(INTERVALS)])
        rel, small = worst_error(fn, table)
        print("/* %s: max relative error %.2g where |y| >= 1e-3, absolute %.2g below */"
              % (name, rel, small))
        print("static const float %s[%d][%d] __attribute__((aligned(64))) = {"
              % (name, DEGREE + 1, INTERVALS))
        for d in range(DEGREE + 1):
            print("    {" + ", ".join(c_float(v) for v in table[:, d]) + "},")
        print("};")


if __name__ == "__main__":
    main()
