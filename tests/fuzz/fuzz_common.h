/* fuzz_common.h — shared pieces of the libFuzzer targets (tests/fuzz/).
 *
 * A tiny but complete stance bundle (vocabulary, two libsvm heads, stopword
 * list, target lexicon), written for the fuzzers: the bundle target loads
 * it with one file replaced by the fuzz input, the vocabulary and model
 * targets use it to exercise what a loaded bundle is used for, and the
 * document target matches its lexicon.  FUZZ_CHECK() is the oracle for
 * invariants the library promises: a violation aborts, so libFuzzer reports
 * it like a crash and keeps the input. */
#ifndef MZ_FUZZ_COMMON_H
#define MZ_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                            \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, \
                    #cond);                                                         \
            abort();                                                                \
        }                                                                           \
    } while (0)

/* FUZZ_KNOWN(cond, bug): an invariant that a known, not yet fixed bug
 * breaks.  It only aborts when MZ_FUZZ_STRICT=1 (set by tests/fuzz/run when
 * it replays tests/fuzz/known/), so routine fuzzing keeps looking for new
 * bugs instead of finding the known one again; `MZ_FUZZ_STRICT=1 make fuzz`
 * fuzzes with every check. */
static inline int fz_strict(void)
{
    static int s = -1;
    if (s < 0) {
        const char *v = getenv("MZ_FUZZ_STRICT");
        s = v && *v == '1';
    }
    return s;
}
#define FUZZ_KNOWN(cond, bug)                                                                   \
    do {                                                                                        \
        if (!(cond) && fz_strict()) {                                                           \
            fprintf(stderr, "%s:%d: invariant violated (known bug %s): %s\n", __FILE__, __LINE__, \
                    (bug), #cond);                                                              \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

/* A fixture that must work: failing here is a bug in the harness (or a
 * changed file format), reported once at start-up. */
#define FUZZ_MUST(cond, msg)                                                      \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "fuzz fixture broken: %s: %s\n", #cond, (msg));       \
            abort();                                                              \
        }                                                                         \
    } while (0)

static const char fz_vocab_tsv[] =
    "# mizan vocabulary 1\n"
    "# features 9 documents 9\n"
    "u\t1.3566749439387324\tموسك\tموسكو\n"
    "c\t1.3566749439387324\tموسك\tموسكو\n"
    "u\t1.3566749439387324\tروسي\tروسيا\n"
    "c\t1.3566749439387324\tروسي\tروسيا\n"
    "x\t1.3566749439387324\t@mention\t@mention\n"
    "x\t2.6094379124341005\t@title\t@title\n"
    "x\t1.3566749439387324\t@lead\t@lead\n"
    "b\t1.9\tموسك روسي\tموسكو روسيا\n"
    "d\t2.1\tروسي موسك\tروسيا موسكو\n";

static const char fz_presence_svm[] =
    "svm_type c_svc\n"
    "kernel_type linear\n"
    "nr_class 2\n"
    "total_sv 1\n"
    "rho 0.58178519721149913\n"
    "label 0 1\n"
    "probA -3.5744958463229288\n"
    "probB 0.034205535570631759\n"
    "nr_sv 1 0\n"
    "SV\n"
    "1 1:0.51358418 2:0.51358418 3:0.44269814 4:0.44269814 5:0.77571504 6:0.12410446 7:0.44269814 8:0.25 \n";

static const char fz_stance_svm[] =
    "svm_type c_svc\n"
    "kernel_type linear\n"
    "nr_class 3\n"
    "total_sv 3\n"
    "rho -0.091262122811031798 -0.079041596836099626 0.012220525974932173\n"
    "label 0 1 2\n"
    "probA 0.047582436463674702 -1.5 -2\n"
    "probB 0.0035082027835396947 0.1 0\n"
    "nr_sv 1 1 1\n"
    "SV\n"
    "1 1 1:0.14470192 2:0.14470192 3:-0.13705555 4:-0.13705555 5:-0.12806691 6:0.49328981 7:-0.13705555 9:0.5 \n"
    "-1 1 1:-0.090261918 2:-0.090261918 3:0.06605315 4:0.06605315 5:0.054146464 6:-0.27367023 7:0.06605315 \n"
    "-1 -1 1:-0.085334168 2:-0.085334168 3:0.069745834 4:0.069745834 5:0.060854548 6:-0.27150792 7:0.069745834 \n";

/* The stance head as an RBF model (what mizan-train --kernel rbf writes). */
static const char fz_stance_rbf_svm[] =
    "svm_type c_svc\n"
    "kernel_type rbf\n"
    "gamma 0.5\n"
    "nr_class 3\n"
    "total_sv 4\n"
    "rho -0.125 0.0625 0.25\n"
    "label 0 1 2\n"
    "probA -2.5 -1.5 -2\n"
    "probB 0.125 0.1 0\n"
    "nr_sv 2 1 1\n"
    "SV\n"
    "1 0.5 1:0.5 2:0.5 6:0.70710678118654757 \n"
    "0.75 1 3:0.25 5:0.5 9:0.25 \n"
    "-1 0.5 3:0.6 4:0.6 7:0.52915026221291817 \n"
    "-0.75 -1.5 1:0.1 2:0.1 3:0.1 4:0.1 8:0.97979589711327120 \n";

static const char fz_stopwords_txt[] =
    "# stopwords of the fuzz fixture\n"
    "في\n"
    "من\n"
    "على\n";

static const char fz_targets_json[] =
    "{\"version\": 1, \"targets\": {\"russia\": {\"forms\": [\"روسيا\", \"موسكو\", \"روسي\", \"كرملين\"], "
    "\"phrases\": [\"الاتحاد الروسي\", \"الرئيس الروسي\"], \"exclude\": [\"روسيا البيضاء\"]}, "
    "\"west\": {\"forms\": [\"واشنطن\", \"امريكا\"], \"phrases\": [\"الولايات المتحدة\"], "
    "\"exclude\": [\"الضفة الغربية\"]}}}";

/* The manifest without "pipeline" and "files": the bundle target adds the
 * pipeline options as this build writes them (mz_featopts_to_json, so the
 * fixture follows new options) and the digests of whatever it wrote. */
static const char fz_manifest_base[] =
    "{\"format\": 1, \"program\": \"mizan 0.1.0\", \"name\": \"russia\", \"kind\": \"stance\", "
    "\"target\": \"russia\", \"documents\": 9, \"heads\": [{\"name\": \"presence\", \"file\": "
    "\"presence.svm\", \"labels\": [\"present\", \"absent\"]}, {\"name\": \"stance\", \"file\": "
    "\"stance.svm\", \"labels\": [\"critical\", \"neutral\", \"favourable\"], \"thresholds\": "
    "{\"critical\": 0.25, \"favourable\": 0.125}}]}";

/* The bundle's files, in the order the bundle target numbers them. */
static const struct fz_file {
    const char *name, *data;
} fz_files[] = {
    {"vocab.tsv", fz_vocab_tsv},       {"presence.svm", fz_presence_svm}, {"stance.svm", fz_stance_svm},
    {"stopwords.txt", fz_stopwords_txt}, {"targets.json", fz_targets_json},
};
#define FZ_NFILES (sizeof fz_files / sizeof fz_files[0])

/* A short article that names the fixture's target and uses its words. */
static const char fz_article_title[] = "موسكو ترد على واشنطن";
static const char fz_article_text[] =
    "قال الرئيس الروسي إن روسيا لن تقبل الضغوط. وردت موسكو على الولايات المتحدة ببيان.\n"
    "وفي سياق آخر ارتفعت أسعار النفط في روسيا البيضاء.";

/* A private temporary directory, removed at exit (best effort). */
#include <sys/stat.h>
#include <ftw.h>
#include <unistd.h>

static char fz_tmp_root[512];

static inline int fz_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void fz_tmp_cleanup(void)
{
    if (fz_tmp_root[0]) nftw(fz_tmp_root, fz_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static inline const char *fz_tmpdir(const char *tag)
{
    if (!fz_tmp_root[0]) {
        /* TMPDIR if set, else memory-backed /dev/shm (several times more
         * executions per second than a disk for the file-based targets) */
        const char *t = getenv("TMPDIR");
        struct stat st;
        if (!t || !*t) t = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                               ? "/dev/shm"
                               : "/tmp";
        snprintf(fz_tmp_root, sizeof fz_tmp_root, "%s/mz_fuzz_%s_XXXXXX", t, tag);
        FUZZ_MUST(mkdtemp(fz_tmp_root) != NULL, fz_tmp_root);
        atexit(fz_tmp_cleanup);
    }
    return fz_tmp_root;
}

/* Replace path with a new file holding data[0..n).  A new file, not the
 * old one truncated: ext4 flushes a file truncated and rewritten when it is
 * closed, which would make every execution wait on the disk. */
#include <fcntl.h>
static inline void fz_put(const char *path, const void *data, size_t n)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    FUZZ_MUST(fd >= 0, path);
    const char *p = data;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        FUZZ_MUST(k > 0, path);
        p += k;
        n -= (size_t)k;
    }
    close(fd);
}

#endif
