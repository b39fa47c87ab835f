/* fsutil.h — file-system helpers that never lose data.
 *
 * Training writes models and indexes that classification later trusts, so a
 * crash, a full disk or a concurrent reader must never observe a truncated
 * file or a half-populated directory.  The rule everywhere is: build the new
 * version beside the old one (same directory, hence same filesystem), make it
 * durable, then switch with a single rename.  Until that rename the old
 * version is untouched; after it the new one is complete.  On any failure the
 * temporary is removed and the old version is left exactly as it was.
 *
 * Temporaries are named ".<base>.tmp.mizan.XXXXXX" beside their target, so they are
 * hidden, attributable, and never collide (mkstemp/mkdtemp).  The run
 * writing one holds a lock on it; one that no run locks is a killed run's,
 * and the next write of the same target removes it.
 *
 * All functions follow err.h: 0 on success, -1 with a message naming the path
 * involved.  None of them follow symlinks when deleting. */
#ifndef MZ_FSUTIL_H
#define MZ_FSUTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "err.h"

/* 1 when output is an existing regular file that is also input (the same
 * file by device and inode, so links and other spellings count): replacing
 * it would lose the input. */
int mz_same_file(const char *output, const char *input);

/* 1 when path carries the immutable or append-only flag (chattr +i, +a),
 * which keeps even root from removing it; 0 otherwise, or where the
 * filesystem keeps no such flags. */
int mz_file_pinned(const char *path);

/* 1 when output would be written inside the existing folder dir (its own
 * folder is dir or below it, after links): a file there is lost when dir
 * is replaced whole, or damages what dir holds.  rel (may be NULL) then
 * receives output's path under dir, "sub/name" or "name". */
int mz_path_within(const char *output, const char *dir, char *rel, size_t reln);

/* 0 when path's folder exists and this process may create entries in it,
 * else -1 with a message naming path and the folder: for checking an
 * output before long work, not instead of checking its creation. */
int mz_parent_writable(const char *path, mz_err *e);

/* Read a whole file into a malloc'd buffer with a NUL appended (not counted in
 * *len; the data itself may contain NULs).  Refuses directories and files
 * larger than max_bytes (pass SIZE_MAX for no limit); the limit is enforced
 * while reading too, so files whose stat size lies (/proc, pipes) are safe.
 * On failure *buf is NULL and *len is 0.  The caller frees *buf. */
int mz_read_file(const char *path, size_t max_bytes, char **buf, size_t *len,
                 mz_err *e);
/* mz_read_file for a file listed in a folder as regular: anything else in
 * its place by the time it is opened (a pipe, a device) is refused, never
 * waited on. */
int mz_read_regular(const char *path, size_t max_bytes, char **buf, size_t *len, mz_err *e);

/* Replace path with data atomically: write a temporary beside it, fsync,
 * rename over path, then fsync the directory (best effort).  A reader sees
 * either the old file or the new one, never a mix.  The new file keeps the
 * permission bits of the file it replaces, else gets 0666 & ~umask.  If path
 * is a symlink, the file it names is replaced and the link kept.  A path
 * that exists and is not a regular file (/dev/null, a pipe), or lies under
 * /dev or /proc, is written in place: it cannot be renamed over. */
int mz_write_file_atomic(const char *path, const void *data, size_t len,
                         mz_err *e);

/* The same for a file written piece by piece (a classification run's
 * output): open makes the temporary, write to o->f, commit flushes, syncs
 * and renames it over path, abort removes it and leaves path as it was.
 * Links, devices and pipes as above.  The temporary being
 * written is named by mz_outfile_pending() for a SIGINT/SIGTERM handler
 * to unlink(); one at a time per process.  Commit and abort close o->f. */
typedef struct {
    FILE *f;
    const char *path; /* as given, for messages */
    char dest[4096];  /* what the rename replaces: path, or a link's file */
    char tmp[4096];   /* "" when writing in place or once committed */
    int published;  /* tmp is the one mz_outfile_pending() names */
} mz_outfile;
int mz_outfile_open(mz_outfile *o, const char *path, mz_err *e);
int mz_outfile_commit(mz_outfile *o, mz_err *e);
void mz_outfile_abort(mz_outfile *o);
const char *mz_outfile_pending(void);
/* Whether mz_outfile_open could write path, said before long work: a
 * directory is refused, and a file to be replaced by rename needs a folder
 * that takes the temporary (a link to a file elsewhere is checked when
 * opened). */
int mz_outfile_check(const char *path, mz_err *e);

/* The terminating signals a program can catch, save a profiler's (SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGUSR1/2, SIGXCPU) held
 * (delivered on release) around a step
 * that an interrupt handler must not see half done, such as creating a
 * temporary and telling the handler its name; *old is the mask to
 * restore. */
void mz_signals_hold(sigset_t *old);
void mz_signals_release(const sigset_t *old);

/* handler for those signals, each unless it is ignored (nohup): the
 * handler removes a temporary and dies by the signal. */
void mz_signals_catch(void (*handler)(int));

/* A program's first step, while it has one thread: descriptors 0-2 that
 * are closed are opened on /dev/null (read-only), so that no file opened
 * later takes one of them and gets messages or answers written into it;
 * the bits 1 << fd of those that were closed go to *closed.  Also reads
 * the umask for mz_umask and ignores SIGXFSZ, so that a write past ulimit
 * -f fails as a full disk does.  -1 if /dev/null cannot be opened. */
int mz_start(int *closed);

/* The process umask, read without changing it (safe with threads). */
mode_t mz_umask(void);

/* Create a fresh, empty, private (0700) directory beside final_dir (same
 * parent, named ".<base>.tmp.mizan.XXXXXX") and store its path in out.  final_dir
 * need not exist, but its parent must.  Fill the directory, then hand it to
 * mz_dir_commit.  On failure out is the empty string. */
int mz_mkdtemp_beside(const char *final_dir, char *out, size_t outsz,
                      mz_err *e);

/* An exclusive lock on the temporary at path (a file or a directory) for
 * as long as the returned descriptor stays open, or -1.  Creating a
 * temporary beside a target (mz_outfile_open locks its own) first removes
 * those of the same target that no run locks and that have not changed
 * for 10 seconds: a run killed outright (SIGKILL, the OOM killer) cannot
 * remove its own. */
int mz_temp_lock(const char *path);

/* Move the fully populated tmp_dir into place as final_dir.  If final_dir does
 * not exist, a plain rename.  If it does, the two are swapped atomically with
 * renameat2(RENAME_EXCHANGE) and the old tree (now at tmp_dir) is removed.
 * Where exchange is unsupported the old tree is renamed aside, the new one
 * renamed in, and the old one removed; only a crash in that narrow window can
 * leave final_dir missing, and a failed second rename is rolled back.
 * final_dir, if it exists, must be a real directory (not a symlink).
 *
 * On success tmp_dir no longer exists.  On failure final_dir is always a
 * complete tree (old or new) and anything left at tmp_dir is garbage the
 * caller may remove with mz_rm_rf: normally the untouched new tree, or, if
 * only the removal of the old tree failed, that old tree (the message says
 * "new directory is in place" in that case and names what was left). */
int mz_dir_commit(const char *tmp_dir, const char *final_dir, mz_err *e);

/* The rename-aside path of mz_dir_commit, without trying RENAME_EXCHANGE
 * first.  Exposed so tests can exercise it on filesystems that do support
 * exchange; callers should use mz_dir_commit. */
int mz_dir_commit_aside(const char *tmp_dir, const char *final_dir,
                        mz_err *e);

/* rm -rf: remove path and, if it is a directory, everything below it.
 * Symlinks are removed, never followed, so nothing outside path is touched.
 * A path that does not exist is not an error. */
int mz_rm_rf(const char *path, mz_err *e);

/* out = dir "/" name (no doubled slash when dir ends in '/'; just name when
 * dir is empty).  Fails without writing a truncated path if it would not fit
 * in outsz bytes including the NUL.  out may be the same buffer as dir. */
int mz_path_join(char *out, size_t outsz, const char *dir, const char *name,
                 mz_err *e);

/* Absolute directory containing the running executable (from
 * /proc/self/exe), without a trailing slash except for "/" itself. */
int mz_exe_dir(char *out, size_t outsz, mz_err *e);

/* The installation's models folder, absolute and without links: models/
 * beside the executable's bin/ (a built checkout), else
 * share/mizan/models under the same prefix (`make install`), the first
 * that holds the shipped stopwords-ar.txt (a PREFIX's own models/ folder
 * is no checkout's), else the first that is a folder.  Fails naming both
 * places when neither is a folder. */
int mz_models_dir(char *out, size_t outsz, mz_err *e);

/* Async-signal-safe removal of a directory holding only regular files (a
 * bundle being written); for SIGINT/SIGTERM handlers.  "" is a no-op. */
void mz_remove_flat_dir(const char *dir);

#endif
