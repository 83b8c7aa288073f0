/* progress.h - progress of a long command (training): a one-line bar
 * redrawn in place on a terminal, plain lines now and then otherwise. */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stddef.h>
#include <stdio.h>

struct progress {
    FILE *out;
    int tty;
    size_t total;          /* steps expected (0: unknown) */
    double start, last;    /* seconds (monotonic) */
    double interval;       /* seconds between plain lines */
};

/* total steps; out is where to draw (stderr for commands whose stdout is
 * data). Plain lines come every `interval` seconds when out is not a
 * terminal. */
void progress_init(struct progress *p, FILE *out, size_t total, double interval);
/* Report step (1-based) with caller-formatted figures, e.g.
 * "loss 2.341  acc 0.912  5,120 tok/s"; the step count, a bar and the ETA
 * are added. force: print even between intervals (epoch ends). */
void progress_update(struct progress *p, size_t step, const char *figures, int force);
/* End the bar's line (on a terminal). */
void progress_done(struct progress *p);
/* Seconds since progress_init. */
double progress_elapsed(const struct progress *p);

#endif
