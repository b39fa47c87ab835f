/* inputs.h — the articles of files, folders and standard input.
 *
 * A file named is one article (its bytes as UTF-8: decoded from --encoding,
 * or from UTF-16 when a byte-order mark says so); a folder is every
 * *.txt (an article) and *.jsonl (a stream, stream.h) below it, in name
 * order, hidden entries skipped and links followed, each folder and file
 * in it read once however often it is reached; standard input is one
 * article.  Each article takes an item of the batch (batch.h); one that
 * cannot be read is answered with an error, and an input that cannot be
 * read at all makes the run's exit status 2 (r->any_input_error). */
#ifndef MZ_CLASSIFY_INPUTS_H
#define MZ_CLASSIFY_INPUTS_H

#include "run.h"

/* Standard input was closed when the program started.  Found in main, and fd 0
 * taken by /dev/null: the next file opened (-o's temporary) would get fd
 * 0 and be read as the article on stdin. */
extern int mz_stdin_closed;

/* The article of the file at path.  listed: met in a folder as a regular
 * file, so never anything else */
void mz_add_file(mz_run *r, const char *path, int listed);

/* Every article below the folder dir; one with none is an input error. */
void mz_add_dir(mz_run *r, const char *dir);

/* The article on standard input: its bytes to the end, up to --max-bytes. */
void mz_add_stdin_article(mz_run *r);

/* A message about an input as a whole, on one line (mz_err_print). */
void mz_input_msg(const char *msg);

/* 1 when name ends in ext and is more than ext. */
int mz_has_ext(const char *name, const char *ext);

/* 1 when reading folder dir would read path, a file that exists or that
 * writing would create (a new one would be read by the next run).  Two
 * ways lead there: path's real place under dir's real place, and path as
 * written, whose ancestor folders are looked up by device and inode (a
 * link inside dir, which the walk follows to any folder, or dir written
 * another way: ./dir, an absolute path). */
int mz_walk_reads(const char *dir, const char *path);

#endif
