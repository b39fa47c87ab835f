/* inputs.c — see inputs.h. */
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "batch.h"
#include "fsutil.h"
#include "linereader.h"
#include "progress.h"
#include "stream.h"

int mz_stdin_closed;

void mz_input_msg(const char *msg)
{
    mz_progress_clear();
    mz_err_print(stderr, "mizan-classify", msg);
}

/* 1 (and a note on stderr) when the file or folder st, met as path, was
 * read already in this run; else it is remembered and 0.  Out of memory
 * counts as not read: answering twice is better than not at all. */
static int read_already(mz_run *r, const struct stat *st, const char *path)
{
    unsigned char key[sizeof st->st_dev + sizeof st->st_ino];
    memcpy(key, &st->st_dev, sizeof st->st_dev);
    memcpy(key + sizeof st->st_dev, &st->st_ino, sizeof st->st_ino);
    if (!r->read && !(r->read = mz_strmap_new(1024))) return 0;
    if (r->nread == r->read_cap) {
        size_t nc = r->read_cap ? 2 * r->read_cap : 256;
        char **np = realloc(r->read_path, nc * sizeof *np);
        if (!np) return 0;
        r->read_path = np, r->read_cap = nc;
    }
    int ins = 0;
    int64_t k = mz_strmap_intern(r->read, key, sizeof key, (int32_t)r->nread, &ins);
    if (k < 0) return 0;
    if (ins) {
        r->read_path[r->nread++] = strdup(path);
        return 0;
    }
    const char *first = r->read_path[mz_strmap_value(r->read, (size_t)k)];
    char m[2 * PATH_MAX + 64];
    if (first && !strcmp(first, path)) /* met by that name inside a folder named before it */
        snprintf(m, sizeof m, "%s: read already, inside a folder named before it; not read again", path);
    else
        snprintf(m, sizeof m, "%s: the same %s as %s, read already; not read again", path,
                 S_ISDIR(st->st_mode) ? "folder" : "file", first ? first : "an input before it");
    mz_input_msg(m);
    return 1;
}

/* An article's bytes as UTF-8: decoded from --encoding, or from UTF-16
 * when they say so (the engine checks the result, and says which encoding
 * text that is not UTF-8 reads as).  -1 (buf freed, it->error set) when
 * they cannot be. */
static int to_utf8(mz_run *r, mz_item *it, char **buf, size_t *len)
{
    mz_err e;
    if (mz_text_utf8(r->dec, buf, len, &e) == 0) return 0;
    it->error = strdup(e.msg);
    free(*buf);
    *buf = NULL;
    return -1;
}

void mz_add_file(mz_run *r, const char *path, int listed)
{
    mz_item *it = mz_next_item(r);
    it->id = strdup(path);
    mz_err e;
    char *buf;
    size_t len;
    if (mz_read_text_file(path, listed, r->dec, r->o.max_bytes, &buf, &len, &e) != 0) {
        /* too large is the article's own fault, said with the option that
         * moves the limit */
        if (!strstr(e.msg, "larger than")) r->any_input_error++;
        else snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg), " (--max-bytes)");
        it->error = strdup(e.msg);
        return;
    }
    if (to_utf8(r, it, &buf, &len) != 0) return;
    it->text = buf;
    it->len = len;
    r->batch_bytes += len;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int mz_has_ext(const char *name, const char *ext)
{
    size_t l = strlen(name), k = strlen(ext);
    return l > k && !strcmp(name + l - k, ext);
}

/* An input that could not be read: answered with an error record, as an
 * unreadable file is, and the run ends with status 2. */
static void input_error(mz_run *r, const char *path, const char *why)
{
    mz_item *it = mz_next_item(r);
    it->id = strdup(path);
    char m[4400];
    snprintf(m, sizeof m, "%s: %s", path, why);
    it->error = strdup(m);
    r->any_input_error++;
}

/* The folders being read, outermost first: a link back to one of them
 * would be read forever. */
#define MAX_DEPTH 64
typedef struct dirchain {
    dev_t dev;
    ino_t ino;
    const struct dirchain *up;
} dirchain;

/* The names in the open folder d, but for hidden ones, sorted; NULL when
 * out of memory (none kept then), else *n of them, each to be freed. */
static char **list_names(DIR *d, size_t *n)
{
    size_t cap = 64;
    char **names = malloc(cap * sizeof *names);
    struct dirent *de;
    int short_of_memory = !names;
    *n = 0;
    while (!short_of_memory && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (*n == cap) {
            char **nn = realloc(names, (cap *= 2) * sizeof *names);
            if (!nn) {
                short_of_memory = 1;
                break;
            }
            names = nn;
        }
        if ((names[*n] = strdup(de->d_name)) == NULL) short_of_memory = 1;
        else (*n)++;
    }
    if (short_of_memory) {
        for (size_t i = 0; i < *n; i++) free(names[i]);
        free(names);
        return NULL;
    }
    qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

/* The output file met as an input in a folder (through a link: run_all
 * refuses it when named): the answers would be renamed over the article,
 * or, with standard output redirected into the folder, read back as
 * articles, or forever.  The run fails, and the old file is kept. */
static void output_met(mz_run *r, const char *p)
{
    char m[4200];
    if (r->out_stdout)
        snprintf(m, sizeof m, "%s is the file standard output is written to, an input; write the answers elsewhere", p);
    else
        snprintf(m, sizeof m, "-o: %s is the file -o names (through a link), an input; write the answers elsewhere", p);
    mz_input_msg(m);
    r->any_input_error++;
}

/* Every article below dir: a *.txt file is one article, a *.jsonl file a
 * stream (by its name, with or without --jsonl, as a folder may hold
 * both), and subfolders are read the same way, each folder's entries in
 * name order; hidden entries and other files are skipped.  Links are
 * followed.  Returns the inputs found, a folder that could not be read
 * counting as one (its error answers it). */
static size_t walk_dir(mz_run *r, const char *dir, const dirchain *up, int depth)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        input_error(r, dir, strerror(errno));
        return 1;
    }
    for (const dirchain *c = up; c; c = c->up)
        if (c->dev == st.st_dev && c->ino == st.st_ino) {
            input_error(r, dir, "a link back to a folder being read (a loop); not read again");
            return 1;
        }
    if (depth > MAX_DEPTH) {
        input_error(r, dir, "folders nested too deep (more than 64 levels); not read");
        return 1;
    }
    if (read_already(r, &st, dir)) return 1;
    dirchain here = {st.st_dev, st.st_ino, up};
    DIR *d = opendir(dir);
    if (!d) {
        char m[256];
        snprintf(m, sizeof m, "cannot open directory: %s", strerror(errno));
        input_error(r, dir, m);
        return 1;
    }
    size_t n = 0, found = 0;
    char **names = list_names(d, &n);
    closedir(d);
    /* a folder read in part would be answered as if whole */
    if (!names) {
        input_error(r, dir, "out of memory listing it; not read");
        return 1;
    }
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    for (size_t i = 0; i < n; i++) {
        char p[4096];
        const char *name = names[i];
        if (r->write_err || r->oom) continue;
        if (snprintf(p, sizeof p, "%.*s/%s", (int)dl, dir, name) >= (int)sizeof p) {
            char m[320];
            snprintf(m, sizeof m, "%.200s%s: its path in this folder is longer than %zu bytes; not read", name,
                     strlen(name) > 200 ? "..." : "", sizeof p - 1);
            input_error(r, dir, m);
            found++;
            continue;
        }
        int txt = mz_has_ext(name, ".txt"), jsonl = mz_has_ext(name, ".jsonl");
        /* a link to nothing, or a file gone since the listing, is read
         * all the same, to be reported as a named file is */
        int gone = stat(p, &st) != 0;
        /* the output file, reached through a link */
        if (r->out_exists && !gone && st.st_dev == r->out_dev && st.st_ino == r->out_ino && (txt || jsonl)) {
            output_met(r, p);
            found++;
            continue;
        }
        if (!gone && S_ISDIR(st.st_mode)) {
            found += walk_dir(r, p, &here, depth + 1);
        } else if (!gone && S_ISREG(st.st_mode) && (txt || jsonl) && read_already(r, &st, p)) {
            found++;
        } else if ((gone || S_ISREG(st.st_mode)) && jsonl) {
            mz_add_jsonl(r, p);
            found++;
        } else if ((gone || S_ISREG(st.st_mode)) && txt) {
            mz_add_file(r, p, !gone);
            found++;
        }
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return found;
}

void mz_add_dir(mz_run *r, const char *dir)
{
    if (walk_dir(r, dir, NULL, 0) == 0) {
        char m[4200];
        snprintf(m, sizeof m, "%s: no .txt or .jsonl files in it or its subfolders", dir);
        mz_input_msg(m);
        r->any_input_error++;
    }
}

void mz_add_stdin_article(mz_run *r)
{
    /* stdin closed, or a folder: not an article, and not an empty one */
    struct stat st;
    if (mz_stdin_closed || fstat(STDIN_FILENO, &st) != 0 || S_ISDIR(st.st_mode)) {
        input_error(r, "-", mz_stdin_closed ? "standard input is closed" : "read error: Is a directory");
        return;
    }
    mz_item *it = mz_next_item(r);
    it->id = strdup("-");
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    for (;;) {
        if (!buf) break;
        got = fread(buf + n, 1, cap - n, stdin);
        if (got == 0 && ferror(stdin) && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            clearerr(stdin);
            if (mz_wait_input(fileno(stdin)) == 0) continue;
        }
        if (got == 0) break;
        n += got;
        /* the limit counts the UTF-8 form: a UTF-16 text is read so far */
        if (n > mz_read_cap(r->o.max_bytes) || mz_read_over(r->dec, buf, n, r->o.max_bytes)) {
            free(buf);
            buf = NULL;
            char m[256];
            snprintf(m, sizeof m, "-: article is larger than the limit of %zu bytes (--max-bytes)", r->o.max_bytes);
            it->error = strdup(m);
            return;
        }
        if (n == cap) {
            char *nb = realloc(buf, (cap *= 2) + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
            } else buf = nb;
        }
    }
    if (!buf) {
        it->oom = 1;
        return;
    }
    if (ferror(stdin)) {
        char m[256];
        snprintf(m, sizeof m, "-: read error: %s", strerror(errno));
        free(buf);
        it->error = strdup(m);
        r->any_input_error++;
        return;
    }
    buf[n] = '\0';
    if (to_utf8(r, it, &buf, &n) != 0) return;
    it->text = buf;
    it->len = n;
}

/* 1 when rel (a path below a walked folder) has walk_dir's name: no hidden
 * part on the way, and a *.txt or *.jsonl at the end. */
static int walked_name(const char *rel)
{
    for (const char *c = rel; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
        if (*c == '.') return 0;
    return mz_has_ext(rel, ".txt") || mz_has_ext(rel, ".jsonl");
}

int mz_walk_reads(const char *dir, const char *path)
{
    char rel[PATH_MAX], real[PATH_MAX], abs[PATH_MAX];
    struct stat st, at;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
    /* a link is followed, as -o writes through it */
    if (mz_path_within(realpath(path, real) ? real : path, dir, rel, sizeof rel) && walked_name(rel)) return 1;
    if (path[0] == '/') snprintf(abs, sizeof abs, "%s", path);
    else if (!getcwd(abs, sizeof abs) || strlen(abs) + strlen(path) + 2 > sizeof abs) return 0;
    else snprintf(abs + strlen(abs), sizeof abs - strlen(abs), "/%s", path);
    if (strstr(abs, "/..")) return 0; /* not what the walk names: the real path decided */
    /* a missing folder on the way: the write fails, and says so itself */
    char *last = strrchr(abs, '/');
    *last = '\0';
    int parent = stat(abs[0] ? abs : "/", &at) == 0 && S_ISDIR(at.st_mode);
    *last = '/';
    if (!parent) return 0;
    for (char *sl = strchr(abs + 1, '/'); sl; sl = strchr(sl + 1, '/')) {
        *sl = '\0';
        int same = stat(abs[0] ? abs : "/", &at) == 0 && at.st_dev == st.st_dev && at.st_ino == st.st_ino;
        *sl = '/';
        if (!same) continue;
        const char *r = sl;
        while (*r == '/' || (r[0] == '.' && r[1] == '/')) r += r[0] == '/' ? 1 : 2;
        if (walked_name(r)) return 1;
    }
    return 0;
}
