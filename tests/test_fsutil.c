/* test_fsutil.c — file helpers: round trips, atomic replacement, limits,
 * error messages, directory commits and symlink-safe removal.  Every test
 * works inside its own fresh directory under $TMPDIR (else /tmp), removed
 * afterwards. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "testutil.h"

static char root[1024]; /* per-test scratch directory */

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/mz_fsutil_XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
    mz_err e = {{0}};
    if (root[0] && mz_rm_rf(root, &e) != 0)
        fprintf(stderr, "test_fsutil: cleanup failed: %s\n", e.msg);
    root[0] = '\0';
}

/* Path under the scratch directory, in a rotating static buffer. */
static const char *P(const char *rel)
{
    static char buf[8][PATH_MAX];
    static int k;
    char *b = buf[k++ & 7];
    snprintf(b, sizeof buf[0], "%s/%s", root, rel);
    return b;
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Contents of a small file, or "<missing>". */
static const char *get(const char *path)
{
    static char buf[4][256];
    static int k;
    char *b = buf[k++ & 3];
    FILE *f = fopen(path, "r");
    if (!f)
        return "<missing>";
    size_t n = fread(b, 1, sizeof buf[0] - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Number of entries in dir whose name contains needle. */
static int count_entries(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            strstr(de->d_name, needle))
            n++;
    closedir(d);
    return n;
}

/* ---- mz_read_file / mz_write_file_atomic ------------------------------ */

START_TEST(test_round_trip_binary)
{
    mz_err e = {{0}};
    unsigned char data[5000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 131 + 7); /* includes NUL bytes */
    const char *f = P("model.bin");
    ck_assert_msg(mz_write_file_atomic(f, data, sizeof data, &e) == 0, "%s",
                  e.msg);
    char *buf = NULL;
    size_t len = 0;
    ck_assert_msg(mz_read_file(f, SIZE_MAX, &buf, &len, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(len, sizeof data);
    ck_assert_int_eq(memcmp(buf, data, len), 0);
    ck_assert_int_eq(buf[len], '\0');
    free(buf);
    ck_assert_int_eq(count_entries(root, ".tmp."), 0);
}
END_TEST

START_TEST(test_round_trip_empty_and_arabic)
{
    mz_err e = {{0}};
    char *buf = NULL;
    size_t len = 99;
    ck_assert_int_eq(mz_write_file_atomic(P("empty"), "", 0, &e), 0);
    ck_assert_int_eq(mz_read_file(P("empty"), 0, &buf, &len, &e), 0);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(buf, "");
    free(buf);

    const char *t = "عنوان الخبر\nنص الخبر\n";
    ck_assert_int_eq(mz_write_file_atomic(P("ar.txt"), t, strlen(t), &e), 0);
    ck_assert_int_eq(mz_read_file(P("ar.txt"), 1 << 20, &buf, &len, &e), 0);
    ck_assert_str_eq(buf, t);
    ck_assert_uint_eq(len, strlen(t));
    free(buf);
}
END_TEST

START_TEST(test_overwrite)
{
    mz_err e = {{0}};
    const char *f = P("labels.txt");
    ck_assert_int_eq(mz_write_file_atomic(f, "old contents, longer\n", 21, &e),
                     0);
    struct stat st1, st2;
    ck_assert_int_eq(stat(f, &st1), 0);
    ck_assert_int_eq(mz_write_file_atomic(f, "new\n", 4, &e), 0);
    ck_assert_str_eq(get(f), "new\n");
    ck_assert_int_eq(stat(f, &st2), 0);
    ck_assert_int_eq(st2.st_size, 4);
    /* Replaced by rename, not rewritten in place. */
    ck_assert(st1.st_ino != st2.st_ino);
    ck_assert_int_eq(count_entries(root, ".tmp."), 0);
    ck_assert_int_eq(count_entries(root, ""), 1);
}
END_TEST

START_TEST(test_write_keeps_mode)
{
    mz_err e = {{0}};
    const char *f = P("conf");
    put(f, "x");
    ck_assert_int_eq(chmod(f, 0640), 0);
    ck_assert_int_eq(mz_write_file_atomic(f, "y", 1, &e), 0);
    struct stat st;
    ck_assert_int_eq(stat(f, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);

    /* A new file gets 0666 & ~umask, not mkstemp's 0600. */
    mode_t old = umask(022);
    ck_assert_int_eq(mz_write_file_atomic(P("fresh"), "z", 1, &e), 0);
    umask(old);
    ck_assert_int_eq(stat(P("fresh"), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
}
END_TEST

START_TEST(test_write_failure_leaves_old)
{
    mz_err e = {{0}};
    /* Missing parent directory: fails, names the path, creates nothing. */
    const char *f = P("no/such/dir/file");
    ck_assert_int_eq(mz_write_file_atomic(f, "x", 1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, f));
    ck_assert_int_eq(count_entries(root, ""), 0);

    /* Target is a non-empty directory: rename fails, temp is removed and
     * the directory is untouched. */
    ck_assert_int_eq(mkdir(P("d"), 0755), 0);
    put(P("d/keep"), "keep");
    ck_assert_int_eq(mz_write_file_atomic(P("d"), "x", 1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, P("d")));
    ck_assert_str_eq(get(P("d/keep")), "keep");
    ck_assert_int_eq(count_entries(root, ".tmp."), 0);

    /* Unwritable directory: the old file survives intact (root bypasses
     * permissions, so only check when not root). */
    if (geteuid() != 0) {
        put(P("d/model"), "old model");
        ck_assert_int_eq(chmod(P("d"), 0555), 0);
        ck_assert_int_eq(mz_write_file_atomic(P("d/model"), "new", 3, &e), -1);
        ck_assert_int_eq(chmod(P("d"), 0755), 0);
        ck_assert_str_eq(get(P("d/model")), "old model");
        ck_assert_int_eq(count_entries(P("d"), ".tmp."), 0);
    }
}
END_TEST

START_TEST(test_write_follows_links_and_devices)
{
    mz_err e = {{0}};
    /* A link is followed: the file it names is replaced, the link kept. */
    put(P("real"), "old");
    ck_assert_int_eq(symlink("real", P("link")), 0);
    ck_assert_int_eq(mz_write_file_atomic(P("link"), "new", 3, &e), 0);
    struct stat st;
    ck_assert_int_eq(lstat(P("link"), &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_str_eq(get(P("real")), "new");
    ck_assert_int_eq(count_entries(root, ".tmp."), 0);

    /* A device is written in place, never renamed over (as root a rename
     * into /dev would succeed and replace the device with a file). */
    ck_assert_int_eq(mz_write_file_atomic("/dev/null", "x", 1, &e), 0);
    ck_assert_int_eq(lstat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
    /* and a write it refuses is an error that names it */
    ck_assert_int_eq(mz_write_file_atomic("/dev/full", "x", 1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "/dev/full"));
    ck_assert_int_eq(lstat("/dev/full", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
}
END_TEST

START_TEST(test_outfile_commit_and_abort)
{
    mz_err e = {{0}};
    const char *f = P("answers.jsonl");
    put(f, "old\n");
    ck_assert_int_eq(chmod(f, 0640), 0);

    /* while written, the old file is untouched and the temporary named */
    mz_outfile o;
    ck_assert_msg(mz_outfile_open(&o, f, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(mz_outfile_pending(), o.tmp);
    ck_assert_ptr_nonnull(strstr(o.tmp, "/.answers.jsonl.tmp."));
    fputs("first\n", o.f);
    fflush(o.f);
    ck_assert_str_eq(get(f), "old\n");
    ck_assert_int_eq(count_entries(root, ".tmp."), 1);
    /* abort: temporary gone, old file as it was, nothing pending */
    mz_outfile_abort(&o);
    ck_assert_str_eq(get(f), "old\n");
    ck_assert_int_eq(count_entries(root, ".tmp."), 0);
    ck_assert_str_eq(mz_outfile_pending(), "");

    /* commit: replaced by rename, mode kept, nothing pending */
    ck_assert_msg(mz_outfile_open(&o, f, &e) == 0, "%s", e.msg);
    fputs("second\n", o.f);
    ck_assert_msg(mz_outfile_commit(&o, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(get(f), "second\n");
    struct stat st;
    ck_assert_int_eq(stat(f, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    ck_assert_int_eq(count_entries(root, ".tmp."), 0);
    ck_assert_str_eq(mz_outfile_pending(), "");

    /* a directory is refused before anything is created */
    ck_assert_int_eq(mz_outfile_open(&o, root, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "is a directory"));

    /* a failed write is reported by commit, which names the path */
    ck_assert_msg(mz_outfile_open(&o, "/dev/full", &e) == 0, "%s", e.msg);
    ck_assert_str_eq(o.tmp, "");
    fputs("x", o.f);
    ck_assert_int_eq(mz_outfile_commit(&o, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "/dev/full: write failed"));
}
END_TEST

START_TEST(test_output_checks)
{
    mz_err e = {{0}};
    /* a new file in an existing folder, a file to replace, a device */
    ck_assert_int_eq(mz_outfile_check(P("new.jsonl"), &e), 0);
    put(P("old.jsonl"), "x");
    ck_assert_int_eq(mz_outfile_check(P("old.jsonl"), &e), 0);
    ck_assert_int_eq(mz_outfile_check("/dev/null", &e), 0);
    /* a missing folder, a file where the folder should be, a directory */
    ck_assert_int_eq(mz_outfile_check(P("no/new.jsonl"), &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "its folder"));
    ck_assert_int_eq(mz_outfile_check(P("old.jsonl/new.jsonl"), &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "is not a folder"));
    ck_assert_int_eq(mz_outfile_check(root, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "is a directory"));
    /* nothing was created by checking */
    ck_assert_int_eq(count_entries(root, ""), 1);
    ck_assert_int_eq(mz_parent_writable(P("model"), &e), 0);
    ck_assert_int_eq(mz_parent_writable(P("no/model"), &e), -1);
}
END_TEST

/* mz_path_within: inside a folder (by any spelling, through links) or not,
 * and the path under it. */
START_TEST(test_path_within)
{
    ck_assert_int_eq(mkdir(P("b"), 0755), 0);
    ck_assert_int_eq(mkdir(P("b/sub"), 0755), 0);
    ck_assert_int_eq(mkdir(P("other"), 0755), 0);
    ck_assert_int_eq(symlink("b", P("lnk")), 0);
    char rel[PATH_MAX];
    ck_assert_int_eq(mz_path_within(P("b/x.jsonl"), P("b"), rel, sizeof rel), 1);
    ck_assert_str_eq(rel, "x.jsonl");
    ck_assert_int_eq(mz_path_within(P("b/sub/../sub/y.txt"), P("b/"), rel, sizeof rel), 1);
    ck_assert_str_eq(rel, "sub/y.txt");
    ck_assert_int_eq(mz_path_within(P("lnk/sub/z"), P("b"), rel, sizeof rel), 1); /* through a link */
    ck_assert_str_eq(rel, "sub/z");
    ck_assert_int_eq(mz_path_within(P("b/x"), P("lnk"), NULL, 0), 1);
    ck_assert_int_eq(mz_path_within(P("other/x"), P("b"), rel, sizeof rel), 0);
    ck_assert_int_eq(mz_path_within(P("bb/x"), P("b"), rel, sizeof rel), 0); /* a missing folder */
    ck_assert_int_eq(mkdir(P("bb"), 0755), 0);
    ck_assert_int_eq(mz_path_within(P("bb/x"), P("b"), rel, sizeof rel), 0); /* a name that only starts alike */
    ck_assert_int_eq(mz_path_within(P("x"), P("b"), rel, sizeof rel), 0); /* beside, not in */
    ck_assert_int_eq(mz_path_within(P("b/x"), P("no-such"), rel, sizeof rel), 0);
}
END_TEST

START_TEST(test_read_size_limit)
{
    mz_err e = {{0}};
    char data[100];
    memset(data, 'q', sizeof data);
    const char *f = P("big");
    ck_assert_int_eq(mz_write_file_atomic(f, data, sizeof data, &e), 0);
    char *buf = (char *)1;
    size_t len = 7;
    ck_assert_int_eq(mz_read_file(f, 99, &buf, &len, &e), -1);
    ck_assert_ptr_null(buf);
    ck_assert_uint_eq(len, 0);
    char want[2 * PATH_MAX + 64];
    snprintf(want, sizeof want,
             "%s: file is larger than the limit of 99 bytes", f);
    ck_assert_str_eq(e.msg, want);
    /* Exactly at the limit is fine. */
    ck_assert_int_eq(mz_read_file(f, 100, &buf, &len, &e), 0);
    ck_assert_uint_eq(len, 100);
    free(buf);
}
END_TEST

START_TEST(test_read_unsized_file)
{
    /* /proc files stat as size 0: the reader must loop to EOF, and still
     * enforce the limit while reading. */
    mz_err e = {{0}};
    char *buf = NULL;
    size_t len = 0;
    ck_assert_msg(mz_read_file("/proc/self/status", 1 << 20, &buf, &len,
                               &e) == 0, "%s", e.msg);
    ck_assert_uint_gt(len, 0);
    ck_assert_ptr_nonnull(strstr(buf, "Name:"));
    ck_assert_uint_eq(strlen(buf), len);
    free(buf);
    ck_assert_int_eq(mz_read_file("/proc/self/status", 10, &buf, &len, &e),
                     -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "larger than the limit of 10 bytes"));
}
END_TEST

START_TEST(test_read_errors)
{
    mz_err e = {{0}};
    char *buf = NULL;
    size_t len = 0;
    const char *f = P("missing.txt");
    ck_assert_int_eq(mz_read_file(f, 100, &buf, &len, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, f));
    ck_assert_ptr_null(buf);

    ck_assert_int_eq(mz_read_file(root, 100, &buf, &len, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, root));
    ck_assert_ptr_nonnull(strstr(e.msg, "directory"));
    ck_assert_ptr_null(buf);

    /* A NULL mz_err is allowed. */
    ck_assert_int_eq(mz_read_file(f, 100, &buf, &len, NULL), -1);

    if (geteuid() != 0) {
        const char *g = P("secret");
        put(g, "s");
        ck_assert_int_eq(chmod(g, 0), 0);
        ck_assert_int_eq(mz_read_file(g, 100, &buf, &len, &e), -1);
        ck_assert_ptr_nonnull(strstr(e.msg, g));
        ck_assert_ptr_null(buf);
    }
}
END_TEST

/* ---- temporaries of killed runs --------------------------------------- */

/* Set path's times (not following a link) secs seconds back. */
static void age(const char *path, int secs)
{
    struct timespec t[2];
    clock_gettime(CLOCK_REALTIME, &t[0]);
    t[0].tv_sec -= secs;
    t[1] = t[0];
    ck_assert_msg(utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW) == 0, "%s: %s", path, strerror(errno));
}

/* What a run killed outright leaves beside its output is removed by the
 * next write of that output: only its own temporaries, only unlocked ones,
 * only old ones; never a link's target, never another output's. */
START_TEST(test_stale_temporaries_swept)
{
    mz_err e = {{0}};
    put(P("keep.txt"), "precious");
    put(P(".out.jsonl.tmp.mizan.AAAAAA"), "killed run");
    age(P(".out.jsonl.tmp.mizan.AAAAAA"), 60);
    put(P(".out.jsonl.tmp.mizan.BBBBBB"), "just made");
    put(P(".out.jsonl.tmp.mizan.CCCCCC"), "a live run's");
    age(P(".out.jsonl.tmp.mizan.CCCCCC"), 60);
    int held = mz_temp_lock(P(".out.jsonl.tmp.mizan.CCCCCC"));
    ck_assert_int_ge(held, 0);
    put(P(".other.jsonl.tmp.mizan.DDDDDD"), "another output's");
    age(P(".other.jsonl.tmp.mizan.DDDDDD"), 60);
    put(P(".out.jsonl.tmp.mizan.EEEEEEE"), "not a temporary's name");
    age(P(".out.jsonl.tmp.mizan.EEEEEEE"), 60);
    put(P(".out.jsonl.tmp.backup"), "a user's own, named like a temporary of another program");
    age(P(".out.jsonl.tmp.backup"), 60);
    ck_assert_int_eq(symlink(P("keep.txt"), P(".out.jsonl.tmp.mizan.FFFFFF")), 0);
    age(P(".out.jsonl.tmp.mizan.FFFFFF"), 60);
    ck_assert_int_eq(mkdir(P(".out.jsonl.tmp.mizan.GGGGGG"), 0700), 0);
    put(P(".out.jsonl.tmp.mizan.GGGGGG/x"), "a folder of one");
    age(P(".out.jsonl.tmp.mizan.GGGGGG"), 60);

    mz_outfile o;
    ck_assert_msg(mz_outfile_open(&o, P("out.jsonl"), &e) == 0, "%s", e.msg);
    /* its own temporary is locked while it is written */
    ck_assert_int_eq(mz_temp_lock(o.tmp), -1);
    fputs("answer\n", o.f);
    ck_assert_msg(mz_outfile_commit(&o, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(get(P("out.jsonl")), "answer\n");

    ck_assert(!exists(P(".out.jsonl.tmp.mizan.AAAAAA")));
    ck_assert(!exists(P(".out.jsonl.tmp.mizan.GGGGGG")));
    ck_assert(exists(P(".out.jsonl.tmp.mizan.BBBBBB")));
    ck_assert(exists(P(".out.jsonl.tmp.mizan.CCCCCC")));
    ck_assert(exists(P(".other.jsonl.tmp.mizan.DDDDDD")));
    ck_assert(exists(P(".out.jsonl.tmp.mizan.EEEEEEE")));
    ck_assert(exists(P(".out.jsonl.tmp.backup")));
    ck_assert(exists(P(".out.jsonl.tmp.mizan.FFFFFF")));
    ck_assert_str_eq(get(P("keep.txt")), "precious");
    /* the lock goes with its descriptor: then the temporary is stale */
    close(held);
    ck_assert_msg(mz_write_file_atomic(P("out.jsonl"), "again\n", 6, &e) == 0, "%s", e.msg);
    ck_assert(!exists(P(".out.jsonl.tmp.mizan.CCCCCC")));

    /* a bundle's folder: the same, for a trainer killed mid-training */
    ck_assert_int_eq(mkdir(P(".model.tmp.mizan.HHHHHH"), 0700), 0);
    put(P(".model.tmp.mizan.HHHHHH/vocab.tsv"), "half a bundle");
    age(P(".model.tmp.mizan.HHHHHH"), 60);
    char tmp[PATH_MAX];
    ck_assert_msg(mz_mkdtemp_beside(P("model"), tmp, sizeof tmp, &e) == 0, "%s", e.msg);
    ck_assert(!exists(P(".model.tmp.mizan.HHHHHH")));
    ck_assert(exists(tmp));
    int lk = mz_temp_lock(tmp);
    ck_assert_int_ge(lk, 0);
    ck_assert_int_eq(mz_temp_lock(tmp), -1);
    close(lk);
}
END_TEST

/* A target's name may be NAME_MAX bytes long; its temporary's name holds
 * as much of it as fits (names of 238-255 bytes had no temporary, so no
 * output), and the sweep finds a killed run's under that same name. */
START_TEST(test_long_names_write)
{
    mz_err e = {{0}};
    char name[NAME_MAX + 1];
    static const size_t lens[] = {236, 237, 238, 243, 250, NAME_MAX};
    for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
        size_t len = lens[k];
        memset(name, 'n', len);
        name[len] = '\0';
        ck_assert_msg(mz_write_file_atomic(P(name), "x\n", 2, &e) == 0, "%zu: %s", len, e.msg);
        ck_assert_str_eq(get(P(name)), "x\n");
        char tmp[PATH_MAX];
        ck_assert_msg(mz_mkdtemp_beside(P(name), tmp, sizeof tmp, &e) == 0, "%zu: %s", len, e.msg);
        ck_assert_int_eq(rmdir(tmp), 0);
        unlink(P(name));
    }
    /* a killed run's temporary for a 250-byte name: swept */
    memset(name, 'n', 250);
    name[250] = '\0';
    char stale[NAME_MAX + 1];
    snprintf(stale, sizeof stale, ".%.237s.tmp.mizan.AAAAAA", name);
    put(P(stale), "killed run");
    age(P(stale), 60);
    ck_assert_msg(mz_write_file_atomic(P(name), "y\n", 2, &e) == 0, "%s", e.msg);
    ck_assert(!exists(P(stale)));
    ck_assert_int_eq(count_entries(root, ".tmp.mizan."), 0);
}
END_TEST

/* ---- directories ------------------------------------------------------ */

START_TEST(test_mkdtemp_beside)
{
    mz_err e = {{0}};
    char tmp[PATH_MAX];
    const char *fin = P("model");
    ck_assert_msg(mz_mkdtemp_beside(fin, tmp, sizeof tmp, &e) == 0, "%s",
                  e.msg);
    struct stat st;
    ck_assert_int_eq(stat(tmp, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    /* Same parent, hidden, attributable name. */
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s/.model.tmp.mizan.", root);
    ck_assert_int_eq(strncmp(tmp, prefix, strlen(prefix)), 0);
    ck_assert_uint_eq(strlen(tmp), strlen(prefix) + 6);

    /* Trailing slashes on final_dir are ignored; names are unique. */
    char tmp2[PATH_MAX], withslash[PATH_MAX];
    snprintf(withslash, sizeof withslash, "%s//", fin);
    ck_assert_int_eq(mz_mkdtemp_beside(withslash, tmp2, sizeof tmp2, &e), 0);
    ck_assert_int_eq(strncmp(tmp2, prefix, strlen(prefix)), 0);
    ck_assert_str_ne(tmp, tmp2);

    /* Too small a buffer, a missing parent, or no final component fail. */
    char small[8];
    ck_assert_int_eq(mz_mkdtemp_beside(fin, small, sizeof small, &e), -1);
    ck_assert_int_eq(mz_mkdtemp_beside(P("nope/model"), tmp2, sizeof tmp2, &e),
                     -1);
    ck_assert_ptr_nonnull(strstr(e.msg, P("nope/model")));
    ck_assert_int_eq(mz_mkdtemp_beside("/", tmp2, sizeof tmp2, &e), -1);
    ck_assert_int_eq(mz_mkdtemp_beside(P(".."), tmp2, sizeof tmp2, &e), -1);
    ck_assert_int_eq(count_entries(root, ".tmp."), 2);
}
END_TEST

/* Build a populated temp dir beside fin with one file "id" = tag. */
static void stage(const char *fin, const char *tag, char *tmp, size_t tmpsz)
{
    mz_err e = {{0}};
    char p[PATH_MAX];
    ck_assert_msg(mz_mkdtemp_beside(fin, tmp, tmpsz, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(mz_path_join(p, sizeof p, tmp, "id", &e), 0);
    put(p, tag);
}

static void check_commit_replaces(int (*commit)(const char *, const char *,
                                                mz_err *))
{
    mz_err e = {{0}};
    const char *fin = P("models");
    char tmp[PATH_MAX];

    /* First commit: final_dir does not exist yet. */
    stage(fin, "v1", tmp, sizeof tmp);
    char sub[PATH_MAX], leaf[PATH_MAX];
    ck_assert_int_eq(mz_path_join(sub, sizeof sub, tmp, "sub", &e), 0);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(mz_path_join(leaf, sizeof leaf, sub, "w", &e), 0);
    put(leaf, "weights");
    ck_assert_msg(commit(tmp, fin, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(get(P("models/id")), "v1");
    ck_assert_str_eq(get(P("models/sub/w")), "weights");
    ck_assert(!exists(tmp));

    /* Old tree with extra nested content that the new one lacks. */
    ck_assert_int_eq(mkdir(P("models/nested"), 0755), 0);
    ck_assert_int_eq(mkdir(P("models/nested/deeper"), 0755), 0);
    put(P("models/nested/deeper/stale"), "stale");
    put(P("models/only-old"), "old");

    stage(fin, "v2", tmp, sizeof tmp);
    char p[PATH_MAX];
    ck_assert_int_eq(mz_path_join(p, sizeof p, tmp, "only-new", &e), 0);
    put(p, "new");
    ck_assert_msg(commit(tmp, fin, &e) == 0, "%s", e.msg);
    ck_assert_str_eq(get(P("models/id")), "v2");
    ck_assert_str_eq(get(P("models/only-new")), "new");
    ck_assert(!exists(P("models/only-old")));
    ck_assert(!exists(P("models/nested")));
    ck_assert(!exists(P("models/sub")));
    ck_assert(!exists(tmp));
    /* Nothing left behind beside it: no temp, no old copy. */
    ck_assert_int_eq(count_entries(root, ""), 1);
}

START_TEST(test_dir_commit_replaces)
{
    check_commit_replaces(mz_dir_commit);
}
END_TEST

START_TEST(test_dir_commit_aside_replaces)
{
    check_commit_replaces(mz_dir_commit_aside);
}
END_TEST

START_TEST(test_dir_commit_refuses)
{
    mz_err e = {{0}};
    char tmp[PATH_MAX];

    /* final_dir is a regular file: refused, both sides untouched. */
    put(P("target"), "file");
    stage(P("target"), "new", tmp, sizeof tmp);
    ck_assert_int_eq(mz_dir_commit(tmp, P("target"), &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, P("target")));
    ck_assert_str_eq(get(P("target")), "file");
    ck_assert(exists(tmp));
    ck_assert_int_eq(mz_dir_commit_aside(tmp, P("target"), &e), -1);
    ck_assert_str_eq(get(P("target")), "file");

    /* tmp_dir missing: refused, existing final_dir untouched. */
    ck_assert_int_eq(mkdir(P("live"), 0755), 0);
    put(P("live/id"), "live");
    ck_assert_int_eq(mz_dir_commit(P("ghost"), P("live"), &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, P("ghost")));
    ck_assert_str_eq(get(P("live/id")), "live");
    ck_assert_int_eq(mz_dir_commit_aside(P("ghost"), P("live"), &e), -1);
    ck_assert_str_eq(get(P("live/id")), "live");

    /* final_dir is a symlink to a directory: refused, link intact. */
    ck_assert_int_eq(symlink("live", P("link")), 0);
    ck_assert_int_eq(mz_dir_commit(tmp, P("link"), &e), -1);
    ck_assert_str_eq(get(P("link/id")), "live");
    ck_assert(exists(tmp));
}
END_TEST

/* ---- mz_rm_rf --------------------------------------------------------- */

START_TEST(test_rm_rf_symlink_outside)
{
    mz_err e = {{0}};
    /* Precious data outside the tree. */
    ck_assert_int_eq(mkdir(P("outside"), 0755), 0);
    put(P("outside/precious"), "keep me");
    put(P("outside-file"), "keep me too");

    ck_assert_int_eq(mkdir(P("tree"), 0755), 0);
    ck_assert_int_eq(mkdir(P("tree/a"), 0755), 0);
    ck_assert_int_eq(mkdir(P("tree/a/b"), 0755), 0);
    ck_assert_int_eq(mkdir(P("tree/a/b/c"), 0700), 0);
    ck_assert_int_eq(mkdir(P("tree/empty"), 0755), 0);
    put(P("tree/top"), "1");
    put(P("tree/a/b/c/leaf"), "2");
    put(P("tree/a/.hidden"), "3");
    ck_assert_int_eq(symlink(P("outside"), P("tree/a/dirlink")), 0);
    ck_assert_int_eq(symlink(P("outside-file"), P("tree/a/b/filelink")), 0);
    ck_assert_int_eq(symlink("../../outside", P("tree/a/b/rellink")), 0);
    ck_assert_int_eq(symlink(P("nowhere"), P("tree/dangling")), 0);
    ck_assert_int_eq(mkfifo(P("tree/fifo"), 0600), 0);

    ck_assert_msg(mz_rm_rf(P("tree"), &e) == 0, "%s", e.msg);
    ck_assert(!exists(P("tree")));
    ck_assert_str_eq(get(P("outside/precious")), "keep me");
    ck_assert_str_eq(get(P("outside-file")), "keep me too");
    ck_assert_int_eq(count_entries(P("outside"), ""), 1);
}
END_TEST

START_TEST(test_rm_rf_top_level_kinds)
{
    mz_err e = {{0}};
    /* Missing path is not an error. */
    ck_assert_int_eq(mz_rm_rf(P("absent"), &e), 0);
    /* A plain file. */
    put(P("f"), "x");
    ck_assert_int_eq(mz_rm_rf(P("f"), &e), 0);
    ck_assert(!exists(P("f")));
    /* A symlink to a directory: only the link goes. */
    ck_assert_int_eq(mkdir(P("real"), 0755), 0);
    put(P("real/x"), "x");
    ck_assert_int_eq(symlink("real", P("ln")), 0);
    ck_assert_int_eq(mz_rm_rf(P("ln"), &e), 0);
    ck_assert(!exists(P("ln")));
    ck_assert_str_eq(get(P("real/x")), "x");
    /* Paths without a final component are refused. */
    ck_assert_int_eq(mz_rm_rf("/", &e), -1);
    ck_assert_int_eq(mz_rm_rf(P("real/.."), &e), -1);
    ck_assert_int_eq(mz_rm_rf(P("real/."), &e), -1);
    ck_assert_str_eq(get(P("real/x")), "x");
}
END_TEST

START_TEST(test_rm_rf_deep)
{
    mz_err e = {{0}};
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/deep", root);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    for (int i = 0; i < 100; i++) {
        size_t n = strlen(p);
        ck_assert_uint_lt(n + 4, sizeof p);
        strcat(p, "/d");
        ck_assert_int_eq(mkdir(p, 0755), 0);
        char f[PATH_MAX];
        ck_assert_int_eq(mz_path_join(f, sizeof f, p, "f", &e), 0);
        put(f, "x");
    }
    ck_assert_msg(mz_rm_rf(P("deep"), &e) == 0, "%s", e.msg);
    ck_assert(!exists(P("deep")));
}
END_TEST

/* ---- names ------------------------------------------------------------ */

START_TEST(test_path_join)
{
    mz_err e = {{0}};
    char out[16];
    ck_assert_int_eq(mz_path_join(out, sizeof out, "models", "svm", &e), 0);
    ck_assert_str_eq(out, "models/svm");
    ck_assert_int_eq(mz_path_join(out, sizeof out, "models/", "svm", &e), 0);
    ck_assert_str_eq(out, "models/svm");
    ck_assert_int_eq(mz_path_join(out, sizeof out, "", "svm", &e), 0);
    ck_assert_str_eq(out, "svm");
    ck_assert_int_eq(mz_path_join(out, sizeof out, "/", "etc", &e), 0);
    ck_assert_str_eq(out, "/etc");

    /* Boundary: 15 characters + NUL fit in 16, 16 do not. */
    ck_assert_int_eq(mz_path_join(out, sizeof out, "abcdefg", "hijklmn", &e),
                     0);
    ck_assert_str_eq(out, "abcdefg/hijklmn");
    strcpy(out, "untouched");
    ck_assert_int_eq(mz_path_join(out, sizeof out, "abcdefg", "hijklmno", &e),
                     -1);
    ck_assert_str_eq(out, "untouched");
    ck_assert_ptr_nonnull(strstr(e.msg, "abcdefg/hijklmno"));
    ck_assert_int_eq(mz_path_join(out, 0, "a", "b", NULL), -1);

    /* out may alias dir. */
    strcpy(out, "base");
    ck_assert_int_eq(mz_path_join(out, sizeof out, out, "leaf", &e), 0);
    ck_assert_str_eq(out, "base/leaf");
}
END_TEST

START_TEST(test_exe_dir)
{
    mz_err e = {{0}};
    char dir[PATH_MAX], exe[PATH_MAX], joined[PATH_MAX];
    ck_assert_msg(mz_exe_dir(dir, sizeof dir, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(dir[0], '/');
    struct stat st;
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));

    /* dir + basename(exe) is the executable itself. */
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = '\0';
    const char *base = strrchr(exe, '/') + 1;
    ck_assert_int_eq(mz_path_join(joined, sizeof joined, dir, base, &e), 0);
    ck_assert_str_eq(joined, exe);

    char tiny[2];
    ck_assert_int_eq(mz_exe_dir(tiny, sizeof tiny, &e), -1);

    /* the suite runs from build/<kind>/tests/, whose parent has no models
     * (the installed case is the e2e suite's): both places are named, as
     * folders and not as ways through "..". */
    char want[2 * PATH_MAX + 64];
    *strrchr(dir, '/') = '\0';
    snprintf(want, sizeof want, "no models folder: neither %s/models nor %s/share/mizan/models exists", dir, dir);
    ck_assert_int_eq(mz_models_dir(joined, sizeof joined, &e), -1);
    ck_assert_str_eq(e.msg, want);
}
END_TEST

Suite *suite_fsutil(void)
{
    Suite *s = suite_create("fsutil");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* the sanitizer build, on a loaded machine, is far slower */
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_round_trip_binary);
    tcase_add_test(tc, test_round_trip_empty_and_arabic);
    tcase_add_test(tc, test_overwrite);
    tcase_add_test(tc, test_write_keeps_mode);
    tcase_add_test(tc, test_write_failure_leaves_old);
    tcase_add_test(tc, test_write_follows_links_and_devices);
    tcase_add_test(tc, test_outfile_commit_and_abort);
    tcase_add_test(tc, test_output_checks);
    tcase_add_test(tc, test_path_within);
    tcase_add_test(tc, test_read_size_limit);
    tcase_add_test(tc, test_read_unsized_file);
    tcase_add_test(tc, test_read_errors);
    tcase_add_test(tc, test_mkdtemp_beside);
    tcase_add_test(tc, test_stale_temporaries_swept);
    tcase_add_test(tc, test_long_names_write);
    tcase_add_test(tc, test_dir_commit_replaces);
    tcase_add_test(tc, test_dir_commit_aside_replaces);
    tcase_add_test(tc, test_dir_commit_refuses);
    tcase_add_test(tc, test_rm_rf_symlink_outside);
    tcase_add_test(tc, test_rm_rf_top_level_kinds);
    tcase_add_test(tc, test_rm_rf_deep);
    tcase_add_test(tc, test_path_join);
    tcase_add_test(tc, test_exe_dir);
    suite_add_tcase(s, tc);
    return s;
}
