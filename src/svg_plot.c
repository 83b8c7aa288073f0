/* svg_plot.c - a small SVG line-chart writer for training curves. */
#include "svg_plot.h"

#include <math.h>
#include <stdio.h>

enum { WIDTH = 720, HEIGHT = 420, LEFT = 70, RIGHT = 160, TOP = 40, BOTTOM = 50 };

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b"};

/* A tick step of 1, 2 or 5 times a power of ten giving about 5 ticks. */
static double tick_step(double lo, double hi)
{
    double raw = (hi - lo) / 5, p = pow(10, floor(log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static double point_x(const struct svg_series *s, size_t i)
{
    return s->x ? s->x[i] : (double)(i + 1);
}

/* Text with the XML specials escaped. */
static void put_text(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        default: fputc(*s, f);
        }
}

int svg_plot_write(const char *path, const char *title, const char *x_label,
                   const char *y_label, const struct svg_series *series, size_t n_series)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t s = 0; s < n_series; s++)
        for (size_t i = 0; i < series[s].n; i++) {
            double x = point_x(&series[s], i), y = series[s].y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
        }
    if (!(x0 <= x1)) /* no finite point: draw empty axes */
        x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    if (x1 == x0)
        x1 = x0 + 1;
    if (y1 == y0)
        y1 = y0 + 1;
    double ys = tick_step(y0, y1), xs = tick_step(x0, x1);
    y0 = floor(y0 / ys) * ys, y1 = ceil(y1 / ys) * ys;
    double pw = WIDTH - LEFT - RIGHT, ph = HEIGHT - TOP - BOTTOM;
#define PX(x) (LEFT + ((x) - x0) / (x1 - x0) * pw)
#define PY(y) (TOP + ph - ((y) - y0) / (y1 - y0) * ph)
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            WIDTH, HEIGHT);
    fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"15\">", LEFT);
    put_text(f, title);
    fputs("</text>\n", f);
    for (double y = y0; y <= y1 + ys / 2; y += ys)
        fprintf(f, "<line x1=\"%d\" x2=\"%g\" y1=\"%g\" y2=\"%g\" stroke=\"#ddd\"/>"
                   "<text x=\"%d\" y=\"%g\" text-anchor=\"end\">%g</text>\n",
                LEFT, LEFT + pw, PY(y), PY(y), LEFT - 6, PY(y) + 4, y);
    for (double x = ceil(x0 / xs) * xs; x <= x1 + xs / 1e6; x += xs)
        fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%g</text>\n", PX(x),
                TOP + ph + 18, x);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#444\"/>\n",
            LEFT, TOP, pw, ph);
    fprintf(f, "<text x=\"%g\" y=\"%d\" text-anchor=\"middle\">", LEFT + pw / 2, HEIGHT - 10);
    put_text(f, x_label);
    fprintf(f, "</text>\n<text transform=\"translate(16 %g) rotate(-90)\" text-anchor=\"middle\">",
            TOP + ph / 2);
    put_text(f, y_label);
    fputs("</text>\n", f);
    for (size_t s = 0; s < n_series; s++) {
        const char *colour = colours[s % (sizeof colours / sizeof colours[0])];
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", colour);
        for (size_t i = 0; i < series[s].n; i++) {
            double x = point_x(&series[s], i), y = series[s].y[i];
            if (isfinite(x) && isfinite(y))
                fprintf(f, "%.1f,%.1f ", PX(x), PY(y));
        }
        fprintf(f, "\"/>\n<line x1=\"%g\" x2=\"%g\" y1=\"%zu\" y2=\"%zu\" stroke=\"%s\" "
                   "stroke-width=\"3\"/><text x=\"%g\" y=\"%zu\">",
                LEFT + pw + 12, LEFT + pw + 32, TOP + 10 + 20 * s, TOP + 10 + 20 * s, colour,
                LEFT + pw + 38, TOP + 14 + 20 * s);
        put_text(f, series[s].name);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
#undef PX
#undef PY
    return fclose(f) == 0 ? 0 : -1;
}
