/* bundle.c — see bundle.h. */
#include "bundle.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "jsonscan.h"
#include "hugemem.h"
#include "sha256.h"
#include "sourcehead.h"
#include "targets.h"
#include "vocabfile.h"

#define MANIFEST_MAX (4u << 20)
#define FILE_MAX MZ_BUNDLE_FILE_MAX

static char pending[4096];

const char *mz_bundle_pending_dir(void) { return pending; }

/* ------------------------------------------------------------ options */

static const char *const score_names[] = {"prob", "svr", "blend"};

const char *mz_score_name(int method)
{
    return method >= 0 && method < 3 ? score_names[method] : "?";
}

int mz_score_parse(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (s && !strcmp(s, score_names[i])) return i;
    return -1;
}

cJSON *mz_featopts_to_json(const mz_featopts *o)
{
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    cJSON_AddStringToObject(j, "normalise", MZ_NORMALISE_STEPS);
    cJSON_AddStringToObject(j, "tokenizer", "icu-properties");
    cJSON_AddNumberToObject(j, "ngram_max", o->ngram_max);
    cJSON_AddBoolToObject(j, "stem", o->stem);
    cJSON_AddBoolToObject(j, "stopwords", o->stopwords);
    cJSON_AddBoolToObject(j, "sublinear_tf", o->sublinear);
    cJSON_AddNumberToObject(j, "title_weight", o->title_weight);
    cJSON_AddBoolToObject(j, "context", o->context);
    cJSON_AddNumberToObject(j, "window", o->window);
    cJSON_AddNumberToObject(j, "min_df", o->min_df);
    cJSON_AddNumberToObject(j, "max_df", o->max_df);
    cJSON_AddNumberToObject(j, "max_features", o->max_features);
    cJSON_AddNumberToObject(j, "char_min", o->char_min);
    cJSON_AddNumberToObject(j, "char_max", o->char_max);
    cJSON_AddNumberToObject(j, "char_max_features", o->char_max_features);
    cJSON_AddBoolToObject(j, "punct", o->punct);
    return j;
}

static int get_num(const cJSON *j, const char *k, double lo, double hi, double *v, mz_err *e)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, k);
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble) || x->valuedouble < lo || x->valuedouble > hi)
        return mz_fail(e, "pipeline option \"%s\" missing or out of range", k);
    *v = x->valuedouble;
    return 0;
}

/* A count or a size: a whole number, as the trainer writes it (a fraction
 * would be cut silently, and the pipeline change under the model). */
static int get_whole(const cJSON *j, const char *k, double lo, double hi, int *v, mz_err *e)
{
    double d;
    if (get_num(j, k, lo, hi, &d, e)) return -1;
    if (d != floor(d)) return mz_fail(e, "pipeline option \"%s\" must be a whole number", k);
    *v = (int)d;
    return 0;
}

static int get_bool(const cJSON *j, const char *k, int *v, mz_err *e)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, k);
    if (!cJSON_IsBool(x)) return mz_fail(e, "pipeline option \"%s\" missing or not a boolean", k);
    *v = cJSON_IsTrue(x);
    return 0;
}

int mz_featopts_from_json(const cJSON *j, mz_featopts *o, mz_err *e)
{
    if (!cJSON_IsObject(j)) return mz_fail(e, "missing \"pipeline\"");
    const cJSON *tk = cJSON_GetObjectItemCaseSensitive(j, "tokenizer");
    if (!cJSON_IsString(tk) || strcmp(tk->valuestring, "icu-properties") != 0)
        return mz_fail(e, "unknown tokenizer in pipeline");
    /* the one normaliser this program has: a bundle made for another
     * cannot be read the same way */
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(j, "normalise");
    if (!cJSON_IsString(nm) || strcmp(nm->valuestring, MZ_NORMALISE_STEPS) != 0)
        return mz_fail(e, "pipeline option \"normalise\" must be \"%s\"", MZ_NORMALISE_STEPS);
    if (get_whole(j, "ngram_max", 1, 3, &o->ngram_max, e)) return -1;
    if (get_bool(j, "stem", &o->stem, e) || get_bool(j, "stopwords", &o->stopwords, e) ||
        get_bool(j, "sublinear_tf", &o->sublinear, e) || get_bool(j, "context", &o->context, e))
        return -1;
    if (get_num(j, "title_weight", 0, 100, &o->title_weight, e)) return -1;
    if (get_whole(j, "window", 0, 100, &o->window, e)) return -1;
    if (get_whole(j, "min_df", 0, 1e9, &o->min_df, e)) return -1;
    if (get_num(j, "max_df", 0, 1, &o->max_df, e)) return -1;
    if (get_whole(j, "max_features", 0, 1e9, &o->max_features, e)) return -1;
    /* options added after the first models: absent means off */
    o->char_min = o->char_max = o->char_max_features = o->punct = 0;
    if (!cJSON_GetObjectItemCaseSensitive(j, "char_min")) return 0;
    if (get_whole(j, "char_min", 0, 10, &o->char_min, e)) return -1;
    if (get_whole(j, "char_max", 0, 10, &o->char_max, e)) return -1;
    if (o->char_max < o->char_min || (o->char_min == 0) != (o->char_max == 0))
        return mz_fail(e, "pipeline options char_min/char_max inconsistent");
    if (get_whole(j, "char_max_features", 0, 1e9, &o->char_max_features, e)) return -1;
    if (get_bool(j, "punct", &o->punct, e)) return -1;
    return 0;
}

/* ------------------------------------------------------------ writing */

static const char *shown(const char *v, char *buf, size_t n);

int mz_bundle_file_name(const char *n)
{
    static const char *const fixed[] = {"model.svm", "source.svm", "aux.svm", "primary.svm", "presence.svm",
                                        "stance.svm", "svr.svm", "lsa.bin", "stopwords.txt", "targets.json",
                                        "vocab.tsv"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (!strcmp(n, fixed[i])) return 1;
    size_t l = strlen(n);
    int numbered = l >= 11 && !strcmp(n + l - 4, ".svm") && n[l - 7] == '-' && n[l - 6] >= '0' && n[l - 6] <= '9' &&
                   n[l - 5] >= '0' && n[l - 5] <= '9';
    return numbered && (l == 11 ? !strncmp(n, "head", 4) : l == 13 && !strncmp(n, "target", 6));
}

/* An existing --out folder is replaced whole, so it must hold a bundle and
 * nothing else: a manifest that is a mizan manifest (a format number and a
 * "files" object) and only files that manifest lists or that mizan-train
 * names the files of bundles (mz_bundle_file_name).  Any other entry
 * (a corpus kept beside the model, notes, a folder) would be deleted with
 * it, so the folder is refused instead, naming that entry. */
int mz_bundle_out_check(const char *dir, mz_err *e)
{
    struct stat st, lst;
    if (stat(dir, &st) != 0) {
        /* a link to nothing: the swap would find a link, not a folder,
         * once the heads are fitted */
        if (lstat(dir, &lst) == 0 && S_ISLNK(lst.st_mode)) {
            char to[PATH_MAX];
            ssize_t n = readlink(dir, to, sizeof to - 1);
            to[n > 0 ? n : 0] = '\0';
            return mz_fail(e, "%s: a link to %s, which cannot be reached: create the folder it names, or give another "
                              "--out", dir, n > 0 ? to : "nothing");
        }
        /* new: its parent must be a folder that takes it, known now rather
         * than once the heads are fitted (creating it checks again) */
        return mz_parent_writable(dir, e);
    }
    if (!S_ISDIR(st.st_mode)) return mz_fail(e, "%s: exists and is not a directory", dir);
    /* the new bundle is written beside the folder it replaces (beside the
     * one a link names, as mz_bundle_begin does): a parent that takes
     * nothing is said now, as for a new --out, not after the training */
    char real[PATH_MAX];
    int link = lstat(dir, &lst) == 0 && S_ISLNK(lst.st_mode);
    if (link && !realpath(dir, real)) return mz_fail(e, "%s: cannot resolve link: %m", dir);
    if (mz_parent_writable(link ? real : dir, e) != 0) return -1;
    DIR *d = opendir(dir);
    if (!d) return mz_fail(e, "%s: cannot open: %m", dir);
    size_t entries = 0;
    int bundle = 0;
    const struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            entries++;
            if (!strcmp(de->d_name, "manifest.json")) bundle = 1;
        }
    closedir(d);
    if (entries == 0) return 0;
    /* its files are removed once the new bundle is in place: a folder that
     * keeps them would leave the run failing after the swap, the old
     * bundle stranded in a hidden folder no run can remove */
    if (access(dir, W_OK | X_OK) != 0)
        return mz_fail(e, "%s: cannot replace the files in it: %s", dir, strerror(errno));
    static const char replaced[] = "--out is replaced whole, so give a new or empty folder, or a bundle to retrain";
    if (!bundle) return mz_fail(e, "%s: a folder that is not a model bundle (no manifest.json); %s", dir, replaced);
    char path[4096], *buf = NULL;
    size_t len = 0;
    if (mz_path_join(path, sizeof path, dir, "manifest.json", e) != 0) return -1;
    if (mz_read_file(path, MANIFEST_MAX, &buf, &len, e) != 0) return -1;
    cJSON *m = cJSON_ParseWithLength(buf, len);
    free(buf);
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(m, "files");
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, "format")) || !cJSON_IsObject(files)) {
        cJSON_Delete(m);
        return mz_fail(e, "%s: not a mizan manifest (no format number and \"files\"); %s", path, replaced);
    }
    int rc = 0;
    if (!(d = opendir(dir))) rc = mz_fail(e, "%s: cannot open: %m", dir);
    while (rc == 0 && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        struct stat fs;
        char fp[4096], sn[80];
        /* a file that cannot be removed (chattr +i) would strand the old
         * bundle once the new one is in place, as a folder that keeps its
         * files would */
        if (mz_path_join(fp, sizeof fp, dir, de->d_name, e) == 0 && lstat(fp, &fs) == 0 && S_ISREG(fs.st_mode) &&
            mz_file_pinned(fp)) {
            rc = mz_fail(e, "%s: cannot replace %s in it: it is immutable or append-only (chattr)", dir,
                         shown(de->d_name, sn, sizeof sn));
            break;
        }
        if (!strcmp(de->d_name, "manifest.json")) continue;
        int listed = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(files, de->d_name)) ||
                     mz_bundle_file_name(de->d_name);
        if (mz_path_join(fp, sizeof fp, dir, de->d_name, e) != 0) rc = -1;
        else if (!listed || lstat(fp, &fs) != 0 || !S_ISREG(fs.st_mode))
            rc = mz_fail(e, "%s: holds %s, which is not a file of its bundle; %s", dir,
                         shown(de->d_name, sn, sizeof sn), replaced);
    }
    if (d) closedir(d);
    cJSON_Delete(m);
    return rc;
}

int mz_bundle_begin(mz_bundle_writer *w, const char *dir, mz_err *e)
{
    if (mz_bundle_out_check(dir, e) != 0) return -1;
    memset(w, 0, sizeof *w);
    w->lock = -1;
    if (snprintf(w->final_dir, sizeof w->final_dir, "%s", dir) >= (int)sizeof w->final_dir)
        return mz_fail(e, "%s: path too long", dir);
    size_t l = strlen(w->final_dir);
    while (l > 1 && w->final_dir[l - 1] == '/') w->final_dir[--l] = '\0';
    /* a link to a directory is followed: the directory it names is
     * replaced and the link kept, as for files (fsutil.h) */
    struct stat lst, st;
    if (lstat(w->final_dir, &lst) == 0 && S_ISLNK(lst.st_mode) && stat(w->final_dir, &st) == 0 &&
        S_ISDIR(st.st_mode)) {
        char real[PATH_MAX];
        if (!realpath(w->final_dir, real)) return mz_fail(e, "%s: cannot resolve link: %m", dir);
        if (snprintf(w->final_dir, sizeof w->final_dir, "%s", real) >= (int)sizeof w->final_dir)
            return mz_fail(e, "%s: path too long", real);
    }
    /* A signal handler removes the pending directory: SIGINT and SIGTERM
     * wait while it is created and named, so that none falls between the
     * two and leaves a directory that nothing would remove. */
    sigset_t old;
    mz_signals_hold(&old);
    int made = mz_mkdtemp_beside(w->final_dir, w->tmp_dir, sizeof w->tmp_dir, e);
    if (made == 0) snprintf(pending, sizeof pending, "%s", w->tmp_dir);
    mz_signals_release(&old);
    if (made != 0) return -1;
    /* a trainer killed outright leaves the folder; the next one to write
     * this bundle removes it, unless this lock says a run still writes it */
    w->lock = mz_temp_lock(w->tmp_dir);
    w->files = cJSON_CreateObject();
    if (!w->files) {
        mz_bundle_abort(w);
        return mz_fail(e, "out of memory");
    }
    return 0;
}

int mz_bundle_add(mz_bundle_writer *w, const char *name, const void *data, size_t len, mz_err *e)
{
    char path[4096], hex[65];
    /* a bundle the loader would refuse is no bundle to write */
    if (len > FILE_MAX)
        return mz_fail(e, "%s would be %zu MB, over the %u MiB a bundle's file may hold: train with fewer features "
                          "(--max-features) or labels",
                       name, len >> 20, FILE_MAX >> 20);
    if (mz_path_join(path, sizeof path, w->tmp_dir, name, e) != 0) return -1;
    if (mz_write_file_atomic(path, data, len, e) != 0) return -1;
    mz_sha256_hex(data, len, hex);
    cJSON_AddStringToObject(w->files, name, hex);
    return 0;
}

int mz_bundle_commit(mz_bundle_writer *w, cJSON *manifest, mz_err *e)
{
    cJSON_AddItemToObject(manifest, "files", w->files);
    w->files = NULL;
    char *text = cJSON_Print(manifest);
    cJSON_Delete(manifest);
    if (!text) return mz_fail(e, "out of memory");
    size_t tl = strlen(text);
    char *t2 = realloc(text, tl + 2);
    if (!t2) {
        free(text);
        return mz_fail(e, "out of memory");
    }
    text = t2;
    text[tl++] = '\n';
    text[tl] = '\0';
    char path[4096];
    int rc = mz_path_join(path, sizeof path, w->tmp_dir, "manifest.json", e);
    if (rc == 0) rc = mz_write_file_atomic(path, text, tl, e);
    free(text);
    /* mkdtemp made it private: a new bundle is as open as the umask lets a
     * folder be, one retrained keeps the mode its owner gave it */
    struct stat st;
    mode_t mode = stat(w->final_dir, &st) == 0 && S_ISDIR(st.st_mode) ? st.st_mode & 07777 : 0777 & ~mz_umask();
    if (rc == 0 && chmod(w->tmp_dir, mode) != 0) rc = mz_fail(e, "%s: chmod: %m", w->tmp_dir);
    /* the handler removes what pending names: between the two renames of a
     * swap, or once the new bundle is in place, that would leave --out
     * without a bundle */
    sigset_t old;
    mz_signals_hold(&old);
    if (rc == 0) rc = mz_dir_commit(w->tmp_dir, w->final_dir, e);
    if (rc != 0) mz_bundle_abort(w);
    else pending[0] = '\0';
    mz_signals_release(&old);
    if (w->lock >= 0) close(w->lock);
    w->lock = -1;
    return rc != 0 ? -1 : 0;
}

void mz_bundle_abort(mz_bundle_writer *w)
{
    if (w->tmp_dir[0]) mz_rm_rf(w->tmp_dir, NULL);
    if (w->tmp_dir[0] && w->lock >= 0) close(w->lock);
    w->lock = -1;
    cJSON_Delete(w->files);
    w->files = NULL;
    w->tmp_dir[0] = '\0';
    pending[0] = '\0';
}

/* ------------------------------------------------------------ loading */

/* A manifest value quoted in a message: control characters shown as '?'
 * and long values cut, so a crafted manifest cannot forge log lines. */
static const char *shown(const char *v, char *buf, size_t n)
{
    size_t i = 0;
    for (; v[i] && i + 4 < n; i++) buf[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
    if (v[i]) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

static int safe_name(const char *n)
{
    size_t l = strlen(n);
    return l > 0 && l < 128 && n[0] != '.' && !strchr(n, '/') && !strchr(n, '\\');
}

/* Names already read and verified during one load, so that each file is
 * hashed exactly once (hashing is most of the loading time). */
#define MAX_SEEN 300
static __thread const char *seen[MAX_SEEN];
static __thread int nseen;

static int was_seen(const char *name)
{
    for (int i = 0; i < nseen; i++)
        if (!strcmp(seen[i], name)) return 1;
    return 0;
}

/* The bundle directory, opened once per load: every file is read relative
 * to it, so a bundle that is replaced (renamed over) while it loads is
 * still read whole from the one directory that was opened, old or new. */
static __thread int bundle_fd = -1;

/* Read name (a plain file, never a link) in the open bundle directory. */
static int read_at(const char *name, size_t max, const char *path, char **buf, size_t *len, mz_err *e)
{
    int fd = openat(bundle_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP) return mz_fail(e, "%s: not a regular file (links are refused)", path);
        return mz_fail(e, errno == ENOENT ? "%s: missing file" : "%s: cannot open: %m", path);
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return mz_fail(e, "%s: not a regular file (links are refused)", path);
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        return mz_fail(e, "%s: file is larger than the limit of %zu bytes", path, max);
    }
    /* room for the data, the NUL and one spare byte, so that the read()
     * that sees EOF needs no reallocation (which had copied every bundle
     * file once more, into twice the memory); on huge pages when large,
     * since read() faults in every page it copies to */
    size_t cap = (size_t)st.st_size + 2, n = 0;
    char *b = mz_huge_malloc(cap);
    if (!b) {
        close(fd);
        return mz_fail(e, "out of memory");
    }
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max + 1) {
                free(b);
                close(fd);
                return mz_fail(e, "%s: file is larger than the limit of %zu bytes", path, max);
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                close(fd);
                return mz_fail(e, "out of memory");
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            free(b);
            close(fd);
            return mz_fail(e, "%s: read error: %m", path);
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

/* Read a bundle file after checking its name, type and digest. */
static int read_verified(mz_bundle *b, const char *name, char **buf, size_t *len, mz_err *e)
{
    char sb[80];
    if (!safe_name(name)) return mz_fail(e, "%s: manifest names an unsafe file \"%s\"", b->dir, shown(name, sb, sizeof sb));
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(b->manifest, "files");
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(files, name);
    if (!cJSON_IsString(want))
        return mz_fail(e, "%s: manifest has no digest for %s", b->dir, shown(name, sb, sizeof sb));
    /* path is for messages only (the file is opened by name in the bundle
     * directory), with the manifest's name masked */
    char path[4096 + 96];
    if (mz_path_join(path, sizeof path, b->dir, name, e) != 0) return -1;
    snprintf(path, sizeof path, "%s/%s", b->dir, shown(name, sb, sizeof sb));
    if (read_at(name, FILE_MAX, path, buf, len, e) != 0) return -1;
    char hex[65];
    mz_sha256_hex(*buf, *len, hex);
    if (strcmp(hex, want->valuestring) != 0) {
        free(*buf);
        *buf = NULL;
        return mz_fail(e, "%s: SHA-256 mismatch (file corrupt or changed since training)", path);
    }
    if (nseen < MAX_SEEN && !was_seen(name)) seen[nseen++] = want->string;
    return 0;
}

/* The vocabulary's feature count, from its header: model files are parsed
 * while the vocabulary itself still is (vocab_job). */
static __thread size_t vocab_nfeat;

/* Read, verify and parse the model file `file` of the bundle into m, its
 * feature indices at most max_index; path (pathsz bytes) receives its name
 * for later messages, masked as read_verified masks it. */
static int load_svm_bounded(mz_bundle *b, const char *file, size_t max_index, mz_linmodel *m, char *path,
                            size_t pathsz, mz_err *e)
{
    char *buf, sb[80];
    size_t len;
    if (read_verified(b, file, &buf, &len, e) != 0) return -1;
    snprintf(path, pathsz, "%s/%s", b->dir, shown(file, sb, sizeof sb));
    int rc = mz_svmfile_parse(buf, len, path, max_index, m, e);
    free(buf);
    return rc;
}

/* A head over the vocabulary's features. */
static int load_svm(mz_bundle *b, const char *file, mz_linmodel *m, char *path, size_t pathsz, mz_err *e)
{
    return load_svm_bounded(b, file, vocab_nfeat, m, path, pathsz, e);
}

/* Names, labels and the program are printed as they are in text output:
 * a control character would reach the terminal (an escape sequence, or a
 * line break forging a line), so it is refused, as mizan-train refuses it. */
static int name_ok(const char *v, const char *what, const char *where, mz_err *e)
{
    char sb[80];
    for (const char *c = v; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return mz_fail(e, "%s: %s \"%s\" holds a control character", where, what, shown(v, sb, sizeof sb));
    return 0;
}

static int str_field(const cJSON *j, const char *k, char *out, size_t outsz, int required, const char *where, mz_err *e)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, k);
    if (!x) {
        if (!required) {
            out[0] = '\0';
            return 0;
        }
        return mz_fail(e, "%s: missing \"%s\"", where, k);
    }
    if (!cJSON_IsString(x) || strlen(x->valuestring) == 0 || strlen(x->valuestring) >= outsz)
        return mz_fail(e, "%s: \"%s\" must be a non-empty string", where, k);
    if (name_ok(x->valuestring, k, where, e)) return -1;
    snprintf(out, outsz, "%s", x->valuestring);
    return 0;
}

/* Manifest "fields" (the record fields training read, which the programs
 * read too unless told otherwise) and "target_field": strings where given
 * (title may be null: no title); one of another type would be passed over
 * for the default name without a word. */
static int field_name(const cJSON *j, const char *k, const char *where, mz_err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    if (!v) return 0;
    /* as long as training takes them: no length of their own */
    if (!cJSON_IsString(v) || !*v->valuestring) return mz_fail(e, "%s: \"%s\" must be a non-empty string", where, k);
    return name_ok(v->valuestring, k, where, e);
}

static int load_fields(const mz_bundle *b, mz_err *e)
{
    char where[4200], in[4220];
    snprintf(where, sizeof where, "%s/manifest.json", b->dir);
    snprintf(in, sizeof in, "%s: \"fields\"", where);
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(b->manifest, "fields");
    if (f && !cJSON_IsObject(f)) return mz_fail(e, "%s: \"fields\" must be an object", where);
    static const char *const key[] = {"id", "text", "title", "label"};
    for (size_t k = 0; f && k < sizeof key / sizeof *key; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, key[k]);
        if (k == 2 && cJSON_IsNull(v)) continue;
        if (field_name(f, key[k], in, e) != 0) return -1;
    }
    return field_name(b->manifest, "target_field", where, e);
}

/* Manifest "source" (sourcehead.h): the field, the known sources in byte
 * order, the second stage's file and its scores' scale.  Each source's
 * combined head goes to b->source_heads, sharing the plain head's labels;
 * the second stage itself is not kept. */
static int load_source(mz_bundle *b, const char *dir, mz_err *e)
{
    const cJSON *sj = cJSON_GetObjectItemCaseSensitive(b->manifest, "source");
    if (!sj) return 0;
    char file[128], sb[80];
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(sj, "values");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(sj, "scale");
    int nv = cJSON_GetArraySize(vals);
    if (strcmp(b->kind, "multiclass") || b->aux || b->lsa.dims)
        return mz_fail(e, "%s: \"source\" belongs to multiclass bundles without \"aux\" or \"lsa\"", dir);
    if (!cJSON_IsObject(sj) || str_field(sj, "field", b->source_field, sizeof b->source_field, 1, dir, e) ||
        str_field(sj, "file", file, sizeof file, 1, dir, e))
        return mz_wrap(e, "%s", "\"source\": ");
    if (!cJSON_IsArray(vals) || nv < 1 || nv > MZ_MAX_CLASSES || !cJSON_IsNumber(sc) ||
        !(sc->valuedouble >= 0 && sc->valuedouble <= 100))
        return mz_fail(e, "%s: \"source\" needs 1..%d \"values\" and a \"scale\" in [0, 100]", dir, MZ_MAX_CLASSES);
    /* training lists each value's record count beside it: a value added to
     * the manifest alone (the file has no block of weights for it; an empty
     * block is a legitimate fit, so the file cannot tell) lacks one */
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(sj, "records"), *rx;
    int okr = cJSON_IsArray(recs) && cJSON_GetArraySize(recs) == nv;
    cJSON_ArrayForEach(rx, recs) okr = okr && cJSON_IsNumber(rx) && rx->valuedouble >= 1 &&
                                       rx->valuedouble == floor(rx->valuedouble);
    if (!okr)
        return mz_fail(e, "%s: \"source\": \"records\" must give a whole number of records for each of its %d values",
                       dir, nv);
    b->source_values = calloc((size_t)nv, sizeof *b->source_values);
    b->source_heads = calloc((size_t)nv, sizeof *b->source_heads);
    if (!b->source_values || !b->source_heads) return mz_fail(e, "out of memory");
    const cJSON *x;
    cJSON_ArrayForEach(x, vals)
    {
        /* in strictly increasing byte order: found by binary search */
        if (!cJSON_IsString(x) || !mz_source_name_ok(x->valuestring) ||
            (b->nsource && strcmp(b->source_values[b->nsource - 1], x->valuestring) >= 0))
            return mz_fail(e, "%s: \"source\": values must be distinct non-empty strings of at most 255 bytes, "
                              "without control characters, in byte order", dir);
        if (!(b->source_values[b->nsource++] = strdup(x->valuestring))) return mz_fail(e, "out of memory");
    }
    const mz_head *plain = mz_bundle_head(b, b->name);
    if (!plain) plain = &b->heads[0];
    size_t F = b->vocab.nfeat, k = (size_t)plain->nclass;
    /* the kept features: vocabulary indices (1-based), increasing */
    const cJSON *fj = cJSON_GetObjectItemCaseSensitive(sj, "features");
    size_t K = (size_t)cJSON_GetArraySize(fj);
    int32_t *kept = cJSON_IsArray(fj) && K >= 1 && K <= F ? malloc(K * sizeof *kept) : NULL;
    size_t nk = 0;
    for (x = kept ? fj->child : NULL; x; x = x->next) {
        if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) || x->valuedouble < 1 ||
            x->valuedouble > (double)F || (nk && x->valuedouble <= kept[nk - 1]))
            break;
        kept[nk++] = (int32_t)x->valuedouble;
    }
    if (!kept || nk != K || k + (size_t)nv * K >= (size_t)INT32_MAX) {
        free(kept);
        return mz_fail(e, "%s: \"source\": \"features\" must list 1..%zu increasing feature numbers of the "
                          "vocabulary", dir, F);
    }
    b->source_slot = mz_source_slots(kept, K, F);
    free(kept);
    mz_linmodel st, *comb = calloc((size_t)nv, sizeof *comb);
    if (!comb || !b->source_slot) {
        free(comb);
        return mz_fail(e, "out of memory");
    }
    char path[4400];
    int rc = load_svm_bounded(b, file, k + (size_t)nv * K, &st, path, sizeof path, e);
    if (rc == 0) {
        for (size_t c = 0; c < k && rc == 0; c++)
            if (st.labels[c] != (int)c) rc = mz_fail(e, "%s: labels must be 0..%zu in order", path, k - 1);
        if (rc == 0 && mz_source_combine(&plain->lm, &st, nv, b->source_slot, F, K, sc->valuedouble, comb,
                                         &b->source_dval, e) != 0)
            rc = mz_wrap(e, "%s: ", path);
        mz_linmodel_free(&st);
    }
    if (rc != 0) {
        free(comb);
        return -1;
    }
    for (int d = 0; d < nv; d++) {
        mz_head *h = &b->source_heads[d];
        snprintf(h->name, sizeof h->name, "%s", plain->name);
        snprintf(h->file, sizeof h->file, "%s", shown(file, sb, sizeof sb));
        h->nclass = plain->nclass;
        h->labels = plain->labels; /* shared: freed with the plain head */
        h->lm = comb[d];
    }
    free(comb);
    return 0;
}

static int find_source(const mz_bundle *b, const char *source)
{
    int lo = 0, hi = b->nsource - 1;
    while (source && lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(source, b->source_values[mid]);
        if (c == 0) return mid;
        if (c < 0) hi = mid - 1;
        else lo = mid + 1;
    }
    return -1;
}

/* name composed (NFC) into nb, or NULL when composing changes nothing
 * (or it does not fit): the second try of a lookup by name */
static const char *composed(const char *name, char *nb, size_t n)
{
    return name && mz_nfc_utf8(name, strlen(name), nb, n) == 0 && strcmp(nb, name) ? nb : NULL;
}

int mz_bundle_source(const mz_bundle *b, const char *source)
{
    char nb[1024];
    const char *c;
    int k = find_source(b, source);
    if (k < 0 && b->nsource && (c = composed(source, nb, sizeof nb))) k = find_source(b, c);
    return k;
}

const mz_head *mz_bundle_target_head(const mz_bundle *b, const char *target)
{
    char nb[1024];
    const char *c;
    const mz_head *h = target ? mz_bundle_head((mz_bundle *)b, target) : NULL;
    if (!h && (c = composed(target, nb, sizeof nb))) h = mz_bundle_head((mz_bundle *)b, c);
    return h == b->aux ? NULL : h;
}

static int load_labels(const cJSON *arr, mz_head *h, int multilabel, const char *where, mz_err *e)
{
    char sb[80], lb[80];
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || n < 2 || n > MZ_MAX_CLASSES)
        return mz_fail(e, "%s: head \"%s\" needs 2..%d labels", where, shown(h->name, sb, sizeof sb), MZ_MAX_CLASSES);
    h->labels = calloc((size_t)n, sizeof *h->labels);
    if (!h->labels) return mz_fail(e, "out of memory");
    h->nclass = n;
    for (int i = 0; i < n; i++) {
        const cJSON *l = cJSON_GetArrayItem(arr, i);
        if (!cJSON_IsString(l) || !*l->valuestring || strlen(l->valuestring) > MZ_NAME_MAX)
            return mz_fail(e, "%s: bad label in head \"%s\"", where, shown(h->name, sb, sizeof sb));
        char what[100];
        snprintf(what, sizeof what, "head \"%s\": a label", shown(h->name, sb, sizeof sb));
        if (name_ok(l->valuestring, what, where, e)) return -1;
        h->labels[i] = strdup(l->valuestring);
        if (!h->labels[i]) return mz_fail(e, "out of memory");
        /* a label given twice answers under one name for two classes, and
         * the output repeats its key; a multilabel head's two classes are
         * its frame and "other", whatever the frame is called (its answers
         * go by the head's name) */
        for (int j = 0; j < i && !multilabel; j++)
            if (!strcmp(h->labels[j], h->labels[i]))
                return mz_fail(e, "%s: head \"%s\" lists the label \"%s\" twice", where,
                               shown(h->name, sb, sizeof sb), shown(h->labels[i], lb, sizeof lb));
    }
    return 0;
}

/* The optional SVR head and score method of a stance bundle. */
static int load_stance_score(mz_bundle *b, const char *dir, mz_err *e)
{
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(b->manifest, "svr");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(b->manifest, "score");
    b->score = MZ_SCORE_PROB;
    if ((sv || sc) && strcmp(b->kind, "stance") != 0)
        return mz_fail(e, "%s: \"svr\" and \"score\" belong to stance bundles only", dir);
    if (sc) {
        b->score = cJSON_IsString(sc) ? mz_score_parse(sc->valuestring) : -1;
        if (b->score < 0)
            return mz_fail(e, "%s: \"score\" must be \"prob\", \"svr\" or \"blend\"", dir);
    }
    if (!sv) {
        if (b->score != MZ_SCORE_PROB)
            return mz_fail(e, "%s: score \"%s\" needs an SVR head (\"svr\")", dir, mz_score_name(b->score));
        return 0;
    }
    char file[128];
    if (!cJSON_IsObject(sv) || str_field(sv, "file", file, sizeof file, 1, dir, e) != 0)
        return mz_fail(e, "%s: \"svr\" must be an object naming its \"file\"", dir);
    char path[4200];
    if (load_svm(b, file, &b->svr, path, sizeof path, e) != 0) return -1;
    if (!b->svr.svr || b->svr.kernel_rbf) {
        mz_linmodel_free(&b->svr);
        return mz_fail(e, "%s: the SVR head must be a linear epsilon_svr model", path);
    }
    return 0;
}

/* The optional primary head and label cap of a multilabel bundle; after
 * the binary heads, whose order the primary head's classes follow. */
static int load_multilabel_extras(mz_bundle *b, const char *dir, mz_err *e)
{
    const cJSON *pj = cJSON_GetObjectItemCaseSensitive(b->manifest, "primary");
    const cJSON *mx = cJSON_GetObjectItemCaseSensitive(b->manifest, "max_labels");
    if ((pj || mx) && strcmp(b->kind, "multilabel") != 0)
        return mz_fail(e, "%s: \"primary\" and \"max_labels\" belong to multilabel bundles only", dir);
    if (mx) {
        if (!cJSON_IsNumber(mx) || mx->valuedouble != floor(mx->valuedouble) || mx->valuedouble < 0 ||
            mx->valuedouble > (double)b->nheads)
            return mz_fail(e, "%s: \"max_labels\" must be an integer in [0, %zu]", dir, b->nheads);
        b->max_labels = (int)mx->valuedouble;
    }
    if (!pj) return 0;
    char file[128];
    const cJSON *wj = cJSON_GetObjectItemCaseSensitive(pj, "weight");
    if (!cJSON_IsObject(pj) || str_field(pj, "file", file, sizeof file, 1, dir, e) != 0 || !cJSON_IsNumber(wj) ||
        !(wj->valuedouble >= 0 && wj->valuedouble <= 1))
        return mz_fail(e, "%s: \"primary\" must be an object naming its \"file\" and a \"weight\" in [0, 1]", dir);
    if (b->nheads > MZ_MAX_CLASSES)
        return mz_fail(e, "%s: a primary head supports at most %d labels", dir, MZ_MAX_CLASSES);
    b->primary_weight = wj->valuedouble;
    char path[4200];
    if (load_svm(b, file, &b->primary, path, sizeof path, e) != 0) return -1;
    const mz_linmodel *m = &b->primary;
    int ok = !m->svr && m->probA && m->nclass == (int)b->nheads;
    for (int c = 0; ok && c < m->nclass; c++) ok = m->labels[c] == c;
    if (!ok) {
        mz_linmodel_free(&b->primary);
        return mz_fail(e, "%s: the primary head must be a C-SVC with probabilities and one class per label, "
                          "0..%zu in order", path, b->nheads - 1);
    }
    return 0;
}

/* The vocabulary is parsed on a thread of its own while the model files
 * are read and parsed: the two take about the same time.  The vocabulary
 * is read and verified first (read_verified's state is per thread); the
 * thread only parses bytes it owns.  Its error, if any, is the one
 * reported, as when it was parsed first. */
typedef struct vocab_job {
    mz_vocab *v;
    char *buf;
    size_t len;
    char path[4200];
    mz_err err;
    int rc;
    pthread_t tid;
    int started;
} vocab_job;

static void *vocab_run(void *arg)
{
    vocab_job *j = arg;
    j->rc = mz_vocab_parse(j->v, j->buf, j->len, j->path, &j->err);
    free(j->buf);
    j->buf = NULL;
    return NULL;
}

/* Wait for the vocabulary; returns its result, with its error in e. */
static int vocab_wait(vocab_job *j, mz_err *e)
{
    if (j->started) pthread_join(j->tid, NULL);
    j->started = 0;
    if (j->rc != 0) *e = j->err;
    return j->rc;
}

/* "lsa": the semantic block's file, checked against the loaded vocabulary
 * and the manifest's dims (absent: none, as bundles made before it). */
static int load_lsa(mz_bundle *b, const char *dir, mz_err *e)
{
    const cJSON *lj = cJSON_GetObjectItemCaseSensitive(b->manifest, "lsa");
    if (!lj) return 0;
    char file[128];
    const cJSON *dj = cJSON_GetObjectItemCaseSensitive(lj, "dims");
    const cJSON *wj = cJSON_GetObjectItemCaseSensitive(lj, "weight");
    if (!cJSON_IsObject(lj) || str_field(lj, "file", file, sizeof file, 1, dir, e) != 0 || !cJSON_IsNumber(dj) ||
        !cJSON_IsNumber(wj) || !(wj->valuedouble > 0 && wj->valuedouble <= 100))
        return mz_fail(e, "%s: \"lsa\" must be an object naming its \"file\", \"dims\" and a \"weight\" in (0, 100]",
                       dir);
    char *buf = NULL;
    size_t len = 0;
    if (read_verified(b, file, &buf, &len, e) != 0) return -1;
    char name[4300];
    snprintf(name, sizeof name, "%s/%s", dir, file);
    int rc = mz_lsa_parse(&b->lsa, &b->vocab, buf, len, wj->valuedouble, name, e);
    free(buf);
    if (rc != 0) return -1;
    if (dj->valuedouble != (double)b->lsa.dims)
        return mz_fail(e, "%s: %u dimensions, the manifest says %g", name, b->lsa.dims, dj->valuedouble);
    return 0;
}

/* A stance bundle's heads, with their labels in the order the score and
 * the label are computed in (index 0 critical, 2 favourable; 0 present):
 * reordered, a critical text would be called favourable. */
static int stance_heads_fit(const mz_bundle *b, const char *dir, mz_err *e)
{
    if (strcmp(b->kind, "stance")) return 0;
    static const char *const want[2][3] = {{"present", "absent", NULL}, {"critical", "neutral", "favourable"}};
    static const char *const name[2] = {"presence", "stance"};
    for (int k = 0; k < 2; k++) {
        const mz_head *h = mz_bundle_head((mz_bundle *)b, name[k]);
        int n = k ? 3 : 2, ok = h && h->nclass == n;
        for (int c = 0; ok && c < n; c++) ok = !strcmp(h->labels[c], want[k][c]);
        if (!ok)
            return mz_fail(e, "%s: a stance bundle's head \"%s\" must have the labels %s", dir, name[k],
                           k ? "critical, neutral, favourable (in that order)" : "present, absent (in that order)");
    }
    return 0;
}

/* Every feature of the vocabulary is one the manifest's pipeline makes: a
 * bigram needs ngram_max 2, a context feature the context block, and so
 * on.  A pipeline edited apart from its vocabulary would leave those
 * features unseen in every article, and change the answers silently. */
static int vocab_fits_pipeline(const mz_bundle *b, const char *dir, mz_err *e)
{
    const mz_vocab *v = &b->vocab;
    const mz_featopts *o = &v->opt;
    for (size_t f = 0; f < v->nfeat; f++) {
        char k = v->kind[f];
        if (k == 'x') {
            /* named features: each made only by a part of the bundle (an
             * "lsa" or "aux" entry, the punctuation counts, a stance
             * bundle's target lexicon); without it they would stay 0, and
             * the answers change silently */
            size_t kl;
            const char *key = mz_strmap_key(v->feats, f, &kl);
            const char *name = key + 1, *need = NULL;
            int nl = (int)(kl - 1);
            static const char *const by[][2] = {{"@lsa:", "lsa"}, {"@aux:", "aux"}};
            for (int q = 0; q < 2; q++)
                if (kl > 6 && !memcmp(name, by[q][0], 5) && !cJSON_GetObjectItemCaseSensitive(b->manifest, by[q][1]))
                    return mz_fail(e, "%s/vocab.tsv:%zu: a feature %.*s, which only a manifest with \"%s\" fills", dir,
                                   f + 3, nl, name, by[q][1]);
            if (kl > 6 && (!memcmp(name, "@lsa:", 5) || !memcmp(name, "@aux:", 5))) continue;
            static const char *const target_made[] = {"@mention",  "@title",   "@lead",    "@crit_near",
                                                      "@crit_all", "@fav_near", "@fav_all"};
            int known = 0;
            for (size_t q = 0; !known && q < sizeof target_made / sizeof *target_made; q++)
                known = (size_t)nl == strlen(target_made[q]) && !memcmp(name, target_made[q], (size_t)nl);
            if (known) need = strcmp(b->kind, "stance") ? "only a stance bundle makes" : NULL;
            for (int q = 0; !known && q < MZ_NPUNCT; q++)
                known = (size_t)nl == strlen(mz_punct_names[q]) && !memcmp(name, mz_punct_names[q], (size_t)nl);
            if (known && !need && name[1] == 'p' && name[2] == ':' && !o->punct)
                need = "only a pipeline with \"punct\" makes";
            if (!known || need) {
                char nb[80], sb[80];
                snprintf(nb, sizeof nb, "%.*s", nl, name);
                return mz_fail(e, "%s/vocab.tsv:%zu: a feature %s, which %s", dir, f + 3, shown(nb, sb, sizeof sb),
                               known ? need : "no part of a bundle makes");
            }
            continue;
        }
        const char *need = k == 'b' && o->ngram_max < 2   ? "ngram_max 2 or more"
                           : k == 't' && o->ngram_max < 3 ? "ngram_max 3"
                           : (k == 'c' || k == 'd') && !o->context ? "context"
                           : (k == 'd' && o->ngram_max < 2)         ? "ngram_max 2 or more"
                           : k == 'g' && o->char_min == 0           ? "char_min and char_max"
                                                                    : NULL;
        if (need)
            return mz_fail(e, "%s/vocab.tsv:%zu: a '%c' feature, which the manifest's pipeline (without %s) never makes",
                           dir, f + 3, k, need);
    }
    return 0;
}

static int cmp_key(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Of a key given twice in one object only the first would be read (cJSON
 * finds the first), so the manifest would say one thing and mean another:
 * refused at any depth, as the lexicon's loader refuses it.  Each object's
 * keys are sorted, so a crafted object of many keys costs n log n. */
static int keys_once(const cJSON *j, const char *path, mz_err *e)
{
    if (cJSON_IsObject(j) && j->child && j->child->next) {
        size_t n = (size_t)cJSON_GetArraySize(j), k = 0;
        const char **keys = malloc(n * sizeof *keys);
        if (!keys) return mz_fail(e, "out of memory");
        for (const cJSON *c = j->child; c; c = c->next) keys[k++] = c->string;
        qsort(keys, n, sizeof *keys, cmp_key);
        for (k = 1; k < n && strcmp(keys[k - 1], keys[k]); k++) {}
        if (k < n) {
            char sb[80], ib[80];
            mz_fail(e, "%s: key \"%s\" given twice%s%s%s", path, shown(keys[k], sb, sizeof sb),
                    j->string ? " in \"" : "", j->string ? shown(j->string, ib, sizeof ib) : "", j->string ? "\"" : "");
            free(keys);
            return -1;
        }
        free(keys);
    }
    for (const cJSON *c = j->child; c; c = c->next)
        if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && keys_once(c, path, e) != 0) return -1;
    return 0;
}

/* 1 when the open bundle folder is no longer the one dir names (a
 * replaced bundle, its old copy perhaps being deleted). */
static int replaced(const char *dir)
{
    struct stat ds, ps;
    return bundle_fd >= 0 && fstat(bundle_fd, &ds) == 0 &&
           (ds.st_nlink == 0 || stat(dir, &ps) != 0 || ps.st_ino != ds.st_ino || ps.st_dev != ds.st_dev);
}

/* The manifest's own fields, before any file is read: a mizan manifest of
 * this format, names that print safely, a known kind and its pipeline. */
static int check_header(mz_bundle *b, const char *path, mz_err *e)
{
    if (keys_once(b->manifest, path, e) != 0) return -1;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(b->manifest, "format");
    if (!cJSON_IsNumber(fmt)) return mz_fail(e, "%s: no format version: not a mizan model", path);
    /* a version is a whole number: 1.5 or 0.9999999999 is no version at
     * all (and %g would print the latter as this program's own) */
    if (fmt->valuedouble != floor(fmt->valuedouble) || !(fabs(fmt->valuedouble) < 1e9))
        return mz_fail(e, "%s: format %.17g is not a version number (a small whole number): not a mizan model", path,
                       fmt->valuedouble);
    if (fmt->valuedouble > MZ_FORMAT_VERSION)
        return mz_fail(e, "%s: format %.0f was written by a newer mizan (this one reads format %d)", path,
                       fmt->valuedouble, MZ_FORMAT_VERSION);
    if (fmt->valuedouble != MZ_FORMAT_VERSION)
        return mz_fail(e, "%s: unsupported format version %.0f (this one reads format %d)", path, fmt->valuedouble,
                       MZ_FORMAT_VERSION);
    if (str_field(b->manifest, "name", b->name, sizeof b->name, 1, path, e) ||
        str_field(b->manifest, "kind", b->kind, sizeof b->kind, 1, path, e) ||
        str_field(b->manifest, "target", b->target, sizeof b->target, 0, path, e))
        return -1;
    const cJSON *prog = cJSON_GetObjectItemCaseSensitive(b->manifest, "program");
    if (prog && !cJSON_IsString(prog)) return mz_fail(e, "%s: \"program\" must be a string", path);
    if (prog && name_ok(prog->valuestring, "program", path, e)) return -1;
    if (strcmp(b->kind, "multiclass") && strcmp(b->kind, "multilabel") && strcmp(b->kind, "stance") &&
        strcmp(b->kind, "target")) {
        char sb[80];
        return mz_fail(e, "%s: unknown kind \"%s\"", path, shown(b->kind, sb, sizeof sb));
    }
    if (mz_featopts_from_json(cJSON_GetObjectItemCaseSensitive(b->manifest, "pipeline"), &b->vocab.opt, e) != 0)
        return mz_wrap(e, "%s: ", path);
    return 0;
}

/* Every file the manifest lists is safe to name and present as a regular
 * file before anything is parsed; digests are checked as each file is
 * read, and at the end for files no head used. */
static int check_files(const cJSON *files, const char *dir, const char *path, mz_err *e)
{
    if (!cJSON_IsObject(files) || cJSON_GetArraySize(files) > MAX_SEEN)
        return mz_fail(e, "%s: missing or oversized \"files\"", path);
    const cJSON *f;
    cJSON_ArrayForEach(f, files)
    {
        struct stat st;
        char fp[4096], sb[80];
        if (!f->string || !cJSON_IsString(f) || strlen(f->valuestring) != 64)
            return mz_fail(e, "%s: bad entry in \"files\"", path);
        if (!safe_name(f->string))
            return mz_fail(e, "%s: manifest names an unsafe file \"%s\"", dir, shown(f->string, sb, sizeof sb));
        if (mz_path_join(fp, sizeof fp, dir, f->string, e) != 0) return -1;
        /* the name comes from the manifest: shown masked, like any string of it */
        if (fstatat(bundle_fd, f->string, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return mz_fail(e, "%s/%s: missing file: %m", dir, shown(f->string, sb, sizeof sb));
        if (!S_ISREG(st.st_mode))
            return mz_fail(e, "%s/%s: not a regular file (links are refused)", dir, shown(f->string, sb, sizeof sb));
    }
    return 0;
}

/* The bundle's own stopword list, as training used it. */
static int load_stopwords(mz_bundle *b, const char *dir, mz_err *e)
{
    char *buf = NULL;
    size_t len;
    mz_normalizer *nz = mz_normalizer_new(e);
    if (!nz || read_verified(b, "stopwords.txt", &buf, &len, e) != 0) {
        mz_normalizer_free(nz);
        return -1;
    }
    int rc = mz_stopwords_parse(&b->vocab.sw, buf, len, "stopwords.txt", nz, e);
    mz_normalizer_free(nz);
    free(buf);
    return rc != 0 ? mz_wrap(e, "%s/", dir) : 0;
}

/* Head h from its manifest entry hj, and its model file: path (pathsz
 * bytes) receives the file's name for messages.  Every cut-off and weight
 * the kind needs must be given and in range: one missing would be
 * replaced by a default, and the labels change silently. */
static int load_head(mz_bundle *b, const cJSON *hj, mz_head *h, const char *dir, char *path, size_t pathsz, mz_err *e)
{
    char sb[80];
    if (str_field(hj, "name", h->name, sizeof h->name, 1, dir, e) ||
        str_field(hj, "file", h->file, sizeof h->file, 1, dir, e) ||
        load_labels(cJSON_GetObjectItemCaseSensitive(hj, "labels"), h, !strcmp(b->kind, "multilabel"), dir, e))
        return -1;
    /* heads are found by name: a second one of a name is never used */
    if (mz_bundle_head(b, h->name) != h)
        return mz_fail(e, "%s: two heads named \"%s\"", dir, shown(h->name, sb, sizeof sb));
    /* mizan-train writes every multi-label head's cut-off and the stance
     * head's */
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(hj, "threshold");
    if (!strcmp(b->kind, "multilabel")) {
        if (!cJSON_IsNumber(th) || !(th->valuedouble >= 0 && th->valuedouble <= 1))
            return mz_fail(e, "%s: head \"%s\": \"threshold\" must be a number in [0, 1]", dir,
                           shown(h->name, sb, sizeof sb));
        h->threshold = th->valuedouble;
    }
    const cJSON *ths = cJSON_GetObjectItemCaseSensitive(hj, "thresholds");
    if (ths || (!strcmp(b->kind, "stance") && !strcmp(h->name, "stance"))) {
        const cJSON *tc = cJSON_GetObjectItemCaseSensitive(ths, "critical");
        const cJSON *tf = cJSON_GetObjectItemCaseSensitive(ths, "favourable");
        if (!cJSON_IsNumber(tc) || !cJSON_IsNumber(tf) || !(tc->valuedouble > 0 && tc->valuedouble < 1) ||
            !(tf->valuedouble > 0 && tf->valuedouble < 1))
            return mz_fail(e, "%s: head \"%s\": \"thresholds\" must give \"critical\" and \"favourable\" as numbers "
                              "in (0, 1)", dir, shown(h->name, sb, sizeof sb));
        h->tcrit = tc->valuedouble;
        h->tfav = tf->valuedouble;
    }
    const cJSON *lw = cJSON_GetObjectItemCaseSensitive(hj, "label_weights");
    if (lw) {
        int ok = cJSON_IsArray(lw) && cJSON_GetArraySize(lw) == h->nclass, c = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, lw)
        {
            if (!ok || !cJSON_IsNumber(x) || !(x->valuedouble > 0 && x->valuedouble <= 1e6)) {
                ok = 0;
                break;
            }
            h->lw[c++] = x->valuedouble;
        }
        if (!ok)
            return mz_fail(e, "%s: head \"%s\": label_weights must list %d numbers in (0, 1e6], one per label", dir,
                           shown(h->name, sb, sizeof sb), h->nclass);
        h->weighted = 1;
    }
    if (load_svm(b, h->file, &h->lm, path, pathsz, e) != 0) return -1;
    if (h->lm.nclass != h->nclass)
        return mz_fail(e, "%s: %d classes, manifest lists %d labels", path, h->lm.nclass, h->nclass);
    if (h->lm.svr || !h->lm.probA) return mz_fail(e, "%s: no probability model (probA/probB)", path);
    for (int c = 0; c < h->nclass; c++)
        if (h->lm.labels[c] != c) return mz_fail(e, "%s: labels must be 0..%d in order", path, h->nclass - 1);
    return 0;
}

/* A multi-label bundle's binary heads, their weights laid side by side
 * per feature (ml_W), so that one pass over an article's features scores
 * them all; rbf heads have no weights to lay so and are scored one by one
 * (ml_W stays NULL). */
static int multilabel_matrix(mz_bundle *b, const char *dir, mz_err *e)
{
    int rbf = 0;
    for (size_t i = 0; i < b->nheads; i++) {
        if (b->heads[i].nclass != 2) return mz_fail(e, "%s: multilabel heads must be binary", dir);
        rbf |= b->heads[i].lm.kernel_rbf;
    }
    if (rbf) return 0;
    b->ml_nfeat = b->vocab.nfeat;
    b->ml_W = mz_huge_calloc((b->ml_nfeat + 1) * b->nheads, sizeof *b->ml_W);
    if (!b->ml_W) return mz_fail(e, "out of memory");
    for (size_t h = 0; h < b->nheads; h++)
        for (size_t f = 1; f <= b->ml_nfeat && f <= b->heads[h].lm.nfeat; f++)
            b->ml_W[f * b->nheads + h] = b->heads[h].lm.W[f];
    return 0;
}

/* "aux": the auxiliary head whose answer the classifier feeds, scaled, to
 * the other heads as the vocabulary's @aux: features.  Only multiclass and
 * target bundles are fed it: another kind would score without the
 * features it was trained with. */
static int load_aux(mz_bundle *b, const char *dir, mz_err *e)
{
    const cJSON *aux = cJSON_GetObjectItemCaseSensitive(b->manifest, "aux");
    if (!aux) return 0;
    if (strcmp(b->kind, "multiclass") && strcmp(b->kind, "target"))
        return mz_fail(e, "%s: \"aux\" belongs to multiclass and target bundles only", dir);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(aux, "scale");
    b->aux = mz_bundle_head(b, "aux");
    if (!b->aux || !cJSON_IsNumber(sc) || !(sc->valuedouble > 0 && sc->valuedouble <= 100))
        return mz_fail(e, "%s: \"aux\" needs a head named \"aux\" and a scale in (0, 100]", dir);
    b->aux_scale = sc->valuedouble;
    for (int k = 0; k < b->aux->nclass; k++) {
        char key[MZ_NAME_MAX + 8], sb[80];
        key[0] = 'x';
        int64_t fid = mz_aux_feature_name(b->aux->labels[k], key + 1, sizeof key - 1) == 0
                          ? mz_strmap_find(b->vocab.feats, key, strlen(key))
                          : -1;
        if (fid < 0)
            return mz_fail(e, "%s: vocabulary lacks the feature @aux:%s", dir, shown(b->aux->labels[k], sb, sizeof sb));
        b->aux_fid[k] = (int32_t)fid;
    }
    return 0;
}

/* A multiclass bundle answers with the head named after it: an edited
 * name must not make another head (the auxiliary one) answer in its
 * place. */
static int multiclass_head_named(mz_bundle *b, const char *dir, mz_err *e)
{
    const mz_head *h = mz_bundle_head(b, b->name);
    if (h && h != b->aux && b->nheads == 1 + (b->aux != NULL)) return 0;
    char sb[80];
    return mz_fail(e, "%s: a multiclass bundle has one head, named as the bundle (\"%s\")%s; its manifest's \"name\" "
                      "and its head's go together", dir, shown(b->name, sb, sizeof sb), b->aux ? ", besides \"aux\"" : "");
}

/* The manifest of the bundle in dir (bundle_fd open on it; path its
 * manifest's path), checked: its header, the files it lists, and the
 * stopword list and target lexicon read and verified. */
static int read_manifest(mz_bundle *b, const char *dir, const char *path, mz_err *e)
{
    char *buf = NULL;
    size_t len;
    if (read_at("manifest.json", MANIFEST_MAX, path, &buf, &len, e) != 0) return -1;
    /* one JSON value, whole: cJSON stops at the end of the first, and
     * would take a manifest with another glued after it */
    b->manifest = mz_json_parse_one(buf, len, NULL, NULL);
    free(buf);
    if (!cJSON_IsObject(b->manifest)) return mz_fail(e, "%s: not valid JSON (corrupt manifest)", path);
    if (check_header(b, path, e) != 0) return -1;
    nseen = 0;
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(b->manifest, "files");
    if (check_files(files, dir, path, e) != 0) return -1;
    if (b->vocab.opt.stopwords && load_stopwords(b, dir, e) != 0) return -1;
    if (cJSON_GetObjectItemCaseSensitive(files, "targets.json"))
        return read_verified(b, "targets.json", &b->targets_json, &b->targets_len, e);
    if (!strcmp(b->kind, "stance")) return mz_fail(e, "%s: a stance bundle without its target lexicon (targets.json)", dir);
    return 0;
}

/* vocab.tsv read and verified, and parsed on a thread of its own (vj)
 * while the model files are; a header that says no size is parsed here,
 * and fails with the parser's message. */
static int start_vocab(mz_bundle *b, const char *dir, vocab_job *vj, mz_err *e)
{
    if (read_verified(b, "vocab.tsv", &vj->buf, &vj->len, e) != 0) return -1;
    vj->v = &b->vocab;
    snprintf(vj->path, sizeof vj->path, "%s/vocab.tsv", dir);
    if (mz_vocab_header_nfeat(vj->buf, vj->len, &vocab_nfeat) == 0 && pthread_create(&vj->tid, NULL, vocab_run, vj) == 0) {
        vj->started = 1;
        return 0;
    }
    vocab_run(vj);
    if (vocab_wait(vj, e) != 0) return -1;
    vocab_nfeat = b->vocab.nfeat;
    return 0;
}

/* The manifest's heads, each with its model file. */
static int load_heads(mz_bundle *b, const char *dir, char *path, size_t pathsz, mz_err *e)
{
    const cJSON *heads = cJSON_GetObjectItemCaseSensitive(b->manifest, "heads");
    int nh = cJSON_GetArraySize(heads);
    if (!cJSON_IsArray(heads) || nh < 1 || nh > 256) return mz_fail(e, "%s: \"heads\" must list 1..256 heads", dir);
    b->heads = calloc((size_t)nh, sizeof *b->heads);
    if (!b->heads) return mz_fail(e, "out of memory");
    for (int i = 0; i < nh; i++) {
        b->nheads++; /* counted first: a head is found by name among those counted */
        if (load_head(b, cJSON_GetArrayItem(heads, i), &b->heads[i], dir, path, pathsz, e) != 0) return -1;
    }
    return 0;
}

/* The listed files no part of the bundle has read, verified all the
 * same: a bundle is whole or refused. */
static int verify_rest(mz_bundle *b, mz_err *e)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(b->manifest, "files"))
    {
        if (was_seen(f->string)) continue;
        char *buf = NULL;
        size_t len;
        if (read_verified(b, f->string, &buf, &len, e) != 0) return -1;
        free(buf);
    }
    return 0;
}

/* One attempt; *gone says, on failure, that the folder was replaced or
 * missing meanwhile, so the failure may be the replacement's, not the
 * bundle's. */
static int load_once(mz_bundle *b, const char *dir, int *gone, mz_err *e)
{
    memset(b, 0, sizeof *b);
    vocab_job vj = {0};
    if (snprintf(b->dir, sizeof b->dir, "%s", dir) >= (int)sizeof b->dir) return mz_fail(e, "%s: path too long", dir);
    char path[4096];
    if (mz_path_join(path, sizeof path, dir, "manifest.json", e) != 0) return -1;
    bundle_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bundle_fd < 0) {
        *gone = errno == ENOENT; /* between two renames, where they cannot be one */
        return mz_fail(e, "%s: cannot open the model directory: %m", dir);
    }
    if (read_manifest(b, dir, path, e) != 0 || start_vocab(b, dir, &vj, e) != 0 ||
        load_heads(b, dir, path, sizeof path, e) != 0 || stance_heads_fit(b, dir, e) != 0 ||
        load_stance_score(b, dir, e) != 0 || load_multilabel_extras(b, dir, e) != 0 || vocab_wait(&vj, e) != 0 ||
        vocab_fits_pipeline(b, dir, e) != 0 || load_lsa(b, dir, e) != 0 ||
        (!strcmp(b->kind, "multilabel") && multilabel_matrix(b, dir, e) != 0) || load_aux(b, dir, e) != 0 ||
        (!strcmp(b->kind, "multiclass") && multiclass_head_named(b, dir, e) != 0) || load_source(b, dir, e) != 0 ||
        load_fields(b, e) != 0 || verify_rest(b, e) != 0)
        goto fail;
    nseen = 0;
    close(bundle_fd);
    bundle_fd = -1;
    return 0;
fail:
    if (vj.started) {
        mz_err ve;
        if (vocab_wait(&vj, &ve) != 0) *e = ve;
    }
    nseen = 0;
    *gone = replaced(dir);
    if (bundle_fd >= 0) close(bundle_fd);
    bundle_fd = -1;
    free(vj.buf);
    mz_bundle_free(b);
    return -1;
}

int mz_bundle_lexicon(const mz_bundle *b, mz_targets *ts, mz_err *e)
{
    memset(ts, 0, sizeof *ts);
    if (!b->targets_json) return mz_fail(e, "%s: stance bundle without targets.json", b->dir);
    char tname[4200];
    snprintf(tname, sizeof tname, "%s/targets.json", b->dir);
    mz_normalizer *nz = mz_normalizer_new(e);
    if (!nz) return -1;
    int rc = mz_targets_parse(ts, b->targets_json, b->targets_len, tname, nz, e);
    mz_normalizer_free(nz);
    if (rc != 0) {
        mz_targets_free(ts);
        return -1;
    }
    if (!mz_targets_find(ts, b->target)) {
        char sb[80];
        mz_targets_free(ts);
        return mz_fail(e, "%s: target \"%s\" missing from its lexicon", tname, shown(b->target, sb, sizeof sb));
    }
    static const char *const cue[][3] = {{"@critical", "x@crit_near", "x@crit_all"},
                                         {"@favourable", "x@fav_near", "x@fav_all"}};
    for (int k = 0; k < 2; k++)
        for (int f = 1; f < 3 && !mz_targets_find(ts, cue[k][0]); f++)
            if (mz_strmap_find(b->vocab.feats, cue[k][f], strlen(cue[k][f])) >= 0) {
                mz_targets_free(ts);
                return mz_fail(e, "%s/vocab.tsv: a feature %s, which only a lexicon with a \"%s\" cue list makes "
                                  "(its targets.json has none)", b->dir, cue[k][f] + 1, cue[k][0] + 1);
            }
    return 0;
}

int mz_bundle_load(mz_bundle *b, const char *dir, mz_err *e)
{
    /* a bundle replaced as it loads (make install exchanges a new one in,
     * and removes the old at the next install) is read again from its
     * name, which then holds a whole bundle */
    for (int tries = 0;; tries++) {
        int gone = 0;
        if (load_once(b, dir, &gone, e) == 0) return 0;
        if (!gone || tries == 4) return -1;
        struct timespec ts = {0, 10 * 1000 * 1000}; /* the replacement's moment */
        nanosleep(&ts, NULL);
    }
}

void mz_bundle_free(mz_bundle *b)
{
    for (size_t i = 0; i < b->nheads; i++) {
        mz_head *h = &b->heads[i];
        if (h->labels)
            for (int c = 0; c < h->nclass; c++) free(h->labels[c]);
        free(h->labels);
        mz_linmodel_free(&h->lm);
    }
    free(b->heads);
    for (int d = 0; d < b->nsource; d++) {
        free(b->source_values[d]);
        if (b->source_heads) mz_linmodel_free(&b->source_heads[d].lm);
    }
    free(b->source_values);
    free(b->source_heads);
    free(b->source_slot);
    free(b->source_dval);
    free(b->ml_W);
    mz_linmodel_free(&b->svr);
    mz_linmodel_free(&b->primary);
    mz_vocab_free(&b->vocab);
    mz_lsa_free(&b->lsa);
    cJSON_Delete(b->manifest);
    free(b->targets_json);
    memset(b, 0, sizeof *b);
}

mz_head *mz_bundle_head(mz_bundle *b, const char *name)
{
    for (size_t i = 0; i < b->nheads; i++)
        if (strcmp(b->heads[i].name, name) == 0) return &b->heads[i];
    return NULL;
}

void mz_bundle_multilabel_decision(const mz_bundle *b, const mz_sparse *x, double *dec)
{
    size_t H = b->nheads;
    if (!b->ml_W) {
        for (size_t h = 0; h < H; h++) mz_linmodel_decision(&b->heads[h].lm, x, &dec[h]);
        return;
    }
    for (size_t h = 0; h < H; h++) dec[h] = 0.0;
    for (size_t i = 0; i < x->n; i++) {
        size_t f = (size_t)x->idx[i];
        if (i + 8 < x->n && (size_t)x->idx[i + 8] <= b->ml_nfeat) {
            const double *r = b->ml_W + (size_t)x->idx[i + 8] * H;
            __builtin_prefetch(r);
            __builtin_prefetch(r + H - 1);
        }
        if (f > b->ml_nfeat) continue;
        const double *w = b->ml_W + f * H;
        double v = x->val[i];
        for (size_t h = 0; h < H; h++) dec[h] += w[h] * v;
    }
    for (size_t h = 0; h < H; h++) dec[h] -= b->heads[h].lm.rho[0];
}
