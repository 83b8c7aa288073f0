/* progress.c - the training progress line. */
#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, FILE *out, size_t total, double interval)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = isatty(fileno(out));
    p->total = total;
    p->start = p->last = now();
    p->interval = interval > 0 ? interval : 10;
}

double progress_elapsed(const struct progress *p)
{
    return now() - p->start;
}

static void format_duration(double s, char *buf, size_t cap)
{
    long t = s > 0 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
}

void progress_update(struct progress *p, size_t step, const char *figures, int force)
{
    double t = now();
    /* a terminal is redrawn at most ten times a second */
    if (!force && t - p->last < (p->tty ? 0.1 : p->interval))
        return;
    p->last = t;
    double elapsed = t - p->start;
    char eta[32] = "?", spent[32];
    if (p->total && step)
        format_duration(elapsed / (double)step * (double)(p->total - (step < p->total ? step : p->total)),
                        eta, sizeof eta);
    format_duration(elapsed, spent, sizeof spent);
    if (p->tty) {
        char bar[21];
        size_t fill = p->total ? 20 * (step < p->total ? step : p->total) / p->total : 0;
        for (size_t i = 0; i < 20; i++)
            bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
        bar[20] = '\0';
        fprintf(p->out, "\r\033[K[%s] %zu/%zu  %s  %s ETA %s", bar, step, p->total, figures,
                spent, eta);
    } else {
        fprintf(p->out, "step %zu/%zu  %s  elapsed %s  ETA %s\n", step, p->total, figures, spent,
                eta);
    }
    fflush(p->out);
}

void progress_done(struct progress *p)
{
    if (p->tty)
        fputc('\n', p->out);
    fflush(p->out);
}
