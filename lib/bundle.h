/* bundle.h — model bundles: one directory per task, verified before use.
 *
 * A bundle holds manifest.json, the vocabulary (vocab.tsv), the stopword
 * list it was trained with (stopwords.txt), optionally the target lexicon
 * (targets.json), and one libsvm model file per head.  The manifest records
 * the format version, program version, task name and kind, labels, every
 * pipeline and solver option, corpus digests and sizes, CV metrics, the
 * command that rebuilds it, and the SHA-256 of every other file.
 *
 * Kinds:  "multiclass"  one head; the article gets one label.
 *         "multilabel"  one binary head per label plus a threshold;
 *                       optionally (manifest "primary": {"file", "weight"})
 *                       a multiclass head over the same labels, in head
 *                       order, trained on each text's primary label, and
 *                       "max_labels", the most labels a text gets (absent:
 *                       no primary head and no cap, as bundles made before
 *                       them; predict.h mz_multilabel_select).
 *         "stance"      a target's "presence" head (present/absent) and
 *                       "stance" head (critical/neutral/favourable);
 *                       optionally (manifest "svr": {"file": ...}) an
 *                       epsilon-SVR head predicting the −2..2 scale, and
 *                       "score" naming how the stance score is computed
 *                       (absent: "prob", as bundles made before the SVR).
 *         "target"      generic target stance: one multiclass head per
 *                       target, chosen by the record's target field.
 * Any kind may carry "lsa": {"file", "dims", "weight"}, a block of latent
 * semantic features (lsa.h) every article's vector gets before scoring.
 * A multiclass bundle may carry "source": {"field", "file", "values",
 * "scale"}, a second-stage head (sourcehead.h) from which each known
 * source's own head is built at load.
 * A multiclass or target head may carry "label_weights" (one positive number
 * per label): its label is then the class whose probability times weight is
 * highest (absent: the most probable, as bundles made before them).
 *
 * Loading refuses, before anything is used: a manifest that is not JSON,
 * has another format version (newer: "made by a newer mizan"), names a file
 * outside the bundle (any '/', a leading '.', a symlink, not a regular
 * file), or a file whose digest differs; then every file is validated by
 * its own strict parser.  Writing builds the bundle in a temporary sibling
 * directory and renames it over the old one (fsutil.h), so readers see the
 * old bundle or the new one, never a mixture. */
#ifndef MZ_BUNDLE_H
#define MZ_BUNDLE_H

#include <cJSON.h>
#include <stddef.h>

#include "err.h"
#include "features.h"
#include "lsa.h"
#include "svmfile.h"

#define MZ_FORMAT_VERSION 1
#define MZ_VERSION "0.1.0"

/* Bytes of a label, of a bundle's, head's or target's name and of a
 * field name the bundle keeps: the trainer refuses longer ones, so that
 * whatever it writes loads. */
#define MZ_NAME_MAX 255

typedef struct mz_head {
    char name[MZ_NAME_MAX + 1];
    char file[128];
    int nclass;
    char **labels;      /* nclass names */
    mz_linmodel lm;
    double threshold;   /* multilabel heads: P(label) cut-off */
    double tcrit, tfav; /* stance head: cut-offs of critical/favourable (0: argmax) */
    int weighted;       /* manifest "label_weights": the label is the argmax of */
    double lw[MZ_MAX_CLASSES]; /* prob × lw (predict.h mz_pick_label) */
} mz_head;

/* The stance score (predict.h mz_stance_score): P(favourable) − P(critical),
 * the SVR prediction / 2, or their mean; each clamped to [−1, 1]. */
typedef enum { MZ_SCORE_PROB, MZ_SCORE_SVR, MZ_SCORE_BLEND } mz_score_method;

/* "prob", "svr", "blend" ↔ the method; parse gives -1 for anything else. */
const char *mz_score_name(int method);
int mz_score_parse(const char *s);

typedef struct mz_bundle {
    char dir[4096];
    char name[MZ_NAME_MAX + 1];   /* output key: "topic", "frames", target name */
    char kind[32];
    char target[MZ_NAME_MAX + 1]; /* stance/target kinds */
    mz_vocab vocab;
    mz_head *heads;
    size_t nheads;
    cJSON *manifest;
    char *targets_json; /* contents of targets.json, if any */
    size_t targets_len;
    /* multiclass or target with an auxiliary head: its predicted class k switches on
     * feature aux_fid[k] (0-based) with value aux_scale */
    mz_head *aux;
    int32_t aux_fid[MZ_MAX_CLASSES];
    double aux_scale;
    /* multiclass with per-source heads (manifest "source"; sourcehead.h):
     * the record field naming an article's source, the known sources in
     * byte order and each one's head (labels shared with the plain head,
     * which answers any other source) */
    char source_field[MZ_NAME_MAX + 1];
    int nsource;
    char **source_values;
    mz_head *source_heads;
    int32_t *source_slot; /* what the heads borrow (sourcehead.h) */
    double *source_dval;
    /* stance: the SVR head (svr.nclass == 0 when the bundle has none) and
     * the score method */
    mz_linmodel svr;
    int score;
    /* multilabel: every binary head's weights side by side, feature-major
     * (ml_W[f * nheads + h]), so one pass over an article scores all heads
     * with one cache line per feature instead of one per head (NULL when
     * the heads are rbf: they are scored one by one) */
    double *ml_W;
    size_t ml_nfeat;
    /* multilabel: the primary head (primary.nclass == 0 when the bundle
     * has none), its weight in the fused primary score, the label cap
     * (0: none) */
    mz_linmodel primary;
    double primary_weight;
    int max_labels;
    /* manifest "lsa": {"file", "dims", "weight", ...}: latent semantic
     * features appended to every article's vector (lsa.h); lsa.dims is 0
     * when the bundle has none */
    mz_lsa lsa;
} mz_bundle;

/* Decision values of all binary heads of a multilabel bundle on x. */
void mz_bundle_multilabel_decision(const mz_bundle *b, const mz_sparse *x, double *dec);

int mz_bundle_load(mz_bundle *b, const char *dir, mz_err *e);
/* A stance bundle's target lexicon, parsed from its targets.json into ts
 * (freed with mz_targets_free, also on failure) and checked against the
 * bundle: its target is in it, and every cue feature of the vocabulary
 * has the cue list that makes it (without it the feature would stay 0 and
 * the answers change silently).  Whoever scores with a stance bundle
 * calls this after mz_bundle_load. */
struct mz_targets;
int mz_bundle_lexicon(const mz_bundle *b, struct mz_targets *ts, mz_err *e);
/* The index of a known source among b->source_values, or -1 (also for
 * NULL); and a target bundle's head for a record's target (never the
 * auxiliary head), or NULL.  Both names are looked for as given, then
 * composed (NFC), as training composes them. */
int mz_bundle_source(const mz_bundle *b, const char *source);
const mz_head *mz_bundle_target_head(const mz_bundle *b, const char *target);
void mz_bundle_free(mz_bundle *b);
mz_head *mz_bundle_head(mz_bundle *b, const char *name);

/* Pipeline options ↔ JSON (shared by the manifest writer and loader). */
cJSON *mz_featopts_to_json(const mz_featopts *o);
int mz_featopts_from_json(const cJSON *j, mz_featopts *o, mz_err *e);

/* Writing: files are added one by one to a temporary directory; commit
 * adds their digests to the manifest, writes it, and renames into place. */
typedef struct mz_bundle_writer {
    char final_dir[4096];
    char tmp_dir[4096];
    cJSON *files; /* name → sha256 */
    int lock;     /* holds tmp_dir's mz_temp_lock, or -1 */
} mz_bundle_writer;

/* dir is what a commit will replace whole: it may be new, an empty folder
 * or a bundle (a folder holding manifest.json), or a link to one of those;
 * anything else would be lost, so it is refused here (begin checks it
 * again), before hours of training rather than after; so is one, new
 * or not, whose parent is missing or not writable (the new bundle is
 * written beside it). */
int mz_bundle_out_check(const char *dir, mz_err *e);
/* 1 for a name mizan-train gives a file of a bundle, whether or not a
 * manifest lists it (one edited by hand, or from a run with other options). */
int mz_bundle_file_name(const char *n);
int mz_bundle_begin(mz_bundle_writer *w, const char *dir, mz_err *e);
/* The largest file a bundle may hold: loading refuses a larger one (a
 * corrupt size is refused before it is read), and writing one fails. */
#define MZ_BUNDLE_FILE_MAX (512u << 20)
int mz_bundle_add(mz_bundle_writer *w, const char *name, const void *data, size_t len, mz_err *e);
/* Takes ownership of manifest. */
int mz_bundle_commit(mz_bundle_writer *w, cJSON *manifest, mz_err *e);
void mz_bundle_abort(mz_bundle_writer *w);

/* The temporary directory being written, for signal handlers ("" if none). */
const char *mz_bundle_pending_dir(void);

#endif
