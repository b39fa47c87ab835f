/* parallel.c — see parallel.h. */
#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct job {
    size_t n, chunk;
    atomic_size_t next;
    atomic_int failed;
    mz_item_fn fn;
    void *arg;
    pthread_mutex_t lock;
    mz_err err;
} job;

typedef struct worker {
    job *j;
    int id;
} worker;

/* Items per grab: up to CHUNK, to spare the counter on long loops, but
 * never so many that a few costly items (a handful of model bundles) all
 * go to the first thread: at least eight grabs per thread. */
#define CHUNK 16

static void *run(void *p)
{
    worker *w = p;
    job *j = w->j;
    mz_err e;
    for (;;) {
        if (atomic_load(&j->failed)) break;
        size_t start = atomic_fetch_add(&j->next, j->chunk);
        if (start >= j->n) break;
        size_t end = start + j->chunk < j->n ? start + j->chunk : j->n;
        for (size_t i = start; i < end; i++)
            if (j->fn(j->arg, w->id, i, &e) != 0) {
                pthread_mutex_lock(&j->lock);
                if (!atomic_load(&j->failed)) {
                    j->err = e;
                    atomic_store(&j->failed, 1);
                }
                pthread_mutex_unlock(&j->lock);
                return NULL;
            }
    }
    return NULL;
}

int mz_parallel_for(size_t n, int threads, mz_item_fn fn, void *arg, mz_err *e)
{
    if (threads < 1) threads = 1;
    if ((size_t)threads > n) threads = n ? (int)n : 1;
    job j;
    j.n = n;
    j.chunk = n / ((size_t)threads * 8);
    if (j.chunk < 1) j.chunk = 1;
    if (j.chunk > CHUNK) j.chunk = CHUNK;
    atomic_init(&j.next, 0);
    atomic_init(&j.failed, 0);
    j.fn = fn;
    j.arg = arg;
    pthread_mutex_init(&j.lock, NULL);
    worker *ws = calloc((size_t)threads, sizeof *ws);
    pthread_t *ts = calloc((size_t)threads, sizeof *ts);
    if (!ws || !ts) {
        free(ws);
        free(ts);
        pthread_mutex_destroy(&j.lock);
        return mz_fail(e, "out of memory");
    }
    int started = 0;
    for (int t = 1; t < threads; t++) {
        ws[t].j = &j;
        ws[t].id = t;
        if (pthread_create(&ts[t], NULL, run, &ws[t]) != 0) break;
        started = t;
    }
    ws[0].j = &j;
    ws[0].id = 0;
    run(&ws[0]);
    for (int t = 1; t <= started; t++) pthread_join(ts[t], NULL);
    free(ws);
    free(ts);
    pthread_mutex_destroy(&j.lock);
    if (atomic_load(&j.failed)) {
        if (e) *e = j.err;
        return -1;
    }
    return 0;
}

int mz_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
