/* svg_plot.h - line charts (loss curves) as standalone SVG files. */
#ifndef SVG_PLOT_H
#define SVG_PLOT_H

#include <stddef.h>

struct svg_series {
    const char *name;
    const double *x; /* NULL: 1, 2, 3, ... */
    const double *y;
    size_t n;
};

/* One chart: title, axis labels, every series as a polyline over shared
 * axes with "nice" ticks, and a legend. Non-finite points are skipped.
 * Returns 0, or -1 when the file cannot be written. */
int svg_plot_write(const char *path, const char *title, const char *x_label,
                   const char *y_label, const struct svg_series *series, size_t n_series);

#endif
