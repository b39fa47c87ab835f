/* learn.c — see learn.h. */
#include "learn.h"
#include "hugemem.h"

#include <libsvm/svm.h>
#include <linear.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parallel.h"
#include "platt.h"
#include "progress.h"
#include "rng.h"

void mz_learnopts_default(mz_learnopts *o)
{
    memset(o, 0, sizeof *o);
    o->C = 0.5;
    o->balanced = 0;
    o->eps = 0.1;
    o->seed = 1;
    o->folds = 5;
    o->procs = 1;
    o->svr_p = 0.1;
    o->rbf = 0;
    /* TF-IDF rows are L2-normalised, so ||x - z||² = 2 - 2 cos(x, z) lies in
     * [0, 2]: gamma 1 spreads kernel values over [e^-2, 1], where libsvm's
     * usual 1/#features would leave them all within 1e-4 of 1. */
    o->gamma = 1.0;
    o->cache_mb = 100;
}

static void quiet_print(const char *s) { (void)s; }

int mz_trainset_build(mz_trainset *t, const mz_sparse *rows, size_t n, size_t nfeat, mz_err *e)
{
    memset(t, 0, sizeof *t);
    t->nscored = n;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += rows[i].n + 2; /* + bias + terminator */
    /* Every solver pass visits the rows in a random order, reading a few
     * kB from each: on 4 KiB pages nearly every row also misses the TLB
     * and ends the hardware prefetcher's stream.  On huge pages the
     * shipped topic command trains 5% faster, with the same bytes. */
    t->pool = mz_huge_calloc(total + 1, sizeof *t->pool);
    t->x = malloc((n + 1) * sizeof *t->x);
    if (!t->pool || !t->x) {
        mz_trainset_free(t);
        return mz_fail(e, "out of memory building the training matrix");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        t->x[i] = &t->pool[k];
        for (size_t j = 0; j < rows[i].n; j++) {
            t->pool[k].index = rows[i].idx[j];
            t->pool[k].value = rows[i].val[j];
            k++;
        }
        t->pool[k].index = (int)nfeat + 1; /* bias feature */
        t->pool[k].value = 1.0;
        k++;
        t->pool[k].index = -1;
        t->pool[k].value = 0;
        k++;
    }
    t->n = n;
    t->nfeat = nfeat;
    return 0;
}

void mz_trainset_free(mz_trainset *t)
{
    free(t->pool);
    free(t->x);
    memset(t, 0, sizeof *t);
}

int *mz_make_folds(const int *y, size_t n, size_t nscored, int k, int folds, unsigned long seed, const int32_t *same)
{
    int *fold = malloc((n + 1) * sizeof *fold);
    size_t *idx = malloc((n + 1) * sizeof *idx);
    if (!fold || !idx) {
        free(fold);
        free(idx);
        return NULL;
    }
    uint64_t s = seed * 0x2545F4914F6CDD1DULL + 7;
    int next = 0;
    if (nscored > n) nscored = n;
    for (size_t i = nscored; i < n; i++) fold[i] = -1;
    for (int c = -1; c < k; c++) {
        size_t m = 0;
        /* originals only: a copy follows its original below, so the
         * round-robin gives every fold its share of distinct texts */
        for (size_t i = 0; i < nscored; i++)
            if ((y[i] == c || (c == -1 && y[i] < 0)) && !(same && same[i] >= 0 && (size_t)same[i] < i)) idx[m++] = i;
        for (size_t i = m; i > 1; i--) {
            size_t j = (size_t)(mz_splitmix64(&s) % i);
            size_t tmp = idx[i - 1];
            idx[i - 1] = idx[j];
            idx[j] = tmp;
        }
        /* continue the round-robin across classes so small classes do not
         * all land in fold 0 */
        for (size_t i = 0; i < m; i++) {
            fold[idx[i]] = next;
            next = (next + 1) % folds;
        }
    }
    /* an original precedes its copies, and is no copy itself */
    for (size_t i = 0; same && i < nscored; i++)
        if (same[i] >= 0 && (size_t)same[i] < i) fold[i] = fold[same[i]];
    free(idx);
    return fold;
}

static pthread_mutex_t liblinear_lock = PTHREAD_MUTEX_INITIALIZER;

/* One liblinear solve, seeded from (seed, task); w gets nfeat+1 entries
 * (index 0 unused) and *b the bias, oriented by sign. */
static int solve_liblinear(const struct problem *prob, const struct parameter *param, const mz_learnopts *o,
                           unsigned long task, size_t nfeat, int classify, double *w, double *b, mz_err *e)
{
    pthread_mutex_lock(&liblinear_lock);
    set_print_string_function(quiet_print);
    srand((unsigned)(o->seed * 1000003UL + task));
    const char *err = check_parameter(prob, param);
    struct model *model = err ? NULL : train(prob, param);
    pthread_mutex_unlock(&liblinear_lock);
    if (!model) return mz_fail(e, "liblinear: %s", err ? err : "training failed");
    /* a classifier's w points to its label[0]; a regression has no labels */
    double sign = !classify || model->label[0] == 1 ? 1.0 : -1.0;
    for (size_t f = 0; f < nfeat; f++) w[f + 1] = sign * model->w[f];
    *b = sign * model->w[nfeat]; /* bias weight times bias value 1 */
    free_and_destroy_model(&model);
    return 0;
}

/* A liblinear problem of m rows over t's features with a bias column; the
 * caller fills y and x and frees both. */
static int problem_new(struct problem *prob, const mz_trainset *t, size_t m, mz_err *e)
{
    prob->l = (int)m;
    prob->n = (int)t->nfeat + 1;
    prob->bias = 1.0;
    prob->y = malloc(m * sizeof *prob->y);
    prob->x = malloc(m * sizeof *prob->x);
    if (prob->y && prob->x) return 0;
    free(prob->y);
    free(prob->x);
    return mz_fail(e, "out of memory");
}

/* One binary problem over rows where sel[i] != 0, positives pos[i] != 0.
 * w gets nfeat+1 entries (index 0 unused) and *b the bias. */
static int train_binary(const mz_trainset *t, const unsigned char *sel, const unsigned char *pos,
                        const mz_learnopts *o, unsigned long task, double *w, double *b, mz_err *e)
{
    size_t m = 0, np = 0;
    for (size_t i = 0; i < t->n; i++)
        if (sel[i]) {
            m++;
            np += pos[i] != 0;
        }
    memset(w, 0, (t->nfeat + 1) * sizeof *w);
    if (np == 0 || np == m) {
        /* One-sided problem (e.g. a fold without the class): a constant. */
        *b = np ? 1.0 : -1.0;
        return 0;
    }
    struct problem prob;
    if (problem_new(&prob, t, m, e) != 0) return -1;
    /* Positive first, so liblinear's label[0] is +1 and w points to it. */
    size_t k = 0;
    size_t first_pos = 0;
    while (!(sel[first_pos] && pos[first_pos])) first_pos++;
    prob.y[k] = 1;
    prob.x[k++] = t->x[first_pos];
    for (size_t i = 0; i < t->n; i++)
        if (sel[i] && i != first_pos) {
            prob.y[k] = pos[i] ? 1 : -1;
            prob.x[k++] = t->x[i];
        }
    struct parameter param;
    memset(&param, 0, sizeof param);
    param.solver_type = L2R_L2LOSS_SVC_DUAL;
    param.eps = o->eps;
    param.C = o->C;
    int wl[2] = {1, -1};
    double wv[2];
    if (o->balanced) {
        wv[0] = (double)m / (2.0 * (double)np);
        wv[1] = (double)m / (2.0 * (double)(m - np));
        param.nr_weight = 2;
        param.weight_label = wl;
        param.weight = wv;
    }
    int rc = solve_liblinear(&prob, &param, o, task, t->nfeat, 1, w, b, e);
    free(prob.y);
    free(prob.x);
    return rc;
}

/* Epsilon-SVR on the rows where sel[i] != 0, targets z. */
static int train_svr(const mz_trainset *t, const unsigned char *sel, const double *z, const mz_learnopts *o,
                     unsigned long task, double *w, double *b, mz_err *e)
{
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++) m += sel[i] != 0;
    memset(w, 0, (t->nfeat + 1) * sizeof *w);
    *b = 0;
    if (m == 0) return 0;
    struct problem prob;
    if (problem_new(&prob, t, m, e) != 0) return -1;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (sel[i]) {
            prob.y[k] = z[i];
            prob.x[k++] = t->x[i];
        }
    struct parameter param;
    memset(&param, 0, sizeof param);
    param.solver_type = L2R_L2LOSS_SVR_DUAL;
    param.eps = o->eps;
    param.C = o->C;
    param.p = o->svr_p;
    int rc = solve_liblinear(&prob, &param, o, task, t->nfeat, 0, w, b, e);
    free(prob.y);
    free(prob.x);
    return rc;
}

/* b + w·x for a trainset row (w indexed 1..nfeat; the bias column of x,
 * beyond nfeat, is b's). */
static double row_dot(const mz_trainset *t, const double *w, double b, const struct feature_node *x)
{
    for (const struct feature_node *p = x; p->index != -1; p++)
        if ((size_t)p->index <= t->nfeat) b += w[p->index] * p->value;
    return b;
}

/* Pair decision values from per-class vectors, for row x. */
static void ovr_pairs(const mz_trainset *t, int k, const double *W, const double *B,
                      const struct feature_node *x, double *dec)
{
    double s[MZ_MAX_CLASSES];
    int nbin = k == 2 ? 1 : k;
    for (int c = 0; c < nbin; c++) s[c] = row_dot(t, W + (size_t)c * (t->nfeat + 1), B[c], x);
    if (k == 2) {
        dec[0] = s[0];
        return;
    }
    int p = 0;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++) dec[p++] = s[i] - s[j];
}

/* All solves of a head: task 0 is the final model (every labelled row),
 * task f+1 the model without fold f.  Each (task, class) solve is seeded
 * from its own numbers, so running them in parallel changes nothing.
 * liblinear's solver draws from the process-wide rand(), which threads
 * would share in an unpredictable order, so parallel solves run in child
 * processes that write their weights into shared memory. */
static int solve_one(const mz_trainset *t, const int *y, const double *z, const int *fold, int task,
                     const mz_learnopts *o, int c, double *w, double *b, mz_err *e)
{
    size_t n = t->n;
    unsigned char *sel = malloc(n + 1), *pos = malloc(n + 1);
    if (!sel || !pos) {
        free(sel);
        free(pos);
        return mz_fail(e, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        sel[i] = y[i] >= 0 && (task == 0 || fold[i] != task - 1);
        pos[i] = y[i] == c;
    }
    unsigned long id = (unsigned long)(task == 0 ? 0 : task);
    /* a regression draws from its own seeds, apart from any class's */
    int rc = z ? train_svr(t, sel, z, o, id * 64 + 63, w, b, e)
               : train_binary(t, sel, pos, o, id * 64 + (unsigned long)c, w, b, e);
    free(sel);
    free(pos);
    return rc;
}

/* Jobs 0..njob-1 in child processes, at most procs at a time (in this
 * process, one after the other, when procs <= 1): solvers draw from the
 * process-wide rand(), which threads would share in an unpredictable order.
 * A job run in a child must leave its results in memory the caller mapped
 * MAP_SHARED (in_children() says whether it will be).
 *
 * procs workers are forked once and take jobs from a shared counter: a
 * fork copies the page tables of a process that holds the whole training
 * set, which cost more than small solves when every job had its own.  A
 * job's result depends only on the job (each solve seeds rand() itself),
 * never on the worker that ran it. */
typedef int (*job_fn)(void *ctx, int job, mz_err *e);

static int in_children(int njob, int procs) { return procs > 1 && njob > 1; }

typedef struct job_board {
    int next;   /* next job to take */
    int done;   /* jobs finished */
    int failed; /* a job failed: take no more */
    char msg[MZ_ERR_MAX]; /* the first failed job's error */
    unsigned char ok[];
} job_board;

static void job_worker(job_board *jb, int njob, job_fn fn, void *ctx)
{
    for (;;) {
        if (__atomic_load_n(&jb->failed, __ATOMIC_ACQUIRE)) _exit(0);
        int j = __atomic_fetch_add(&jb->next, 1, __ATOMIC_ACQ_REL);
        if (j >= njob) _exit(0);
        mz_err ce = {{0}};
        if (fn(ctx, j, &ce) != 0) {
            if (__atomic_exchange_n(&jb->failed, 1, __ATOMIC_ACQ_REL) == 0) memcpy(jb->msg, ce.msg, sizeof jb->msg);
            _exit(1);
        }
        jb->ok[j] = 1;
        __atomic_fetch_add(&jb->done, 1, __ATOMIC_ACQ_REL);
    }
}

/* The jobs one after another in this process. */
static int run_here(int njob, int quiet, job_fn fn, void *ctx, mz_err *e)
{
    for (int j = 0; j < njob; j++) {
        if (!quiet) mz_progress("  solving %d/%d ...", j + 1, njob);
        if (fn(ctx, j, e) != 0) return -1;
    }
    if (!quiet) mz_progress_clear();
    return 0;
}

static int run_jobs(int njob, const mz_learnopts *o, job_fn fn, void *ctx, mz_err *e)
{
    int procs = o->procs, quiet = o->quiet;
    if (!in_children(njob, procs)) return run_here(njob, quiet, fn, ctx, e);
    size_t bytes = sizeof(job_board) + (size_t)njob;
    job_board *jb = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (jb == MAP_FAILED) return mz_fail(e, "cannot map shared memory for the solver: %m");
    memset(jb, 0, bytes);
    fflush(NULL);
    int nw = procs < njob ? procs : njob, running = 0, failed = 0, killed = 0, solver_failed = 0;
    /* the workers by pid: the trainer may have children that are not its
     * workers (a shell's `--corpus <(iconv ...)` leaves its converter as
     * one); any child's exit is collected, but only a worker's counts */
    pid_t *pids = calloc((size_t)nw, sizeof *pids);
    if (!pids) {
        munmap(jb, bytes);
        return mz_fail(e, "out of memory");
    }
    pid_t parent = getpid();
    for (int w = 0; w < nw; w++) {
        pid_t pid = fork();
        if (pid < 0 && running > 0) break; /* fewer workers (ulimit -u): the board hands every job out */
        if (pid < 0) {
            /* none at all: the jobs are solved here, as when one process
             * is asked for */
            free(pids);
            munmap(jb, bytes);
            return run_here(njob, quiet, fn, ctx, e);
        }
        if (pid == 0) {
            /* A worker dies with the trainer: a SIGTERM sent to the trainer
             * alone (not its group) would otherwise leave its workers
             * solving for nobody.  The signal is armed after the fork, so a
             * parent already gone is checked for by hand. */
            if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(1);
            job_worker(jb, njob, fn, ctx);
        }
        pids[running++] = pid;
    }
    if (o->idle && !failed) o->idle(o->idle_arg);
    int shown = -1, poll = !quiet && mz_progress_live();
    int live = running;
    while (live > 0) {
        int st;
        pid_t p = waitpid(-1, &st, poll ? WNOHANG : 0);
        if (p < 0 && errno == EINTR) continue;
        if (p < 0) break;
        if (p == 0) {
            /* progress while the workers run */
            int d = __atomic_load_n(&jb->done, __ATOMIC_ACQUIRE);
            if (d != shown) mz_progress("  solving %d/%d ...", d, njob);
            shown = d;
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        int w = 0;
        while (w < running && pids[w] != p) w++;
        if (w == running) continue;
        pids[w] = 0;
        live--;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            if (!failed && WIFSIGNALED(st)) killed = WTERMSIG(st);
            if (!failed) solver_failed = 1;
            failed = 1;
            __atomic_store_n(&jb->failed, 1, __ATOMIC_RELEASE);
        }
    }
    for (int w = 0; w < running; w++)
        if (pids[w]) waitpid(pids[w], NULL, 0);
    free(pids);
    /* every worker has exited: the board's message is whole */
    if (killed) mz_fail(e, "a solver process was killed by signal %d", killed);
    else if (solver_failed) mz_fail(e, "a solver process failed: %s", jb->msg[0] ? jb->msg : "error");
    if (!quiet) mz_progress_clear();
    for (int j = 0; j < njob && !failed; j++)
        if (!jb->ok[j]) {
            failed = 1;
            mz_fail(e, "a solver process did not finish");
        }
    munmap(jb, bytes);
    return failed ? -1 : 0;
}

typedef struct solve_ctx {
    const mz_trainset *t;
    const int *y, *fold;
    const double *z; /* regression targets, or NULL for a classifier */
    const mz_learnopts *o;
    int nbin;
    double *W, *B;
} solve_ctx;

static int solve_job(void *arg, int j, mz_err *e)
{
    solve_ctx *c = arg;
    int task = j / c->nbin, cls = j % c->nbin;
    return solve_one(c->t, c->y, c->z, c->fold, task, c->o, cls, c->W + (size_t)j * (c->t->nfeat + 1), &c->B[j],
                     e);
}

/* With z, one regression per task instead of the classifier's binaries. */
static int solve_all(const mz_trainset *t, const int *y, int k, const double *z, const int *fold, int ntask,
                     const mz_learnopts *o, double *W, double *B, mz_err *e)
{
    int nbin = z || k == 2 ? 1 : k;
    size_t nf1 = t->nfeat + 1;
    int njob = ntask * nbin;
    solve_ctx c = {t, y, fold, z, o, nbin, W, B};
    if (!in_children(njob, o->procs)) return run_jobs(njob, o, solve_job, &c, e);
    size_t bytes = (size_t)njob * (nf1 + 1) * sizeof(double);
    void *shm = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm == MAP_FAILED) return mz_fail(e, "cannot map shared memory for the solver: %m");
    c.W = shm;
    c.B = c.W + (size_t)njob * nf1;
    int rc = run_jobs(njob, o, solve_job, &c, e);
    if (rc == 0) {
        memcpy(W, c.W, (size_t)njob * nf1 * sizeof *W);
        memcpy(B, c.B, (size_t)njob * sizeof *B);
    }
    munmap(shm, bytes);
    return rc;
}

/* Platt sigmoid of every pair, fitted as libsvm does on the decision values
 * of the pair's two classes (out of fold when there were folds).  Pairs
 * are independent fits, run on up to `threads` threads. */
typedef struct platt_ctx {
    const int *y;
    const double *dv;
    size_t n;
    int npair;
    int pi[MZ_MAX_CLASSES * (MZ_MAX_CLASSES - 1) / 2], pj[MZ_MAX_CLASSES * (MZ_MAX_CLASSES - 1) / 2];
    double *dec;         /* per worker, n entries */
    signed char *lab;
    double *probA, *probB;
} platt_ctx;

static int platt_item(void *arg, int w, size_t p, mz_err *e)
{
    platt_ctx *c = arg;
    double *dec = c->dec + (size_t)w * c->n;
    signed char *lab = c->lab + (size_t)w * c->n;
    int i = c->pi[p], j = c->pj[p];
    size_t m = 0;
    for (size_t r = 0; r < c->n; r++)
        if (c->y[r] == i || c->y[r] == j) {
            dec[m] = c->dv[r * (size_t)c->npair + p];
            lab[m] = c->y[r] == i ? 1 : -1;
            m++;
        }
    if (mz_sigmoid_train(m, dec, lab, &c->probA[p], &c->probB[p]) != 0) return mz_fail(e, "out of memory");
    if (c->probA[p] > 0 && m > 0) {
        /* The out-of-fold decisions rank the pair backwards (seen with a
         * dozen records per class): a sigmoid sloping that way would
         * reverse what the final weights say, which point the right way on
         * the texts they were fitted on, while cross-validation, scored
         * through the same sigmoid, would show it rescuing them.  The pair
         * says nothing then: a flat sigmoid at the share of its first
         * class (the mean of Platt's targets, the fit of B with A at 0). */
        double n1 = 0, n0 = 0;
        for (size_t r = 0; r < m; r++) lab[r] > 0 ? n1++ : n0++;
        double share = (n1 * (n1 + 1.0) / (n1 + 2.0) + n0 / (n0 + 2.0)) / (n1 + n0);
        c->probA[p] = 0.0;
        c->probB[p] = log((1.0 - share) / share);
    }
    return 0;
}

static int platt_pairs(const int *y, size_t n, int k, const double *dv, int threads, double *probA,
                       double *probB, mz_err *e)
{
    platt_ctx c = {.y = y, .dv = dv, .n = n, .npair = k * (k - 1) / 2, .probA = probA, .probB = probB};
    int p = 0;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++, p++) c.pi[p] = i, c.pj[p] = j;
    if (threads > c.npair) threads = c.npair;
    if (threads < 1) threads = 1;
    c.dec = malloc(((size_t)threads * n + 1) * sizeof *c.dec);
    c.lab = malloc((size_t)threads * n + 1);
    int rc = c.dec && c.lab ? mz_parallel_for((size_t)c.npair, threads, platt_item, &c, e)
                            : mz_fail(e, "out of memory");
    free(c.dec);
    free(c.lab);
    return rc;
}

/* ------------------------------------------------------------- rbf */

/* The trainset's rows without the bias feature (a constant cancels out of
 * ||x - z||², and libsvm must not see an index beyond the vocabulary), as
 * libsvm nodes for the solver and as mz_sparse views for decisions. */
typedef struct rbf_rows {
    struct svm_node **x;
    struct svm_node *pool;
    mz_sparse *rows;
    int32_t *idx;
    double *val;
} rbf_rows;

static void rbf_rows_free(rbf_rows *r)
{
    free(r->x);
    free(r->pool);
    free(r->rows);
    free(r->idx);
    free(r->val);
    memset(r, 0, sizeof *r);
}

static int rbf_rows_build(const mz_trainset *t, rbf_rows *r, mz_err *e)
{
    memset(r, 0, sizeof *r);
    size_t total = 0;
    for (size_t i = 0; i < t->n; i++)
        for (const struct feature_node *p = t->x[i]; p->index != -1; p++) total += (size_t)p->index <= t->nfeat;
    r->x = malloc((t->n + 1) * sizeof *r->x);
    r->pool = malloc((total + t->n + 1) * sizeof *r->pool);
    r->rows = calloc(t->n + 1, sizeof *r->rows);
    r->idx = malloc((total + 1) * sizeof *r->idx);
    r->val = malloc((total + 1) * sizeof *r->val);
    if (!r->x || !r->pool || !r->rows || !r->idx || !r->val) {
        rbf_rows_free(r);
        return mz_fail(e, "out of memory building the training matrix");
    }
    size_t k = 0, q = 0;
    for (size_t i = 0; i < t->n; i++) {
        r->x[i] = &r->pool[k];
        r->rows[i].idx = r->idx + q;
        r->rows[i].val = r->val + q;
        for (const struct feature_node *p = t->x[i]; p->index != -1; p++) {
            if ((size_t)p->index > t->nfeat) continue;
            r->pool[k].index = p->index;
            r->pool[k++].value = p->value;
            r->idx[q] = p->index;
            r->val[q++] = p->value;
        }
        r->pool[k].index = -1;
        r->pool[k++].value = 0;
        r->rows[i].n = r->rows[i].cap = (size_t)(r->idx + q - r->rows[i].idx);
    }
    return 0;
}

static pthread_mutex_t libsvm_lock = PTHREAD_MUTEX_INITIALIZER;

/* One libsvm solve over the rows with sel[i], stored as a k-class model
 * (out->rho, SVs; no probabilities).  libsvm only knows the classes
 * present: rows are given grouped by class so that its labels come out in
 * increasing order, and a class absent from the rows gets no SVs, zero
 * coefficients and a constant decision of ±1 against the others, as the
 * linear path's one-sided problems do. */
/* libsvm's C-SVC (RBF) on the selected rows, m of them, classes present[0
 * .. kp) (cnt[c] rows of class c; kp >= 2), into *model, its problem's
 * arrays left in *prob for the caller to free.  Returns -1 when out of
 * memory, else 0 with *err set when libsvm refused or failed. */
static int rbf_train(const mz_trainset *t, const rbf_rows *rr, const int *y, const unsigned char *sel, int k,
                     const size_t *cnt, size_t m, const int *present, int kp, const mz_learnopts *o,
                     unsigned long task, struct svm_problem *prob, struct svm_model **model, const char **err)
{
    prob->l = (int)m;
    prob->y = malloc((m + 1) * sizeof *prob->y);
    prob->x = malloc((m + 1) * sizeof *prob->x);
    if (!prob->y || !prob->x) return -1;
    size_t q = 0;
    for (int c = 0; c < k; c++)
        for (size_t i = 0; i < t->n; i++)
            if (sel[i] && y[i] == c) {
                prob->y[q] = c;
                prob->x[q++] = rr->x[i];
            }
    struct svm_parameter par;
    memset(&par, 0, sizeof par);
    par.svm_type = C_SVC;
    par.kernel_type = RBF;
    par.gamma = o->gamma;
    par.cache_size = o->cache_mb;
    par.eps = MZ_LIBSVM_EPS;
    par.C = o->C;
    par.shrinking = 1;
    par.probability = 0; /* Platt comes from mizan's own folds */
    int wl[MZ_MAX_CLASSES];
    double wv[MZ_MAX_CLASSES];
    if (o->balanced) {
        for (int q2 = 0; q2 < kp; q2++) {
            wl[q2] = present[q2];
            wv[q2] = (double)m / ((double)kp * (double)cnt[present[q2]]);
        }
        par.nr_weight = kp;
        par.weight_label = wl;
        par.weight = wv;
    }
    pthread_mutex_lock(&libsvm_lock);
    svm_set_print_string_function(quiet_print);
    srand((unsigned)(o->seed * 1000003UL + task));
    *err = svm_check_parameter(prob, &par);
    *model = *err ? NULL : svm_train(prob, &par);
    pthread_mutex_unlock(&libsvm_lock);
    if (!*model) {
        if (!*err) *err = "training failed";
        return 0;
    }
    for (int q2 = 0; q2 < kp; q2++)
        if ((*model)->label[q2] != present[q2]) *err = "unexpected class order";
    return 0;
}

/* The model's SVs into out, class by class, with their coefficients and
 * the pairs' rho placed among all k classes (pos[c]: class c's place among
 * the present ones); without a model (a one-class problem) one empty SV
 * with zero coefficients, since a model file needs at least one.  Returns
 * an error's text, or NULL. */
static const char *rbf_copy(mz_linmodel *out, const struct svm_model *model, int k, const int *present, int kp,
                            const int *pos, const size_t *cnt)
{
    size_t nsv = model ? (size_t)model->l : 1, nent = 0;
    for (size_t s = 0; model && s < nsv; s++)
        for (const struct svm_node *q = model->SV[s]; q->index != -1; q++) nent++;
    out->nsv = nsv;
    out->sv_start = malloc((nsv + 1) * sizeof *out->sv_start);
    out->sv_coef = calloc(nsv * (size_t)(k - 1) + 1, sizeof *out->sv_coef);
    out->sv_idx = malloc((nent + 1) * sizeof *out->sv_idx);
    out->sv_val = malloc((nent + 1) * sizeof *out->sv_val);
    if (!out->sv_start || !out->sv_coef || !out->sv_idx || !out->sv_val) return "out of memory";
    if (!model) {
        out->nsv_class[kp ? present[0] : 0] = 1;
        out->sv_start[0] = out->sv_start[1] = 0;
        return NULL;
    }
    size_t s = 0, q = 0;
    out->sv_start[0] = 0;
    for (int a = 0; a < kp; a++) {
        int ca = present[a];
        out->nsv_class[ca] = model->nSV[a];
        for (int v = 0; v < model->nSV[a]; v++, s++) {
            for (int b = 0; b < kp; b++)
                if (b != a)
                    out->sv_coef[s * (size_t)(k - 1) + (size_t)mz_coef_row(ca, present[b])] =
                        model->sv_coef[mz_coef_row(a, b)][s];
            for (const struct svm_node *x = model->SV[s]; x->index != -1; x++) {
                out->sv_idx[q] = x->index;
                out->sv_val[q++] = x->value;
            }
            out->sv_start[s + 1] = q;
        }
    }
    int p = 0;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++, p++)
            if (cnt[i] && cnt[j]) out->rho[p] = model->rho[mz_pair_index(kp, pos[i], pos[j])];
    return NULL;
}

static int rbf_solve(const mz_trainset *t, const rbf_rows *rr, const int *y, const unsigned char *sel, int k,
                     const mz_learnopts *o, unsigned long task, mz_linmodel *out, mz_err *e)
{
    memset(out, 0, sizeof *out);
    size_t n = t->n, cnt[MZ_MAX_CLASSES] = {0}, m = 0;
    int present[MZ_MAX_CLASSES], kp = 0, pos[MZ_MAX_CLASSES];
    for (size_t i = 0; i < n; i++)
        if (sel[i]) cnt[y[i]]++, m++;
    for (int c = 0; c < k; c++) {
        pos[c] = cnt[c] ? kp : -1;
        if (cnt[c]) present[kp++] = c;
    }
    int npair = k * (k - 1) / 2;
    out->nclass = k;
    out->npair = npair;
    for (int c = 0; c < k; c++) out->labels[c] = c;
    out->kernel_rbf = 1;
    out->gamma = o->gamma;
    out->nfeat = t->nfeat;
    out->rho = calloc((size_t)npair, sizeof *out->rho);
    if (!out->rho) return mz_fail(e, "out of memory");
    int p = 0;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++, p++) out->rho[p] = cnt[i] && !cnt[j] ? -1.0 : !cnt[i] && cnt[j] ? 1.0 : 0.0;
    struct svm_model *model = NULL;
    struct svm_problem prob = {0, NULL, NULL};
    const char *err = NULL;
    int rc = kp >= 2 ? rbf_train(t, rr, y, sel, k, cnt, m, present, kp, o, task, &prob, &model, &err) : 0;
    if (rc == 0 && !err) err = rbf_copy(out, model, k, present, kp, pos, cnt);
    if (model) svm_free_and_destroy_model(&model);
    free(prob.y);
    free(prob.x);
    if (rc != 0 || err) mz_linmodel_free(out);
    if (rc != 0) return mz_fail(e, "out of memory");
    if (err) return mz_fail(e, "libsvm: %s", err);
    return 0;
}

typedef struct rbf_ctx {
    const mz_trainset *t;
    const rbf_rows *rr;
    const int *y, *fold;
    int k;
    const mz_learnopts *o;
    double *oof; /* n * npair */
} rbf_ctx;

/* Job f: the model without fold f scores fold f's rows. */
static int rbf_fold_job(void *arg, int f, mz_err *e)
{
    rbf_ctx *c = arg;
    size_t n = c->t->n;
    int npair = c->k * (c->k - 1) / 2;
    unsigned char *sel = calloc(n + 1, 1);
    if (!sel) return mz_fail(e, "out of memory");
    for (size_t i = 0; i < n; i++) sel[i] = c->y[i] >= 0 && c->fold[i] != f;
    mz_linmodel m;
    int rc = rbf_solve(c->t, c->rr, c->y, sel, c->k, c->o, (unsigned long)f + 1, &m, e);
    free(sel);
    if (rc != 0) return -1;
    for (size_t i = 0; i < n; i++)
        if (c->fold[i] == f && (c->y[i] >= 0 || c->o->answer_unlabelled))
            mz_linmodel_decision(&m, &c->rr->rows[i], c->oof + i * (size_t)npair);
    mz_linmodel_free(&m);
    return 0;
}

static int fit_head_rbf(const mz_trainset *t, const int *y, int k, const mz_learnopts *o, mz_linmodel *out,
                        double **oof_out, mz_err *e)
{
    int npair = k * (k - 1) / 2;
    size_t n = t->n;
    int folds = o->folds >= 2 ? o->folds : 0;
    rbf_rows rr;
    if (rbf_rows_build(t, &rr, e) != 0) return -1;
    int *fold = folds ? mz_make_folds(y, n, t->nscored, k, folds, o->seed, t->same) : NULL;
    double *oof = calloc(n * (size_t)npair + 1, sizeof *oof);
    unsigned char *sel = calloc(n + 1, 1);
    size_t bytes = (n * (size_t)npair + 1) * sizeof(double);
    double *shm = NULL;
    int rc = -1;
    if (!oof || !sel || (folds && !fold)) {
        mz_fail(e, "out of memory");
        goto out;
    }
    rbf_ctx c = {t, &rr, y, fold, k, o, oof};
    if (folds && in_children(folds, o->procs)) {
        shm = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shm == MAP_FAILED) {
            shm = NULL;
            mz_fail(e, "cannot map shared memory for the solver: %m");
            goto out;
        }
        memset(shm, 0, bytes);
        c.oof = shm;
    }
    if (folds && run_jobs(folds, o, rbf_fold_job, &c, e) != 0) goto out;
    if (shm) memcpy(oof, shm, n * (size_t)npair * sizeof *oof);
    if (!o->quiet) mz_progress("  solving the final model ...");
    for (size_t i = 0; i < n; i++) sel[i] = y[i] >= 0;
    if (rbf_solve(t, &rr, y, sel, k, o, 0, out, e) != 0) goto out;
    if (!o->quiet) mz_progress_clear();
    if (!fold)
        for (size_t i = 0; i < n; i++)
            if (y[i] >= 0 || o->answer_unlabelled) mz_linmodel_decision(out, &rr.rows[i], oof + i * (size_t)npair);
    out->probA = malloc((size_t)npair * sizeof *out->probA);
    out->probB = malloc((size_t)npair * sizeof *out->probB);
    if (!out->probA || !out->probB) {
        mz_linmodel_free(out);
        mz_fail(e, "out of memory");
        goto out;
    }
    if (platt_pairs(y, t->nscored, k, oof, o->procs, out->probA, out->probB, e) != 0) {
        mz_linmodel_free(out);
        goto out;
    }
    rc = 0;
out:
    if (shm) munmap(shm, bytes);
    free(sel);
    free(fold);
    rbf_rows_free(&rr);
    if (rc == 0 && oof_out) *oof_out = oof;
    else free(oof);
    return rc;
}

/* Out-of-fold pair decisions: row i by the model of the task without its
 * fold (task fold[i]+1 of the solves), rows on threads; a row that is in
 * no fold keeps its zeros. */
typedef struct oof_ctx {
    const mz_trainset *t;
    const int *y, *fold;
    int k, nbin;
    const double *Wall, *Ball;
    double *oof;
    int answer_unlabelled;
} oof_ctx;

static int oof_item(void *arg, int w, size_t i, mz_err *e)
{
    (void)w;
    (void)e;
    oof_ctx *c = arg;
    /* training only (in every fold), or unlabelled and not asked for */
    if (c->fold[i] < 0 || (c->y[i] < 0 && !c->answer_unlabelled)) return 0;
    size_t nf1 = c->t->nfeat + 1, task = (size_t)c->fold[i] + 1;
    int npair = c->k * (c->k - 1) / 2;
    ovr_pairs(c->t, c->k, c->Wall + task * (size_t)c->nbin * nf1, c->Ball + task * (size_t)c->nbin, c->t->x[i],
              c->oof + i * (size_t)npair);
    return 0;
}

int mz_fit_head(const mz_trainset *t, const int *y, int k, const mz_learnopts *o,
                mz_linmodel *out, double **oof_out, mz_err *e)
{
    memset(out, 0, sizeof *out);
    if (k < 2 || k > MZ_MAX_CLASSES) return mz_fail(e, "a head needs 2..%d classes, got %d", MZ_MAX_CLASSES, k);
    if (o->rbf) return fit_head_rbf(t, y, k, o, out, oof_out, e);
    int npair = k * (k - 1) / 2, nbin = k == 2 ? 1 : k;
    size_t n = t->n, nf1 = t->nfeat + 1;
    int folds = o->folds >= 2 ? o->folds : 0, ntask = folds + 1;
    double *Wall = malloc((size_t)ntask * (size_t)nbin * nf1 * sizeof *Wall);
    double *Ball = malloc((size_t)ntask * (size_t)nbin * sizeof *Ball);
    double *W = malloc((size_t)nbin * nf1 * sizeof *W);
    double *B = malloc((size_t)nbin * sizeof *B);
    double *oof = calloc(n * (size_t)npair + 1, sizeof *oof);
    unsigned char *sel = NULL;
    int *fold = folds ? mz_make_folds(y, n, t->nscored, k, folds, o->seed, t->same) : NULL;
    if (!Wall || !Ball || !W || !B || !oof || (folds && !fold)) {
        free(Wall);
        free(Ball);
        mz_fail(e, "out of memory");
        goto fail;
    }
    if (solve_all(t, y, k, NULL, fold, ntask, o, Wall, Ball, e) != 0) {
        free(Wall);
        free(Ball);
        goto fail;
    }
    if (folds) {
        oof_ctx oc = {t, y, fold, k, nbin, Wall, Ball, oof, o->answer_unlabelled};
        if (mz_parallel_for(n, o->procs, oof_item, &oc, e) != 0) {
            free(Wall);
            free(Ball);
            goto fail;
        }
    }
    memcpy(W, Wall, (size_t)nbin * nf1 * sizeof *W);
    memcpy(B, Ball, (size_t)nbin * sizeof *B);
    free(Wall);
    free(Ball);

    out->nclass = k;
    out->npair = npair;
    for (int c = 0; c < k; c++) out->labels[c] = c;
    out->nfeat = t->nfeat;
    out->W = calloc(nf1 * (size_t)npair, sizeof *out->W);
    out->rho = malloc((size_t)npair * sizeof *out->rho);
    out->probA = malloc((size_t)npair * sizeof *out->probA);
    out->probB = malloc((size_t)npair * sizeof *out->probB);
    if (!out->W || !out->rho || !out->probA || !out->probB) {
        mz_fail(e, "out of memory");
        goto fail;
    }
    if (k == 2) {
        for (size_t f = 1; f < nf1; f++) out->W[f] = W[f];
        out->rho[0] = -B[0];
    } else {
        out->Wc = W; /* kept: the bundle stores one vector per class */
        W = NULL;
        double *Wc = out->Wc;
        int p = 0;
        for (int i = 0; i < k; i++)
            for (int j = i + 1; j < k; j++, p++) {
                const double *wi = Wc + (size_t)i * nf1, *wj = Wc + (size_t)j * nf1;
                for (size_t f = 1; f < nf1; f++) out->W[f * (size_t)npair + (size_t)p] = wi[f] - wj[f];
                out->rho[p] = -(B[i] - B[j]);
            }
    }
    /* Platt per pair on the out-of-fold decision values of its two classes
     * (without CV, on the training decisions, as a last resort). */
    if (!fold)
        for (size_t i = 0; i < n; i++)
            if (y[i] >= 0 || o->answer_unlabelled)
                ovr_pairs(t, k, out->Wc ? out->Wc : W, B, t->x[i], oof + i * (size_t)npair);
    if (platt_pairs(y, t->nscored, k, oof, o->procs, out->probA, out->probB, e) != 0) goto fail;
    free(W);
    free(B);
    free(sel);
    free(fold);
    if (oof_out) *oof_out = oof;
    else free(oof);
    return 0;
fail:
    free(W);
    free(B);
    free(oof);
    free(sel);
    free(fold);
    mz_linmodel_free(out);
    return -1;
}

int mz_fit_svr(const mz_trainset *t, const int *y, int k, const double *z, const mz_learnopts *o,
               mz_linmodel *out, double **oof_out, mz_err *e)
{
    memset(out, 0, sizeof *out);
    if (k < 1 || k > MZ_MAX_CLASSES) return mz_fail(e, "internal: %d strata for a regression", k);
    size_t n = t->n, nf1 = t->nfeat + 1;
    int folds = o->folds >= 2 ? o->folds : 0, ntask = folds + 1;
    double *Wall = malloc((size_t)ntask * nf1 * sizeof *Wall);
    double *Ball = malloc((size_t)ntask * sizeof *Ball);
    double *oof = calloc(n + 1, sizeof *oof);
    int *fold = folds ? mz_make_folds(y, n, t->nscored, k, folds, o->seed, t->same) : NULL;
    if (!Wall || !Ball || !oof || (folds && !fold)) {
        mz_fail(e, "out of memory");
        goto fail;
    }
    if (solve_all(t, y, k, z, fold, ntask, o, Wall, Ball, e) != 0) goto fail;
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || (fold && fold[i] < 0)) continue;
        /* without CV, the training predictions stand in */
        int task = fold ? fold[i] + 1 : 0;
        oof[i] = row_dot(t, Wall + (size_t)task * nf1, Ball[task], t->x[i]);
    }
    out->nclass = 2;
    out->npair = 1;
    out->svr = 1;
    out->nfeat = t->nfeat;
    out->W = calloc(nf1, sizeof *out->W);
    out->rho = malloc(sizeof *out->rho);
    if (!out->W || !out->rho) {
        mz_fail(e, "out of memory");
        goto fail;
    }
    memcpy(out->W + 1, Wall + 1, t->nfeat * sizeof *out->W);
    out->rho[0] = -Ball[0];
    free(Wall);
    free(Ball);
    free(fold);
    if (oof_out) *oof_out = oof;
    else free(oof);
    return 0;
fail:
    free(Wall);
    free(Ball);
    free(oof);
    free(fold);
    mz_linmodel_free(out);
    return -1;
}
