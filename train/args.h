/* args.h — mizan-train's command line.
 *
 * Parsing only: every option lands in mz_train_args with its default, and
 * bad usage comes back as an error value for main() to print (exit 2). */
#ifndef MZ_TRAIN_ARGS_H
#define MZ_TRAIN_ARGS_H

#include "err.h"
#include "features.h"
#include "learn.h"
#include "corpus.h"

#define MZ_MAX_CORPORA 32
#define MZ_MAX_OPTIONS 256 /* options on one command line (values not counted) */

typedef struct mz_train_args {
    const char *corpus[MZ_MAX_CORPORA];
    int ncorpus;
    const char *train_only[MZ_MAX_CORPORA]; /* trained on, never scored */
    int ntrain_only;
    const char *lsa_corpus[MZ_MAX_CORPORA]; /* unlabelled: latent semantic features (lsa.h) */
    int nlsa;
    int lsa_dims;
    double lsa_weight;
    int lsa_binary_only; /* --lsa-heads binary: not the primary head */
    const char *out;
    const char *cv_predictions; /* JSONL: each scored record's out-of-fold answer (NULL: none) */
    const char *model;   /* evaluate */
    const char *task;    /* auto|multiclass|multilabel|stance|target */
    const char *name;
    const char *target;  /* stance: russia|west (lexicon key) */
    const char *targets; /* lexicon file */
    const char *target_field;
    const char *aux_field; /* multiclass: an auxiliary label (e.g. the outlet) */
    double aux_scale;
    const char *source_field; /* multiclass: the field naming each record's source (sourcehead.h) */
    int source_features;      /* the most frequent features copied per source */
    double source_scale;      /* weight of the plain head's scores in the second stage */
    int source_min;           /* scored records a source needs for a head of its own */
    const char *f1_labels; /* multiclass and target: "all" or L1,L2,... (NULL: none) */
    const char *stopwords;
    mz_fields fields;   /* fields.dec: opened by main from encoding */
    const char *encoding; /* --encoding of the corpora, or NULL for UTF-8 */
    mz_featopts feat;
    mz_learnopts learn;
    int class_weight_given; /* stance and target heads are balanced unless told */
    int grid;
    int stance_score; /* bundle.h mz_score_method, or -1: the best by CV ROC-AUC */
    double svr_C;     /* stance: the SVR head's C and epsilon */
    double svr_p;
    double primary_weight; /* multilabel: weight of the primary head (0: none) */
    int max_labels;        /* multilabel: labels per text at most (0: no cap) */
    int threads;
    int quiet;
    int unlabelled; /* loading --lsa-corpus texts: nothing is scored, no field is asked for */
    int evaluate;
    int json; /* evaluate: the figures as one JSON object on stdout */
    const char *predictions; /* evaluate: JSONL, each record's truth and answer (NULL: none) */
    const char *by_field;    /* the figures again per value of this field (NULL: none) */
    int argc;
    char **argv;
    const char *given[MZ_MAX_OPTIONS]; /* the options given, in order (their argv strings) */
    int ngiven;
} mz_train_args;

/* 1 when option opt (e.g. "--max-labels") was given. */
int mz_train_given(const mz_train_args *a, const char *opt);

int mz_train_args_parse(mz_train_args *a, int argc, char **argv, mz_err *e);
extern const char mz_train_usage[];

#endif
