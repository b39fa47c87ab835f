/* fsutil.c — see fsutil.h. */
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <alloca.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static char *join_alloc(const char *dir, const char *name);

/* A temporary's name is ".<base>." TMP_TAG ".XXXXXX": the program's name
 * in it, so that a sweep (below) can never take a user's own
 * ".answers.jsonl.tmp.backup" for one. */
#define TMP_TAG "tmp.mizan"

/* ---- path pieces ------------------------------------------------------ */

/* Split target into the directory prefix (everything up to and including the
 * last slash, possibly empty) and the base name, ignoring trailing slashes.
 * Fails for paths that have no usable base name ("", "/", ".", ".."). */
static int split_path(const char *path, size_t *prefix_len, const char **base,
                      size_t *base_len, mz_err *e)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t s = n;
    while (s > 0 && path[s - 1] != '/')
        s--;
    size_t bl = n - s;
    if (bl == 0 || (bl == 1 && path[s] == '.') ||
        (bl == 2 && path[s] == '.' && path[s + 1] == '.'))
        return mz_fail(e, "%s: path has no usable final component", path);
    *prefix_len = s;
    *base = path + s;
    *base_len = bl;
    return 0;
}

/* How much of a base name of bl bytes a temporary's name holds: all of it
 * unless the name would pass NAME_MAX (a target's own name may be 255
 * bytes; its temporary's adds 18).  Two targets whose names share their
 * first 237 bytes then share a sweep, which only takes what no run holds. */
static size_t temp_base_len(size_t bl)
{
    const size_t extra = sizeof "." "." TMP_TAG ".XXXXXX" - 1;
    return bl + extra > NAME_MAX ? NAME_MAX - extra : bl;
}

/* out = "<prefix>.<base>.<tag>.XXXXXX" beside target. */
static int sibling_template(const char *target, const char *tag, char *out,
                            size_t outsz, mz_err *e)
{
    size_t pl, bl;
    const char *base;
    if (split_path(target, &pl, &base, &bl, e) != 0)
        return -1;
    bl = temp_base_len(bl);
    int w = snprintf(out, outsz, "%.*s.%.*s.%s.XXXXXX", (int)pl, target,
                     (int)bl, base, tag);
    if (w < 0 || (size_t)w >= outsz)
        return mz_fail(e, "%s: temporary path name is too long", target);
    return 0;
}

/* The folder holding target ("." for a bare name), without trailing
 * slashes; -1 when target has no usable name or out is too small. */
static int parent_of(const char *target, char *out, size_t outsz, mz_err *e)
{
    size_t pl, bl;
    const char *base;
    if (split_path(target, &pl, &base, &bl, e) != 0)
        return -1;
    if (pl == 0) {
        snprintf(out, outsz, ".");
        return 0;
    }
    if (pl >= outsz)
        return mz_fail(e, "%s: path too long", target);
    memcpy(out, target, pl);
    while (pl > 1 && out[pl - 1] == '/')
        pl--;
    out[pl] = '\0';
    return 0;
}

/* Flush the directory entry changes of target's parent.  Best effort: some
 * filesystems refuse fsync on directories, and by the time this runs the
 * rename has already happened, so there is nothing left to undo. */
static void sync_parent(const char *target)
{
    char dir[PATH_MAX];
    if (parent_of(target, dir, sizeof dir, NULL) != 0)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* The umask read by mz_start while no other thread could see it change;
 * 022 for a program that never called it. */
static mode_t start_umask = 022;

/* The process umask without changing it (umask() is not thread-safe to
 * probe); Linux reports it in /proc/self/status since 4.7, and where that
 * cannot be read (no /proc in a container) the one read at start is
 * used. */
mode_t mz_umask(void)
{
    mode_t m = start_umask;
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return m;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        unsigned v;
        if (sscanf(line, "Umask: %o", &v) == 1) {
            m = (mode_t)(v & 0777);
            break;
        }
    }
    fclose(f);
    return m;
}

int mz_same_file(const char *output, const char *input)
{
    struct stat o, i;
    return stat(output, &o) == 0 && S_ISREG(o.st_mode) && stat(input, &i) == 0 && i.st_dev == o.st_dev &&
           i.st_ino == o.st_ino;
}

int mz_path_within(const char *output, const char *dir, char *rel, size_t reln)
{
    char parent[PATH_MAX], rp[PATH_MAX], rd[PATH_MAX];
    size_t pl, bl;
    const char *base;
    if (split_path(output, &pl, &base, &bl, NULL) != 0 || parent_of(output, parent, sizeof parent, NULL) != 0 ||
        !realpath(parent, rp) || !realpath(dir, rd))
        return 0;
    size_t n = strlen(rd);
    if (n == 1) n = 0; /* dir is the root */
    if (strncmp(rp, rd, n) != 0 || (rp[n] != '\0' && rp[n] != '/')) return 0;
    if (rel) {
        const char *under = rp[n] == '/' ? rp + n + 1 : "";
        int w = snprintf(rel, reln, "%s%s%.*s", under, *under ? "/" : "", (int)bl, base);
        if (w < 0 || (size_t)w >= reln) return 0;
    }
    return 1;
}

int mz_parent_writable(const char *path, mz_err *e)
{
    char parent[PATH_MAX];
    if (parent_of(path, parent, sizeof parent, e) != 0)
        return -1;
    struct stat st;
    if (stat(parent, &st) != 0)
        return mz_fail(e, "%s: its folder %s: %s", path, parent, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return mz_fail(e, "%s: %s is not a folder", path, parent);
    if (access(parent, W_OK | X_OK) != 0)
        return mz_fail(e, "%s: cannot write in %s: %s", path, parent, strerror(errno));
    return 0;
}

/* ---- reading ---------------------------------------------------------- */

static int read_fd(int fd, const char *path, size_t max_bytes, char **buf, size_t *len, mz_err *e);

static int open_failed(const char *path, mz_err *e)
{
    if (errno == ENOENT) return mz_fail(e, "%s: no such file", path);
    return mz_fail(e, "%s: cannot open: %s", path, strerror(errno));
}

int mz_read_file(const char *path, size_t max_bytes, char **buf, size_t *len,
                 mz_err *e)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return open_failed(path, e);
    return read_fd(fd, path, max_bytes, buf, len, e);
}

int mz_read_regular(const char *path, size_t max_bytes, char **buf, size_t *len, mz_err *e)
{
    *buf = NULL;
    *len = 0;
    /* not blocking in open(): a pipe put in the file's place since it was
     * listed would wait there for a writer */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) return open_failed(path, e);
    struct stat st;
    int fl = fcntl(fd, F_GETFL);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        close(fd);
        return mz_fail(e, "%s: no longer a regular file", path);
    }
    return read_fd(fd, path, max_bytes, buf, len, e);
}

/* Reads fd whole and closes it. */
static int read_fd(int fd, const char *path, size_t max_bytes, char **buf, size_t *len, mz_err *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return mz_fail(e, "%s: cannot stat: %s", path, strerror(err));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return mz_fail(e, "%s: is a directory", path);
    }
    size_t cap = 4096;
    if (S_ISREG(st.st_mode)) {
        if ((uintmax_t)st.st_size > max_bytes) {
            close(fd);
            return mz_fail(e, "%s: file is larger than the limit of %zu bytes",
                           path, max_bytes);
        }
        /* Room for the data, the NUL, and one spare byte so the final
         * read() that sees EOF needs no reallocation. */
        if ((uintmax_t)st.st_size <= SIZE_MAX - 2)
            cap = (size_t)st.st_size + 2;
    }

    char *b = malloc(cap);
    if (!b) {
        close(fd);
        return mz_fail(e, "%s: out of memory reading file", path);
    }
    size_t used = 0;
    for (;;) {
        if (cap - used < 2) {
            if (cap > SIZE_MAX / 2) {
                free(b);
                close(fd);
                return mz_fail(e, "%s: file is too large to read", path);
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                close(fd);
                return mz_fail(e, "%s: out of memory reading file", path);
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + used, cap - 1 - used);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            free(b);
            close(fd);
            return mz_fail(e, "%s: read error: %s", path, strerror(err));
        }
        if (r == 0)
            break;
        used += (size_t)r;
        if (used > max_bytes) {
            free(b);
            close(fd);
            return mz_fail(e, "%s: file is larger than the limit of %zu bytes",
                           path, max_bytes);
        }
    }
    close(fd);
    b[used] = '\0';
    *buf = b;
    *len = used;
    return 0;
}

/* ---- atomic file replacement ------------------------------------------ */

/* The signals whose default action ends the process and that a program
 * can catch: each would otherwise leave a temporary behind (SIGXCPU is
 * what a CPU-time limit sends, SIGQUIT a terminal's ^\, SIGUSR1/2 and
 * SIGALRM what a supervisor may).  SIGPROF and SIGVTALRM are left alone: a
 * profiler ticks with them.  SIGXFSZ is ignored instead (mz_start). */
static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU};

void mz_signals_hold(sigset_t *old)
{
    sigset_t hold;
    sigemptyset(&hold);
    for (size_t i = 0; i < sizeof caught / sizeof *caught; i++) sigaddset(&hold, caught[i]);
    pthread_sigmask(SIG_BLOCK, &hold, old);
}

void mz_signals_release(const sigset_t *old) { pthread_sigmask(SIG_SETMASK, old, NULL); }

/* Under a limit on address space (ulimit -v) the kernel may be unable to
 * grow the main thread's stack mid-run, once the heap has taken what the
 * limit leaves: a crash, where a failed allocation is an error.  Its first
 * MiB is touched at start, while there is room (worker threads' stacks are
 * mapped whole when they start): no more than a quarter of a stack limit
 * under 4 MiB (ulimit -s 1024 would make the touch itself the crash), and
 * not at all under an address-space limit too small to hold it beside the
 * program. */
static void __attribute__((noinline)) grow_stack(void)
{
    size_t want = 1 << 20;
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 4 * want)
        want = (size_t)rl.rlim_cur / 4;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < ((rlim_t)64 << 20)) want = 0;
    if (!want) return;
    volatile char *pad = alloca(want);
    for (size_t i = 0; i < want; i += 4096) pad[i] = 0;
}

int mz_start(int *closed)
{
    grow_stack();
    *closed = 0;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        *closed |= 1 << fd;
        /* read-only, so that writing to a closed stdout still fails (EBADF)
         * and is reported; the lower descriptors are open, so this one is
         * what open() returns */
        int got = open("/dev/null", O_RDONLY);
        if (got != fd) {
            if (got >= 0) close(got);
            return -1;
        }
    }
    start_umask = umask(022);
    umask(start_umask);
    /* a file over ulimit -f fails to write (EFBIG), which is reported and
     * cleaned up, rather than killing the program with its temporaries */
    signal(SIGXFSZ, SIG_IGN);
    return 0;
}

void mz_signals_catch(void (*handler)(int))
{
    for (size_t i = 0; i < sizeof caught / sizeof *caught; i++) {
        struct sigaction sa;
        /* one ignored by whoever started us (nohup, a background job) stays
         * ignored */
        if (sigaction(caught[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) continue;
        signal(caught[i], handler);
    }
}

/* One temporary being written for mz_outfile at a time, named here for
 * mz_outfile_pending() (a signal handler reads it, hence a plain array
 * written while SIGINT and SIGTERM are held). */
static char pending_tmp[PATH_MAX];

const char *mz_outfile_pending(void) { return pending_tmp; }

/* An existing target that a rename cannot replace, so it is written in
 * place as a shell redirection would: a device, a pipe or a terminal, or
 * anything under /dev or /proc (/dev/stdout names whatever fd 1 is). */
static int in_place(const char *path, const struct stat *st)
{
    return !S_ISREG(st->st_mode) || !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6);
}

/* dest (holding path) becomes what the chain of links at path names when
 * that does not exist yet; unchanged when path is not a link. */
static int follow_dangling(const char *path, char *dest, size_t n, mz_err *e)
{
    struct stat lst;
    for (int hop = 0; lstat(dest, &lst) == 0 && S_ISLNK(lst.st_mode); hop++) {
        char to[PATH_MAX], dir[PATH_MAX];
        ssize_t k = readlink(dest, to, sizeof to - 1);
        if (hop == 40 || k <= 0 || (size_t)k >= sizeof to - 1)
            return mz_fail(e, "%s: cannot resolve link: %s", path, hop == 40 ? "too many levels" : strerror(errno));
        to[k] = '\0';
        int w = to[0] != '/' && parent_of(dest, dir, sizeof dir, e) == 0 ? snprintf(dest, n, "%s/%s", dir, to)
                                                                          : snprintf(dest, n, "%s", to);
        if (w < 0 || (size_t)w >= n) return mz_fail(e, "%s: path name is too long", path);
    }
    return 0;
}

/* ---- temporaries of killed runs --------------------------------------- */

/* A run holds an exclusive flock on each temporary it writes (the lock goes
 * with its last descriptor, so with the process, however it dies).  A
 * temporary of target's that no one locks, owned by this user and
 * untouched for STALE_SECONDS, was left by a run killed outright (SIGKILL,
 * the OOM killer): the next write of target removes it.  The age covers
 * the moment between a temporary's creation and its lock; a temporary a
 * live run writes is locked, whatever its age. */
#define STALE_SECONDS 10

int mz_temp_lock(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* 1 for the six characters mkstemp and mkdtemp put in place of XXXXXX. */
static int temp_suffix(const char *s)
{
    for (int i = 0; i < 6; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return s[6] == '\0';
}

static void sweep_stale(const char *target)
{
    size_t pl, bl;
    const char *base;
    char dir[PATH_MAX];
    if (split_path(target, &pl, &base, &bl, NULL) != 0 || parent_of(target, dir, sizeof dir, NULL) != 0) return;
    bl = temp_base_len(bl);
    DIR *d = opendir(dir);
    if (!d) return;
    int dfd = dirfd(d);
    time_t now = time(NULL);
    const struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        const size_t tl = sizeof "." TMP_TAG "." - 1;
        if (n[0] != '.' || strncmp(n + 1, base, bl) != 0 || strncmp(n + 1 + bl, "." TMP_TAG ".", tl) != 0 ||
            !temp_suffix(n + 1 + bl + tl))
            continue;
        struct stat st, fst;
        if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_uid != geteuid() ||
            !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) || st.st_mtime > now || now - st.st_mtime < STALE_SECONDS)
            continue;
        int fd = openat(dfd, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) continue;
        /* the same file still, and no run holds it */
        if (fstat(fd, &fst) == 0 && fst.st_dev == st.st_dev && fst.st_ino == st.st_ino &&
            flock(fd, LOCK_EX | LOCK_NB) == 0) {
            char *p = join_alloc(dir, n);
            if (p) mz_rm_rf(p, NULL);
            free(p);
        }
        close(fd);
    }
    closedir(d);
}

/* publish: name the temporary in pending_tmp (mz_outfile_open does;
 * mz_write_file_atomic, whose callers hold the signals or write inside a
 * temporary directory of their own, does not) */
static int outfile_open(mz_outfile *o, const char *path, int publish, mz_err *e)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    if (snprintf(o->dest, sizeof o->dest, "%s", path) >= (int)sizeof o->dest)
        return mz_fail(e, "%s: path name is too long", path);
    struct stat st, lst;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return mz_fail(e, "%s: is a directory", path);
    int direct = exists && in_place(path, &st);
    /* a link is followed: the file it names is replaced, the link kept */
    if (!direct && exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        if (!realpath(path, o->dest))
            return mz_fail(e, "%s: cannot resolve link: %s", path, strerror(errno));
        direct = in_place(o->dest, &st);
    }
    /* a link to a file not made yet: the file it names is created, the
     * link kept, as a shell redirection through it would */
    if (!exists && follow_dangling(path, o->dest, sizeof o->dest, e) != 0) return -1;
    if (direct) {
        if (!(o->f = fopen(path, "we")))
            return mz_fail(e, "%s: cannot open for writing: %s", path,
                           strerror(errno));
        return 0;
    }
    if (sibling_template(o->dest, TMP_TAG, o->tmp, sizeof o->tmp, e) != 0)
        return -1;
    sweep_stale(o->dest);
    sigset_t old;
    mz_signals_hold(&old);
    int fd = mkostemp(o->tmp, O_CLOEXEC);
    /* held while o->f is open: a later run's sweep leaves it alone */
    if (fd >= 0) (void)flock(fd, LOCK_EX | LOCK_NB);
    if (fd >= 0 && publish) {
        memcpy(pending_tmp, o->tmp, sizeof pending_tmp);
        o->published = 1;
    }
    mz_signals_release(&old);
    if (fd < 0) {
        int err = errno;
        o->tmp[0] = '\0';
        return mz_fail(e, "%s: cannot create temporary file: %s", path,
                       strerror(err));
    }
    mode_t mode = 0666 & ~mz_umask();
    if (exists)
        mode = st.st_mode & 07777;
    if (fchmod(fd, mode) != 0 || !(o->f = fdopen(fd, "w"))) {
        int err = errno;
        close(fd);
        mz_outfile_abort(o);
        return mz_fail(e, "%s: cannot set up temporary file: %s", path,
                       strerror(err));
    }
    return 0;
}

int mz_outfile_open(mz_outfile *o, const char *path, mz_err *e)
{
    return outfile_open(o, path, 1, e);
}

int mz_outfile_check(const char *path, mz_err *e)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return mz_fail(e, "%s: is a directory", path);
        if (in_place(path, &st))
            return 0; /* its folder does not matter */
        return mz_parent_writable(path, e);
    }
    char dest[PATH_MAX];
    if (snprintf(dest, sizeof dest, "%s", path) >= (int)sizeof dest) return mz_fail(e, "%s: path name is too long", path);
    if (follow_dangling(path, dest, sizeof dest, e) != 0) return -1;
    return mz_parent_writable(dest, e);
}

void mz_outfile_abort(mz_outfile *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp[0]) {
        sigset_t old;
        mz_signals_hold(&old);
        unlink(o->tmp);
        if (o->published)
            pending_tmp[0] = '\0';
        mz_signals_release(&old);
        o->tmp[0] = '\0';
    }
}

int mz_outfile_commit(mz_outfile *o, mz_err *e)
{
    const char *what = NULL;
    int err = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        what = "write failed";
    else if (o->tmp[0] && fsync(fileno(o->f)) != 0)
        what = "fsync failed";
    if (what)
        err = errno;
    /* the lock (a sweep's sign of a live run) lasts until the rename, on a
     * descriptor of its own: fclose's error is still the last word on the
     * writes */
    int lock = o->tmp[0] ? fcntl(fileno(o->f), F_DUPFD_CLOEXEC, 0) : -1;
    if (fclose(o->f) != 0 && !what) {
        err = errno;
        what = "close failed";
    }
    o->f = NULL;
    if (!what && o->tmp[0]) {
        sigset_t old;
        mz_signals_hold(&old);
        if (rename(o->tmp, o->dest) != 0) {
            err = errno;
            what = "cannot rename temporary file into place";
        } else {
            o->tmp[0] = '\0';
            if (o->published)
                pending_tmp[0] = '\0';
        }
        mz_signals_release(&old);
        if (!what)
            sync_parent(o->dest);
    }
    if (lock >= 0)
        close(lock);
    if (!what)
        return 0;
    mz_outfile_abort(o);
    return mz_fail(e, "%s: %s: %s", o->path, what, strerror(err));
}

int mz_write_file_atomic(const char *path, const void *data, size_t len,
                         mz_err *e)
{
    mz_outfile o;
    if (outfile_open(&o, path, 0, e) != 0)
        return -1;
    if (len && fwrite(data, 1, len, o.f) != len) {
        int err = errno;
        mz_outfile_abort(&o);
        return mz_fail(e, "%s: write failed: %s", path, strerror(err));
    }
    return mz_outfile_commit(&o, e);
}

/* ---- directories ------------------------------------------------------ */

int mz_mkdtemp_beside(const char *final_dir, char *out, size_t outsz,
                      mz_err *e)
{
    if (sibling_template(final_dir, TMP_TAG, out, outsz, e) != 0) {
        if (outsz > 0)
            out[0] = '\0';
        return -1;
    }
    sweep_stale(final_dir);
    if (!mkdtemp(out)) {
        int err = errno;
        out[0] = '\0';
        return mz_fail(e, "%s: cannot create temporary directory beside it: %s",
                       final_dir, strerror(err));
    }
    return 0;
}

static int exchange_paths(const char *a, const char *b)
{
#if defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 28))
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
#elif defined(SYS_renameat2)
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b,
                        RENAME_EXCHANGE);
#else
    (void)a;
    (void)b;
    errno = ENOSYS;
    return -1;
#endif
}

static int check_is_dir(const char *path, int *exists, mz_err *e)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT && exists) {
            *exists = 0;
            return 0;
        }
        return mz_fail(e, "%s: %s", path, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return mz_fail(e, "%s: exists and is not a directory", path);
    if (exists)
        *exists = 1;
    return 0;
}

int mz_dir_commit_aside(const char *tmp_dir, const char *final_dir,
                        mz_err *e)
{
    int exists = 0;
    if (check_is_dir(tmp_dir, NULL, e) != 0 ||
        check_is_dir(final_dir, &exists, e) != 0)
        return -1;
    if (!exists) {
        if (rename(tmp_dir, final_dir) != 0)
            return mz_fail(e, "%s: cannot rename %s into place: %s", final_dir,
                           tmp_dir, strerror(errno));
        sync_parent(final_dir);
        return 0;
    }

    /* An empty directory reserves a unique name; rename() may replace it. */
    char aside[PATH_MAX];
    if (sibling_template(final_dir, "old", aside, sizeof aside, e) != 0)
        return -1;
    if (!mkdtemp(aside))
        return mz_fail(e, "%s: cannot create directory beside it: %s",
                       final_dir, strerror(errno));
    if (rename(final_dir, aside) != 0) {
        int err = errno;
        rmdir(aside);
        return mz_fail(e, "%s: cannot move old directory aside: %s", final_dir,
                       strerror(err));
    }
    if (rename(tmp_dir, final_dir) != 0) {
        int err = errno;
        if (rename(aside, final_dir) != 0)
            return mz_fail(e,
                           "%s: cannot rename %s into place (%s), and the old "
                           "directory could not be restored from %s: %s",
                           final_dir, tmp_dir, strerror(err), aside,
                           strerror(errno));
        return mz_fail(e, "%s: cannot rename %s into place: %s", final_dir,
                       tmp_dir, strerror(err));
    }
    sync_parent(final_dir);
    if (mz_rm_rf(aside, e) != 0)
        return mz_wrap(e, "%s: new directory is in place, but removing the old "
                          "one failed: ", final_dir);
    return 0;
}

int mz_dir_commit(const char *tmp_dir, const char *final_dir, mz_err *e)
{
    int exists;
    if (check_is_dir(tmp_dir, NULL, e) != 0 ||
        check_is_dir(final_dir, &exists, e) != 0)
        return -1;
    if (!exists) {
        if (rename(tmp_dir, final_dir) == 0) {
            sync_parent(final_dir);
            return 0;
        }
        if (errno != EEXIST && errno != ENOTEMPTY)
            return mz_fail(e, "%s: cannot rename %s into place: %s", final_dir,
                           tmp_dir, strerror(errno));
        /* Someone created final_dir meanwhile: swap with it below. */
        if (check_is_dir(final_dir, NULL, e) != 0)
            return -1;
    }

    if (exchange_paths(tmp_dir, final_dir) != 0) {
        if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
            return mz_dir_commit_aside(tmp_dir, final_dir, e);
        return mz_fail(e, "%s: cannot exchange with %s: %s", final_dir,
                       tmp_dir, strerror(errno));
    }
    sync_parent(final_dir);
    /* tmp_dir now holds the old tree. */
    if (mz_rm_rf(tmp_dir, e) != 0)
        return mz_wrap(e, "%s: new directory is in place, but removing the old "
                          "one failed: ", final_dir);
    return 0;
}

/* ---- removal ---------------------------------------------------------- */

static char *join_alloc(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (p) {
        memcpy(p, dir, dl);
        p[dl] = '/';
        memcpy(p + dl + 1, name, nl + 1);
    }
    return p;
}

/* Remove everything inside the directory open as fd (consumed).  path is used
 * only for messages.  Subdirectories are opened relative to their parent with
 * O_NOFOLLOW, so a symlink swapped in mid-walk is never traversed. */
static int rm_contents(int fd, const char *path, mz_err *e)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        int err = errno;
        close(fd);
        return mz_fail(e, "%s: cannot read directory: %s", path,
                       strerror(err));
    }
    int dfd = dirfd(d);
    int rc = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno)
                rc = mz_fail(e, "%s: cannot read directory: %s", path,
                             strerror(errno));
            break;
        }
        const char *name = de->d_name;
        if (name[0] == '.' &&
            (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
            continue;

        if (de->d_type != DT_DIR) {
            if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
                continue;
            if (errno != EISDIR && errno != EPERM) {
                rc = mz_fail(e, "%s/%s: cannot remove: %s", path, name,
                             strerror(errno));
                break;
            }
        }
        int unlink_err = errno;
        int cfd = openat(dfd, name,
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0) {
            if (errno == ENOENT)
                continue;
            if ((errno == ENOTDIR || errno == ELOOP) && de->d_type != DT_DIR)
                errno = unlink_err;
            rc = mz_fail(e, "%s/%s: cannot remove: %s", path, name,
                         strerror(errno));
            break;
        }
        char *sub = join_alloc(path, name);
        if (!sub) {
            close(cfd);
            rc = mz_fail(e, "%s: out of memory", path);
            break;
        }
        rc = rm_contents(cfd, sub, e);
        if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) != 0 &&
            errno != ENOENT)
            rc = mz_fail(e, "%s: cannot remove directory: %s", sub,
                         strerror(errno));
        free(sub);
        if (rc != 0)
            break;
    }
    closedir(d);
    return rc;
}

int mz_rm_rf(const char *path, mz_err *e)
{
    size_t pl, bl;
    const char *base;
    if (split_path(path, &pl, &base, &bl, NULL) != 0)
        return mz_fail(e, "%s: refusing to remove this path", path);
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        return mz_fail(e, "%s: %s", path, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0 && errno != ENOENT)
            return mz_fail(e, "%s: cannot remove: %s", path, strerror(errno));
        return 0;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return mz_fail(e, "%s: cannot open directory: %s", path,
                       strerror(errno));
    if (rm_contents(fd, path, e) != 0)
        return -1;
    if (rmdir(path) != 0 && errno != ENOENT)
        return mz_fail(e, "%s: cannot remove directory: %s", path,
                       strerror(errno));
    return 0;
}

/* ---- names ------------------------------------------------------------ */

int mz_path_join(char *out, size_t outsz, const char *dir, const char *name,
                 mz_err *e)
{
    size_t dl = strlen(dir), nl = strlen(name);
    size_t sep = (dl > 0 && dir[dl - 1] != '/') ? 1 : 0;
    if (dl + sep + nl >= outsz)
        return mz_fail(e, "%s%s%s: path is too long (limit %zu bytes)", dir,
                       sep ? "/" : "", name, outsz ? outsz - 1 : 0);
    /* name first, then dir: correct even when out aliases dir or name. */
    memmove(out + dl + sep, name, nl + 1);
    memmove(out, dir, dl);
    if (sep)
        out[dl] = '/';
    return 0;
}

int mz_exe_dir(char *out, size_t outsz, mz_err *e)
{
    char buf[PATH_MAX];
    ssize_t r = readlink("/proc/self/exe", buf, sizeof buf);
    if (r < 0)
        return mz_fail(e, "/proc/self/exe: cannot read link: %s",
                       strerror(errno));
    if ((size_t)r >= sizeof buf)
        return mz_fail(e, "/proc/self/exe: executable path is too long");
    buf[r] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return mz_fail(e, "/proc/self/exe: not an absolute path: %s", buf);
    if (slash == buf)
        slash[1] = '\0';
    else
        *slash = '\0';
    size_t n = strlen(buf);
    if (n >= outsz)
        return mz_fail(e, "%s: path is too long (limit %zu bytes)", buf,
                       outsz ? outsz - 1 : 0);
    memcpy(out, buf, n + 1);
    return 0;
}

int mz_models_dir(char *out, size_t outsz, mz_err *e)
{
    /* A checkout runs from bin/ beside models/; `make install` puts the
     * programs in PREFIX/bin and the models in PREFIX/share/mizan/models. */
    static const char *const rel[] = {"/models", "/share/mizan/models"};
    char prefix[PATH_MAX], tried[2][PATH_MAX + 32];
    if (mz_exe_dir(prefix, sizeof prefix, e) != 0) return -1;
    *strrchr(prefix, '/') = '\0'; /* the bin/ folder's parent; "" for "/" */
    /* the one holding the shipped stopword list first: an installed copy
     * under a PREFIX (a home folder) that has a models/ folder of the
     * user's own must not take it for a checkout's */
    for (int k = 0; k < 4; k++) {
        int i = k % 2, marked = k < 2;
        snprintf(tried[i], sizeof tried[i], "%s%s", prefix, rel[i]);
        struct stat st;
        if (stat(tried[i], &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        char mark[PATH_MAX + 64];
        snprintf(mark, sizeof mark, "%s/stopwords-ar.txt", tried[i]);
        if (marked && access(mark, F_OK) != 0) continue;
        /* messages and listings name the folder, not the way to it */
        char *real = realpath(tried[i], NULL);
        const char *use = real ? real : tried[i];
        size_t n = strlen(use);
        int ok = n < outsz;
        if (ok) memcpy(out, use, n + 1);
        free(real);
        if (!ok) return mz_fail(e, "%s: path is too long (limit %zu bytes)", use, outsz ? outsz - 1 : 0);
        return 0;
    }
    return mz_fail(e, "no models folder: neither %s nor %s exists", tried[0], tried[1]);
}

void mz_remove_flat_dir(const char *dir)
{
    if (!dir || !*dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    char buf[4096];
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            struct {
                unsigned long long ino;
                long long off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *de = (void *)(buf + off);
            if (!(de->name[0] == '.' && (de->name[1] == 0 || (de->name[1] == '.' && de->name[2] == 0))))
                unlinkat(fd, de->name, 0);
            off += de->reclen;
        }
    }
    close(fd);
    rmdir(dir);
}

int mz_file_pinned(const char *path)
{
    /* statx reads the flags without opening the file (which a mode of 000
     * would refuse); the ioctl where the kernel does not report them so */
    const unsigned long pin = STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND;
    struct statx sx;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) == 0 && (sx.stx_attributes_mask & pin) == pin)
        return (sx.stx_attributes & pin) != 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return 0;
    int flags = 0, pinned = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL));
    close(fd);
    return pinned;
}
