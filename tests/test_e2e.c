/* test_e2e.c — the real programs, bin/mizan-train and bin/mizan-classify,
 * run as a user runs them: train on the mini corpora (JSONL, folder, TSV),
 * classify the shipped samples and JSONL streams, byte-identical retraining,
 * per-record errors in order with exit status 1, refusal of corrupted or
 * newer bundles with exit status 2, a one-class corpus refused, and a stance
 * bundle, with its SVR head and each way of scoring.  Every test works in its own directory under $TMPDIR (else /tmp),
 * removed afterwards.  A last test reads ../shared when it exists. */
#include <check.h>
#include <cJSON.h>
#include <dirent.h>
#include <libsvm/svm.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <unicode/ucnv.h>
#include <unicode/utypes.h>

#include "corpus.h"
#include "fsutil.h"
#include "jsonout.h"
#include "testutil.h"

MZ_TEST_SCRATCH("mz_e2e", tmpdir)

MZ_TEST_SHELL(tmpdir)

static void put(const char *path, const char *data, size_t len)
{
    mz_err e = {{0}};
    ck_assert_msg(mz_write_file_atomic(path, data, len, &e) == 0, "%s", e.msg);
}


/* Train a topic bundle from `corpus` (under the repository) into T(dir). */
static void train_topic(const char *corpus, const char *dir)
{
    int rc = run("train.out", "train.err", "'%s' --corpus '%s' --cv 3 --quiet --out '%s'", TRAIN, mz_test_path(corpus),
                 T(dir));
    if (rc != 0) {
        char *err = slurp(T("train.err"), NULL);
        ck_abort_msg("mizan-train exited %d: %s", rc, err);
    }
    struct stat st;
    ck_assert_int_eq(stat(T(dir), &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
}

static const char *const labels6[] = {"culture", "economy", "internationalNews", "middleEast", "sport", "technology"};

static int is_label(const char *s)
{
    for (int i = 0; i < 6; i++)
        if (!strcmp(s, labels6[i])) return 1;
    return 0;
}

/* Check one result object's "topic" and return its label (inside obj). */
static const char *check_topic(const cJSON *obj)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "topic");
    ck_assert_msg(cJSON_IsObject(t), "no \"topic\" object");
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(t, "label");
    ck_assert(cJSON_IsString(label));
    ck_assert_msg(is_label(label->valuestring), "unknown label %s", label->valuestring);
    const cJSON *conf = cJSON_GetObjectItemCaseSensitive(t, "confidence");
    ck_assert(cJSON_IsNumber(conf));
    ck_assert(conf->valuedouble >= 0 && conf->valuedouble <= 1);
    const cJSON *scores = cJSON_GetObjectItemCaseSensitive(t, "scores");
    ck_assert(cJSON_IsObject(scores));
    ck_assert_int_eq(cJSON_GetArraySize(scores), 6);
    double sum = 0, best = -1;
    const cJSON *s;
    const char *argmax = NULL;
    cJSON_ArrayForEach(s, scores)
    {
        ck_assert(is_label(s->string));
        ck_assert(cJSON_IsNumber(s));
        ck_assert(s->valuedouble >= 0 && s->valuedouble <= 1);
        sum += s->valuedouble;
        if (s->valuedouble > best) {
            best = s->valuedouble;
            argmax = s->string;
        }
    }
    ck_assert_msg(fabs(sum - 1.0) < 0.002, "scores sum to %g", sum); /* 4 decimals each */
    ck_assert_str_eq(argmax, label->valuestring);
    ck_assert_double_eq_tol(best, conf->valuedouble, 1e-9);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(t, "evidence");
    ck_assert(cJSON_IsArray(ev));
    return label->valuestring;
}

/* Every option a program's --help names is one its parser takes: run
 * with it alone (and, for the trainer, after "evaluate" too, where
 * --json and --predictions belong), neither says it does not know it.  A
 * row left out of the trainer's option table, or a branch out of the
 * classifier's, fails here. */
static int help_options(const char *prog, char names[][40], int max)
{
    ck_assert_int_eq(run("help.out", "help.err", "%s --help", prog), 0);
    size_t len;
    char *h = slurp(T("help.out"), &len);
    int n = 0;
    for (const char *p = h; (p = strstr(p, "--")) != NULL;) {
        size_t l = 2;
        while ((p[l] >= 'a' && p[l] <= 'z') || (p[l] >= '0' && p[l] <= '9') || (p[l] >= 'A' && p[l] <= 'Z') ||
               (p[l] == '-' && ((p[l + 1] >= 'a' && p[l + 1] <= 'z') || (p[l + 1] >= 'A' && p[l + 1] <= 'Z'))))
            l++;
        int dup = l == 2 || l >= 40;
        for (int k = 0; !dup && k < n; k++) dup = strlen(names[k]) == l && !strncmp(names[k], p, l);
        if (!dup && n < max) snprintf(names[n++], 40, "%.*s", (int)l, p);
        p += l;
    }
    free(h);
    return n;
}

START_TEST(test_help_options_parsed)
{
    char names[128][40];
    int n = help_options(TRAIN, names, 128);
    ck_assert_int_ge(n, 50);
    for (int k = 0; k < n; k++) {
        int known = 0;
        for (int ev = 0; ev < 2 && !known; ev++) {
            run("o.out", "o.err", "%s %s%s", TRAIN, ev ? "evaluate " : "", names[k]);
            char *err = slurp(T("o.err"), NULL);
            known = strstr(err, "unknown option") == NULL;
            free(err);
        }
        ck_assert_msg(known, "mizan-train: %s is in --help but refused as unknown", names[k]);
    }
    n = help_options(CLASSIFY, names, 128);
    ck_assert_int_ge(n, 20);
    for (int k = 0; k < n; k++) {
        /* a value (or an input) after it, so that none is "incomplete";
         * run in the test's folder, where -o would write its file, with
         * no bundles to load: the options are read before them */
        run("o.out", "o.err", "cd '%s' && MIZAN_MODELS=none %s %s 1", T(""), CLASSIFY, names[k]);
        char *err = slurp(T("o.err"), NULL);
        ck_assert_msg(strstr(err, "unknown or incomplete option") == NULL,
                      "mizan-classify: %s is in --help but refused: %s", names[k], err);
        free(err);
    }
}
END_TEST

START_TEST(test_train_and_classify_sample)
{
    train_topic("corpora/mini/topic.jsonl", "topic");
    const char *files[] = {"manifest.json", "vocab.tsv", "model.svm", "stopwords.txt"};
    for (size_t i = 0; i < 4; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "topic/%s", files[i]);
        struct stat st;
        ck_assert_msg(stat(T(rel), &st) == 0 && st.st_size > 0, "%s missing", rel);
    }
    /* no temporary directory left beside the bundle */
    DIR *d = opendir(tmpdir);
    struct dirent *de;
    while ((de = readdir(d)))
        ck_assert_msg(strstr(de->d_name, ".tmp.") == NULL, "left behind: %s", de->d_name);
    closedir(d);

    int rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("topic"),
                 mz_test_path("corpora/samples/wire-2018-sport.txt"));
    ck_assert_int_eq(rc, 0);
    size_t len;
    char *out = slurp(T("out.json"), &len);
    ck_assert_uint_gt(len, 0);
    ck_assert_int_eq(out[len - 1], '\n');
    ck_assert_ptr_eq(strchr(out, '\n'), out + len - 1); /* exactly one line */
    cJSON *j = cJSON_Parse(out);
    ck_assert_msg(j != NULL, "not JSON: %s", out);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    ck_assert(cJSON_IsString(id));
    ck_assert_ptr_nonnull(strstr(id->valuestring, "wire-2018-sport.txt"));
    ck_assert_str_eq(check_topic(j), "sport"); /* the sample is a match report */
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "topic"), "evidence");
    ck_assert_int_eq(cJSON_GetArraySize(ev), 5); /* --explain default */
    cJSON_Delete(j);
    free(out);
}
END_TEST

START_TEST(test_every_sample_and_text_format)
{
    train_topic("corpora/mini/topic.jsonl", "topic");
    /* a folder input: every .txt, in name order, one line each */
    int rc = run("out.json", "err.txt", "'%s' --models '%s' --explain 0 -j 2 '%s'", CLASSIFY, T("topic"),
                 mz_test_path("corpora/samples"));
    ck_assert_int_eq(rc, 0);
    char *out = slurp(T("out.json"), NULL);
    const char *want[] = {"csto-kazakhstan-oped.txt", "culture-festival.txt", "nato-summit-2018.txt",
                          "wire-2018-economy.txt", "wire-2018-sport.txt", "wire-2018-tech.txt"};
    const char *topics[] = {NULL, "culture", NULL, "economy", "sport", "technology"};
    char *save = NULL;
    size_t k = 0;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
        ck_assert_uint_lt(k, 6);
        cJSON *j = cJSON_Parse(line);
        ck_assert_ptr_nonnull(j);
        ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItemCaseSensitive(j, "id")->valuestring, want[k]));
        const char *l = check_topic(j);
        if (topics[k]) ck_assert_msg(!strcmp(l, topics[k]), "%s: %s, want %s", want[k], l, topics[k]);
        ck_assert_int_eq(
            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "topic"), "evidence")),
            0);
        cJSON_Delete(j);
    }
    ck_assert_uint_eq(k, 6);
    free(out);
    /* the same article from stdin, as text */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' --models '%s' --format text < '%s' > '%s' 2>'%s'", CLASSIFY, T("topic"),
             mz_test_path("corpora/samples/wire-2018-tech.txt"), T("out.txt"), T("err.txt"));
    int st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    out = slurp(T("out.txt"), NULL);
    ck_assert_ptr_nonnull(strstr(out, "== -"));
    ck_assert_ptr_nonnull(strstr(out, "topic"));
    ck_assert_ptr_nonnull(strstr(out, "technology"));
    free(out);
}
END_TEST

/* The ids of out's answers, one per line, joined by ' ' (paths shortened
 * to what follows tmpdir). */
static void ids_of(const char *out, char *ids, size_t n)
{
    ids[0] = '\0';
    char *copy = strdup(out), *save = NULL;
    size_t tl = strlen(tmpdir);
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(line);
        ck_assert_msg(j != NULL, "not JSON: %s", line);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        ck_assert(cJSON_IsString(id));
        const char *v = id->valuestring;
        if (!strncmp(v, tmpdir, tl)) v += tl + 1;
        if (ids[0]) strncat(ids, " ", n - strlen(ids) - 1);
        strncat(ids, v, n - strlen(ids) - 1);
        cJSON_Delete(j);
    }
    free(copy);
}

/* A folder is read whole: subfolders, *.jsonl streams within, name order;
 * hidden entries, other files and -o's own file skipped; a link back to a
 * folder being read is an error, not a loop. */
START_TEST(test_folder_tree)
{
    train_topic("corpora/mini/topic.jsonl", "topic");
    char *art = slurp(mz_test_path("corpora/samples/wire-2018-sport.txt"), NULL);
    ck_assert_int_eq(mkdir(T("in"), 0755), 0);
    ck_assert_int_eq(mkdir(T("in/b"), 0755), 0);
    ck_assert_int_eq(mkdir(T("in/b/c"), 0755), 0);
    ck_assert_int_eq(mkdir(T("in/.hidden"), 0755), 0);
    put(T("in/a.txt"), art, strlen(art));
    put(T("in/b/c/deep.txt"), art, strlen(art));
    put(T("in/b/z.txt"), art, strlen(art));
    put(T("in/.hidden/h.txt"), art, strlen(art));
    put(T("in/.dot.txt"), art, strlen(art));
    put(T("in/notes.md"), art, strlen(art));
    const char feed[] = "{\"id\": \"f1\", \"text\": \"فاز المنتخب الوطني لكرة القدم على ضيفه في المباراة\"}\n"
                        "{\"id\": \"f2\", \"text\": \"أعلن البنك المركزي رفع سعر الفائدة لكبح التضخم\"}\n";
    put(T("in/b/feed.jsonl"), feed, strlen(feed));
    free(art);
    char ids[2048];
    int rc = run("out.json", "err.txt", "'%s' --models '%s' --explain 0 '%s'", CLASSIFY, T("topic"), T("in"));
    ck_assert_int_eq(rc, 0);
    char *out = slurp(T("out.json"), NULL);
    ids_of(out, ids, sizeof ids);
    ck_assert_str_eq(ids, "in/a.txt in/b/c/deep.txt f1 f2 in/b/z.txt");
    free(out);
    /* -o into the folder, under a name the folder's walk reads: refused
     * before anything is written, whether the file exists yet or not (a new
     * one would be read by the next run, and then replaced by it); a hidden
     * name is not read, and may be written over */
    rc = run("out2.json", "err.txt", "'%s' --models '%s' -o '%s' '%s'", CLASSIFY, T("topic"), T("in/b/answers.jsonl"),
             T("in"));
    ck_assert_int_eq(rc, 2);
    ck_assert_int_ne(access(T("in/b/answers.jsonl"), F_OK), 0);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "answers.jsonl: would be read as one of the inputs, in the folder") != NULL, "%s", err);
    free(err);
    put(T("in/b/answers.jsonl"), "old", 3);
    rc = run("out2.json", "err.txt", "'%s' --models '%s' -o '%s' '%s'", CLASSIFY, T("topic"), T("in/b/answers.jsonl"),
             T("in"));
    ck_assert_int_eq(rc, 2);
    char *again = slurp(T("in/b/answers.jsonl"), NULL);
    ck_assert_str_eq(again, "old");
    free(again);
    ck_assert_int_eq(unlink(T("in/b/answers.jsonl")), 0);
    for (int k = 0; k < 2; k++) {
        rc = run("out2.json", "err.txt", "'%s' --models '%s' -o '%s' '%s'", CLASSIFY, T("topic"),
                 T("in/b/.answers.jsonl"), T("in"));
        ck_assert_int_eq(rc, 0);
        out = slurp(T("in/b/.answers.jsonl"), NULL);
        ids_of(out, ids, sizeof ids);
        ck_assert_str_eq(ids, "in/a.txt in/b/c/deep.txt f1 f2 in/b/z.txt");
        free(out);
    }
    /* a link back to a folder being read: answered with an error, status 2,
     * the rest still answered */
    ck_assert_int_eq(unlink(T("in/b/.answers.jsonl")), 0);
    ck_assert_int_eq(symlink("..", T("in/b/c/up")), 0);
    rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("topic"), T("in"));
    ck_assert_int_eq(rc, 2);
    out = slurp(T("out.json"), NULL);
    ids_of(out, ids, sizeof ids);
    ck_assert_str_eq(ids, "in/a.txt in/b/c/deep.txt in/b/c/up f1 f2 in/b/z.txt");
    free(out);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "in/b/c/up: a link back to a folder being read") != NULL, "%s", err);
    free(err);
    /* a folder with nothing to read anywhere in it */
    ck_assert_int_eq(mkdir(T("none"), 0755), 0);
    ck_assert_int_eq(mkdir(T("none/sub"), 0755), 0);
    put(T("none/sub/x.md"), "x", 1);
    rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("topic"), T("none"));
    ck_assert_int_eq(rc, 2);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "no .txt or .jsonl files") != NULL, "%s", err);
    free(err);
}
END_TEST

START_TEST(test_training_is_byte_identical)
{
    const char *files[] = {"manifest.json", "vocab.tsv", "model.svm", "stopwords.txt"};
    char *first[4];
    size_t flen[4];
    train_topic("corpora/mini/topic.jsonl", "m");
    for (int i = 0; i < 4; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "m/%s", files[i]);
        first[i] = slurp(T(rel), &flen[i]);
    }
    /* the same command again, over the existing bundle */
    train_topic("corpora/mini/topic.jsonl", "m");
    for (int i = 0; i < 4; i++) {
        char rel[64];
        size_t l;
        snprintf(rel, sizeof rel, "m/%s", files[i]);
        char *again = slurp(T(rel), &l);
        ck_assert_msg(l == flen[i] && memcmp(again, first[i], l) == 0, "%s differs between two trainings", files[i]);
        free(again);
    }
    /* whatever the thread count, vocabulary and model are the same bytes */
    int rc = run("t1.out", "t1.err", "'%s' --corpus '%s' --cv 3 --quiet --threads 1 --out '%s'", TRAIN,
                 mz_test_path("corpora/mini/topic.jsonl"), T("one"));
    ck_assert_int_eq(rc, 0);
    rc = run("t4.out", "t4.err", "'%s' --corpus '%s' --cv 3 --quiet --threads 4 --out '%s'", TRAIN,
             mz_test_path("corpora/mini/topic.jsonl"), T("four"));
    ck_assert_int_eq(rc, 0);
    for (int i = 1; i < 3; i++) {
        char a[64], b[64];
        size_t la, lb;
        snprintf(a, sizeof a, "one/%s", files[i]);
        snprintf(b, sizeof b, "four/%s", files[i]);
        char *x = slurp(T(a), &la), *y = slurp(T(b), &lb);
        ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s depends on --threads", files[i]);
        ck_assert_msg(la == flen[i] && memcmp(x, first[i], la) == 0, "%s differs from the default run", files[i]);
        free(x);
        free(y);
    }
    for (int i = 0; i < 4; i++) free(first[i]);
    /* the manifest records what was trained */
    char *m = slurp(T("m/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "format")->valueint, 1);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "kind")->valuestring, "multiclass");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "documents")->valueint, 36);
    const cJSON *files_j = cJSON_GetObjectItemCaseSensitive(j, "files");
    ck_assert_int_eq(cJSON_GetArraySize(files_j), 3);
    ck_assert_int_eq(strlen(cJSON_GetObjectItemCaseSensitive(files_j, "model.svm")->valuestring), 64);
    cJSON_Delete(j);
    free(m);
}
END_TEST

START_TEST(test_jsonl_bad_line_in_order)
{
    train_topic("corpora/mini/topic.jsonl", "m");
    const char *in = "{\"id\": \"a\", \"text\": \"انتهت مباراة كرة القدم بفوز الفريق بهدفين في الدوري\"}\n"
                     "{\"id\": \"b\", \"text\": }\n"
                     "{\"id\": \"c\", \"text\": \"ارتفعت أسعار النفط وتراجع التضخم في البورصة\"}\n";
    put(T("in.jsonl"), in, strlen(in));
    int rc = run("out.jsonl", "err.txt", "'%s' --models '%s' --jsonl '%s'", CLASSIFY, T("m"), T("in.jsonl"));
    ck_assert_int_eq(rc, 1);
    char *out = slurp(T("out.jsonl"), NULL);
    char *save = NULL;
    int k = 0;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
        cJSON *j = cJSON_Parse(line);
        ck_assert_msg(j != NULL, "line %d is not JSON: %s", k + 1, line);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
        if (k == 1) {
            ck_assert_msg(cJSON_IsString(err), "line 2 should be the error record: %s", line);
            ck_assert_ptr_nonnull(strstr(err->valuestring, "in.jsonl:2:"));
            ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(j, "topic"));
        } else {
            ck_assert_ptr_null(err);
            ck_assert_str_eq(id->valuestring, k == 0 ? "a" : "c");
            const char *l = check_topic(j);
            ck_assert_str_eq(l, k == 0 ? "sport" : "economy");
        }
        cJSON_Delete(j);
    }
    ck_assert_int_eq(k, 3);
    free(out);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_ptr_nonnull(strstr(err, "in.jsonl:2:"));
    free(err);

    /* record-level errors keep the id when the line is JSON */
    in = "{\"id\": \"x\", \"text\": \"\"}\n"
         "{\"id\": \"y\", \"text\": \"فاز الفريق في المباراة\"}\n"
         "{\"text\": \"بلا معرف\"}\n"
         "{\"id\": \"z\", \"text\": \"!!! ... ???\"}\n"
         /* stopwords only, then words no training text had: an answer
          * would be the heads' bias alone */
         "{\"id\": \"s\", \"text\": \"في من على إلى عن مع هذا التي.\"}\n"
         "{\"id\": \"u\", \"text\": \"زقطبون فلنكشات\"}\n";
    put(T("in2.jsonl"), in, strlen(in));
    rc = run("out2.jsonl", "err2.txt", "'%s' --models '%s' --jsonl '%s'", CLASSIFY, T("m"), T("in2.jsonl"));
    ck_assert_int_eq(rc, 1);
    out = slurp(T("out2.jsonl"), NULL);
    save = NULL;
    k = 0;
    const char *ids[] = {"x", "y", NULL, "z", "s", "u"};
    const int bad[] = {1, 0, 1, 1, 1, 1};
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
        cJSON *j = cJSON_Parse(line);
        ck_assert_ptr_nonnull(j);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        if (ids[k]) ck_assert_str_eq(id->valuestring, ids[k]);
        else ck_assert(cJSON_IsNull(id));
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "error");
        ck_assert_msg((msg != NULL) == bad[k], "line %d: %s", k + 1, line);
        /* each error, whatever found it (reader, parser or engine), names
         * the file and line, in the answer and on stderr */
        char where[64];
        snprintf(where, sizeof where, "in2.jsonl:%d: ", k + 1);
        if (msg) ck_assert_msg(strstr(msg->valuestring, where) != NULL, "line %d: %s", k + 1, line);
        cJSON_Delete(j);
    }
    ck_assert_int_eq(k, 6);
    free(out);
    err = slurp(T("err2.txt"), NULL);
    int nl = 0;
    for (const char *c = err; *c; c++) nl += *c == '\n';
    ck_assert_int_eq(nl, 5);
    ck_assert_ptr_nonnull(strstr(err, "in2.jsonl:5: no word of the text is one the models know"));
    ck_assert_ptr_nonnull(strstr(err, "in2.jsonl:6: no word of the text is one the models know"));
    ck_assert_ptr_nonnull(strstr(err, "in2.jsonl:1: "));
    ck_assert_ptr_nonnull(strstr(err, "in2.jsonl:3: "));
    ck_assert_ptr_nonnull(strstr(err, "in2.jsonl:4: text has no words"));
    free(err);
}
END_TEST

/* Numbers in a record come back as written: 2^53 and 2^53 + 1 are two
 * ids (as doubles they were one, and the second a duplicate), a numeric id
 * is a number in the answer (an error record's too), so a feed joins back
 * on it by type, and a kept field keeps its digits; JSON that cJSON alone
 * would take is refused. */
START_TEST(test_numbers_as_written)
{
    train_topic("corpora/mini/topic.jsonl", "m");
    const char *art = "انتهت مباراة كرة القدم بفوز الفريق بهدفين في الدوري";
    char in[2048];
    snprintf(in, sizeof in,
             "{\"id\": 9007199254740992, \"text\": \"%s\", \"n\": 12345678901234567890}\n"
             "{\"id\": 9007199254740993, \"text\": \"%s\", \"n\": 2.50}\n"
             "{\"id\": 0.1, \"text\": \"%s\", \"n\": -1E+3}\n"
             "{\"id\": \"x4\", \"text\": \"%s\", \"n\": 01}\n"
             "{\"id\": 77, \"text\": \"\", \"n\": 3}\n",
             art, art, art, art);
    put(T("nums.jsonl"), in, strlen(in));
    int rc = run("out.jsonl", "err.txt", "'%s' --models '%s' --keep n --explain 0 --jsonl '%s'", CLASSIFY, T("m"),
                 T("nums.jsonl"));
    ck_assert_int_eq(rc, 1);
    char *out = slurp(T("out.jsonl"), NULL);
    const char *want[] = {"{\"id\": 9007199254740992, \"n\": 12345678901234567890, \"topic\"",
                          "{\"id\": 9007199254740993, \"n\": 2.50, \"topic\"",
                          "{\"id\": 0.1, \"n\": -1E+3, \"topic\"", "{\"id\": \"x4\", \"n\": ",
                          "{\"id\": 77, \"n\": 3, \"error\": "};
    char *save = NULL;
    int k = 0;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++) {
        ck_assert_int_lt(k, 5);
        ck_assert_msg(!strncmp(line, want[k], strlen(want[k])), "line %d: %s", k + 1, line);
        cJSON *j = cJSON_Parse(line);
        ck_assert_msg(j != NULL, "line %d is not JSON: %s", k + 1, line);
        cJSON_Delete(j);
    }
    ck_assert_int_eq(k, 5);
    free(out);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "nums.jsonl:4: malformed JSON near byte") && !strstr(err, "duplicate"), "%s", err);
    free(err);
}
END_TEST

START_TEST(test_corrupted_model_refused)
{
    train_topic("corpora/mini/topic.jsonl", "m");
    size_t len;
    char *svm = slurp(T("m/model.svm"), &len);
    svm[len / 2] ^= 0x01; /* flip one bit in the middle */
    put(T("m/model.svm"), svm, len);
    free(svm);
    int rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("m"),
                 mz_test_path("corpora/samples/wire-2018-sport.txt"));
    ck_assert_int_eq(rc, 2);
    size_t ol;
    char *out = slurp(T("out.json"), &ol);
    ck_assert_uint_eq(ol, 0); /* nothing classified with a bad model */
    free(out);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "SHA-256") != NULL, "stderr: %s", err);
    ck_assert_ptr_nonnull(strstr(err, "model.svm"));
    free(err);

    /* a vocabulary edited by hand is refused the same way */
    train_topic("corpora/mini/topic.jsonl", "m2");
    char *voc = slurp(T("m2/vocab.tsv"), &len);
    put(T("m2/vocab.tsv"), voc, len - 1); /* truncated */
    free(voc);
    rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("m2"),
             mz_test_path("corpora/samples/wire-2018-sport.txt"));
    ck_assert_int_eq(rc, 2);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "SHA-256") != NULL, "stderr: %s", err);
    free(err);
    /* and a missing file */
    ck_assert_int_eq(remove(T("m2/stopwords.txt")), 0);
    rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("m2"),
             mz_test_path("corpora/samples/wire-2018-sport.txt"));
    ck_assert_int_eq(rc, 2);
}
END_TEST

START_TEST(test_newer_format_refused)
{
    train_topic("corpora/mini/topic.jsonl", "m");
    char *text = slurp(T("m/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "format", cJSON_CreateNumber(99));
    text = cJSON_Print(j);
    cJSON_Delete(j);
    put(T("m/manifest.json"), text, strlen(text));
    free(text);
    int rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("m"),
                 mz_test_path("corpora/samples/wire-2018-sport.txt"));
    ck_assert_int_eq(rc, 2);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "newer") != NULL, "stderr: %s", err);
    ck_assert_ptr_nonnull(strstr(err, "99"));
    free(err);
    /* a manifest that is not JSON */
    put(T("m/manifest.json"), "{\"format\": 1,", 13);
    rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("m"),
             mz_test_path("corpora/samples/wire-2018-sport.txt"));
    ck_assert_int_eq(rc, 2);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "manifest") != NULL, "stderr: %s", err);
    free(err);
    /* no models at all */
    rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("nowhere"),
             mz_test_path("corpora/samples/wire-2018-sport.txt"));
    ck_assert_int_eq(rc, 2);
    err = slurp(T("err.txt"), NULL);
    ck_assert_ptr_nonnull(strstr(err, "nowhere"));
    free(err);
}
END_TEST

START_TEST(test_one_class_corpus_refused)
{
    const char *in = "{\"id\": \"1\", \"text\": \"مباراة كرة قدم\", \"label\": \"sport\"}\n"
                     "{\"id\": \"2\", \"text\": \"هدف في الدقيقة الأخيرة\", \"label\": \"sport\"}\n"
                     "{\"id\": \"3\", \"text\": \"المدرب يعلن التشكيلة\", \"label\": \"sport\"}\n";
    put(T("one.jsonl"), in, strlen(in));
    int rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --cv 3 --quiet --out '%s'", TRAIN, T("one.jsonl"), T("m"));
    ck_assert_int_ne(rc, 0);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "one class") != NULL, "stderr: %s", err);
    ck_assert_ptr_nonnull(strstr(err, "sport"));
    free(err);
    /* nothing written, no temporary left */
    struct stat st;
    ck_assert_int_ne(stat(T("m"), &st), 0);
    DIR *d = opendir(tmpdir);
    struct dirent *de;
    while ((de = readdir(d))) ck_assert_msg(strstr(de->d_name, ".tmp.") == NULL, "left behind: %s", de->d_name);
    closedir(d);
    /* a corpus error names file and line, and fails the same way */
    in = "{\"id\": \"1\", \"text\": \"نص\", \"label\": \"a\"}\n{\"id\": \"2\", \"label\": \"b\"}\n";
    put(T("bad.jsonl"), in, strlen(in));
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --quiet --out '%s'", TRAIN, T("bad.jsonl"), T("m"));
    ck_assert_int_ne(rc, 0);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "bad.jsonl:2:") != NULL, "stderr: %s", err);
    free(err);
    ck_assert_int_ne(stat(T("m"), &st), 0);
    /* usage errors */
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --quiet", TRAIN, T("bad.jsonl"));
    ck_assert_int_ne(rc, 0);
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --out '%s' --cv 1", TRAIN, T("bad.jsonl"), T("y"));
    ck_assert_int_ne(rc, 0);
    ck_assert_int_ne(stat(T("y"), &st), 0);
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --out '%s' --no-such-option", TRAIN, T("bad.jsonl"), T("y"));
    ck_assert_int_ne(rc, 0);
}
END_TEST

static double held_out_accuracy(const char *model_rel, const char *jsonl_rel, int *n_out)
{
    int rc = run("out.jsonl", "err.txt", "'%s' --models '%s' --jsonl --explain 0 '%s'", CLASSIFY, T(model_rel),
                 mz_test_path(jsonl_rel));
    /* 1: a text none of whose words a model of a few texts knows is
     * answered with an error, and counts as wrong */
    ck_assert_msg(rc == 0 || rc == 1, "exit %d", rc);
    char *out = slurp(T("out.jsonl"), NULL);
    char *save = NULL;
    int n = 0, right = 0;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(line);
        ck_assert_ptr_nonnull(j);
        const char *id = cJSON_GetObjectItemCaseSensitive(j, "id")->valuestring;
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
        if (err) {
            ck_assert_msg(strstr(err->valuestring, "no word of the text is one the models know"), "%s", line);
            n++;
            cJSON_Delete(j);
            continue;
        }
        const char *l = check_topic(j);
        char want[64];
        snprintf(want, sizeof want, "topic-%s-", l);
        right += strncmp(id, want, strlen(want)) == 0;
        n++;
        cJSON_Delete(j);
    }
    free(out);
    *n_out = n;
    return n ? (double)right / n : 0;
}

START_TEST(test_folder_and_tsv_corpus_training)
{
    /* folder corpus: labels are the folder names */
    train_topic("corpora/mini/topic", "fold");
    char *m = slurp(T("fold/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    ck_assert_ptr_nonnull(j);
    const cJSON *heads = cJSON_GetObjectItemCaseSensitive(j, "heads");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(heads, 0), "labels");
    ck_assert_int_eq(cJSON_GetArraySize(labels), 6);
    for (int i = 0; i < 6; i++) ck_assert_str_eq(cJSON_GetArrayItem(labels, i)->valuestring, labels6[i]);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "documents")->valueint, 24);
    /* the folder has a digest, as a file has: over every article's name and bytes */
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "corpora"), 0);
    const cJSON *dg = cJSON_GetObjectItemCaseSensitive(c0, "sha256");
    ck_assert_msg(cJSON_IsString(dg) && strlen(dg->valuestring) == 64, "no digest for a folder corpus");
    char digest[65];
    snprintf(digest, sizeof digest, "%s", dg->valuestring);
    ck_assert_int_eq(run("size", "e.txt", "(cat '%s'/*/*.txt | wc -c)", mz_test_path("corpora/mini/topic")), 0);
    char *size = slurp(T("size"), NULL);
    ck_assert_int_eq((long long)cJSON_GetObjectItemCaseSensitive(c0, "bytes")->valuedouble, atoll(size));
    free(size);
    cJSON_Delete(j);
    free(m);
    const char *change[] = {"true",                                     /* a copy: the same digest */
                            "printf ' ' >> '%s/sport/01.txt'",          /* an edited article */
                            "mv '%s/sport/01.txt' '%s/sport/99.txt'",   /* a renamed one */
                            "mv '%s/sport/01.txt' '%s/economy/99.txt'", /* a moved one */
                            "rm '%s/sport/01.txt'"};                    /* one fewer */
    for (size_t k = 0; k < sizeof change / sizeof *change; k++) {
        char cmd[1024], copy[600];
        snprintf(copy, sizeof copy, "%s", T("foldcopy"));
        snprintf(cmd, sizeof cmd, change[k], copy, copy);
        ck_assert_int_eq(run("o.txt", "e.txt", "rm -rf '%s' && cp -r '%s' '%s' && (%s)", copy,
                             mz_test_path("corpora/mini/topic"), copy, cmd), 0);
        ck_assert_int_eq(run("o.txt", "e.txt", "'%s' --corpus '%s' --out '%s' --quiet", TRAIN, copy, T("foldcopy-model")),
                         0);
        char *mc = slurp(T("foldcopy-model/manifest.json"), NULL);
        cJSON *jc = cJSON_Parse(mc);
        const char *d2 = cJSON_GetObjectItemCaseSensitive(
                             cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(jc, "corpora"), 0), "sha256")
                             ->valuestring;
        ck_assert_msg((strcmp(d2, digest) == 0) == (k == 0), "change %zu: digest %s, the original's %s", k, d2, digest);
        cJSON_Delete(jc);
        free(mc);
    }
    /* trained on 24 texts, tested on 36 others: far better than chance (1/6) */
    int n = 0;
    double acc = held_out_accuracy("fold", "corpora/mini/topic.jsonl", &n);
    ck_assert_int_eq(n, 36);
    ck_assert_msg(acc >= 0.5, "held-out accuracy %.3f", acc);
    /* the TSV holds the same texts: the same vocabulary */
    train_topic("corpora/mini/topic.tsv", "tsv");
    size_t la, lb;
    char *a = slurp(T("fold/vocab.tsv"), &la), *b = slurp(T("tsv/vocab.tsv"), &lb);
    ck_assert_msg(la == lb && memcmp(a, b, la) == 0, "folder and TSV corpora gave different vocabularies");
    free(a);
    free(b);
    acc = held_out_accuracy("tsv", "corpora/mini/topic.jsonl", &n);
    ck_assert_msg(acc >= 0.5, "held-out accuracy %.3f", acc);
}
END_TEST

START_TEST(test_stance_bundle)
{
    ck_assert_int_eq(mkdir(T("models"), 0700), 0);
    int rc = run("train.out", "train.err",
                 "'%s' --corpus '%s' --task stance --target russia --label-field russia --cv 3 --quiet --out '%s'", TRAIN,
                 mz_test_path("corpora/mini/stance.jsonl"), T("models/russia"));
    if (rc != 0) {
        char *err = slurp(T("train.err"), NULL);
        ck_abort_msg("stance training exited %d: %s", rc, err);
    }
    train_topic("corpora/mini/topic.jsonl", "models/topic");
    rc = run("out.jsonl", "err.txt", "'%s' --models '%s' '%s' '%s'", CLASSIFY, T("models"),
             mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"),
             mz_test_path("corpora/samples/wire-2018-sport.txt"));
    ck_assert_int_eq(rc, 0);
    char *out = slurp(T("out.jsonl"), NULL);
    char *nl = strchr(out, '\n');
    ck_assert_ptr_nonnull(nl);
    *nl = 0;
    /* the op-ed is about Russia and hostile to it */
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    check_topic(j);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "stance"), "russia");
    ck_assert_msg(cJSON_IsObject(r), "no stance.russia in %s", out);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "present")));
    ck_assert_int_gt(cJSON_GetObjectItemCaseSensitive(r, "mentions")->valueint, 0);
    const cJSON *score = cJSON_GetObjectItemCaseSensitive(r, "score");
    ck_assert(score->valuedouble >= -1 && score->valuedouble < 0);
    const cJSON *sents = cJSON_GetObjectItemCaseSensitive(r, "sentences");
    ck_assert_int_gt(cJSON_GetArraySize(sents), 0);
    /* shown sentences are original text (hamza, diacritics kept) */
    int found_moscow = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, sents) found_moscow |= strstr(s->valuestring, "موسكو") != NULL;
    ck_assert(found_moscow);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(r, "evidence");
    ck_assert_int_gt(cJSON_GetArraySize(ev), 0);
    cJSON_ArrayForEach(s, ev)
    {
        ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s, "term")));
        ck_assert(cJSON_GetObjectItemCaseSensitive(s, "weight")->valuedouble <= 0); /* towards critical */
    }
    /* Regression test for a fixed bug: classify/engine.c stance_out() via
     * lib/predict.c mz_head_evidence() lists one word twice when both its
     * article unigram ('u') and its context unigram ('c') feature push the
     * same way: both have the same surface form, e.g. "الكرملين" twice in the
     * evidence of this op-ed.  Expected: each term once (merge, or drop the
     * weaker).  */
    for (int a = 0; a < cJSON_GetArraySize(ev); a++)
        for (int b = a + 1; b < cJSON_GetArraySize(ev); b++)
            ck_assert_str_ne(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ev, a), "term")->valuestring,
                             cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ev, b), "term")->valuestring);
    cJSON_Delete(j);
    /* the match report names Russia only inside «مونديال روسيا»: absent */
    j = cJSON_Parse(nl + 1);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(check_topic(j), "sport");
    r = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "stance"), "russia");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "present")));
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(r, "mentions")->valueint, 0);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "label")));
    cJSON_Delete(j);
    free(out);
}
END_TEST

/* stance.<target>.evidence of a sample with a shipped stance bundle and
 * --explain k, as a JSON array (caller frees *root). */
static const cJSON *sample_evidence(const char *bundle, const char *target, const char *sample, int k, cJSON **root)
{
    int rc = run("ev.json", "ev.err", "'%s' --models '%s' --explain %d '%s'", CLASSIFY, mz_test_path(bundle), k,
                 mz_test_path(sample));
    char *out = slurp(T("ev.json"), NULL);
    ck_assert_msg(rc == 0, "classify exited %d: %s", rc, out);
    *root = cJSON_Parse(out);
    free(out);
    ck_assert_ptr_nonnull(*root);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(*root, "stance"), target), "evidence");
    ck_assert(cJSON_IsArray(ev));
    return ev;
}

/* A word in a target's sentences is two features (article and context)
 * that print as one term: its weight is their sum, and the k terms shown
 * are the k strongest sums.  So --explain k shows the first k terms of a
 * longer list, with the same weights, whatever k; adding up only the
 * parts that happened to be among the k kept so far did not. */
START_TEST(test_stance_evidence_is_exact_for_any_k)
{
    const char *cases[][3] = {
        {"models/stance-russia", "russia", "corpora/samples/csto-kazakhstan-oped.txt"},
        {"models/stance-west", "west", "corpora/samples/nato-summit-2018.txt"},
        {"models/stance-russia", "russia", "corpora/samples/nato-summit-2018.txt"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        cJSON *all_root;
        const cJSON *all = sample_evidence(cases[c][0], cases[c][1], cases[c][2], 64, &all_root);
        int nall = cJSON_GetArraySize(all);
        ck_assert_int_ge(nall, 8);
        for (int k = 1; k <= 8; k++) {
            cJSON *root;
            const cJSON *ev = sample_evidence(cases[c][0], cases[c][1], cases[c][2], k, &root);
            ck_assert_int_eq(cJSON_GetArraySize(ev), k);
            for (int i = 0; i < k; i++) {
                const cJSON *a = cJSON_GetArrayItem(ev, i), *b = cJSON_GetArrayItem(all, i);
                ck_assert_msg(!strcmp(cJSON_GetObjectItemCaseSensitive(a, "term")->valuestring,
                                      cJSON_GetObjectItemCaseSensitive(b, "term")->valuestring),
                              "%s, %s: term %d of %d differs from the longer list's", cases[c][2], cases[c][1], i,
                              k);
                ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(a, "weight")->valuedouble,
                                    cJSON_GetObjectItemCaseSensitive(b, "weight")->valuedouble);
            }
            cJSON_Delete(root);
        }
        cJSON_Delete(all_root);
    }
}
END_TEST

/* A stance head's evidence keeps a per-thread table of the context
 * features it saw (by surface id) and clears it after each article: one
 * thread answering the articles in turn must give each the evidence it
 * gets alone, or a word of an earlier article would add its push to a
 * later one's. */
START_TEST(test_stance_evidence_does_not_leak_between_articles)
{
    const char *samples[] = {"corpora/samples/csto-kazakhstan-oped.txt", "corpora/samples/nato-summit-2018.txt",
                             "corpora/samples/wire-2018-economy.txt"};
    const char *targets[] = {"russia", "west"};
    int rc = run("seq.json", "seq.err", "'%s' --models '%s' --models '%s' --explain 64 -j 1 '%s' '%s' '%s' '%s'",
                 CLASSIFY, mz_test_path("models/stance-russia"), mz_test_path("models/stance-west"),
                 mz_test_path(samples[0]), mz_test_path(samples[1]), mz_test_path(samples[2]),
                 mz_test_path(samples[0]));
    char *out = slurp(T("seq.json"), NULL);
    ck_assert_msg(rc == 0, "classify exited %d: %s", rc, out);
    char *line = out;
    int compared = 0;
    for (int a = 0; a < 4; a++) {
        char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        *nl = 0;
        cJSON *seq = cJSON_Parse(line);
        ck_assert_ptr_nonnull(seq);
        for (int t = 0; t < 2; t++) {
            const char *bundle = t ? "models/stance-west" : "models/stance-russia";
            cJSON *alone_root;
            const cJSON *alone = sample_evidence(bundle, targets[t], samples[a % 3], 64, &alone_root);
            const cJSON *ev = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(seq, "stance"), targets[t]),
                "evidence");
            char *x = cJSON_PrintUnformatted(ev), *y = cJSON_PrintUnformatted(alone);
            ck_assert_msg(!strcmp(x, y), "%s, %s: evidence after other articles differs from alone", samples[a % 3],
                          targets[t]);
            compared += cJSON_GetArraySize(alone) > 0;
            free(x);
            free(y);
            cJSON_Delete(alone_root);
        }
        cJSON_Delete(seq);
        line = nl + 1;
    }
    ck_assert_int_ge(compared, 4); /* the op-ed names Russia, the summit both */
    free(out);
}
END_TEST

/* Train the mini stance corpus into T(dir) with extra options. */
static void train_stance(const char *dir, const char *opts)
{
    int rc = run("train.out", "train.err",
                 "'%s' --corpus '%s' --task stance --target russia --cv 3 --quiet --out '%s' %s", TRAIN,
                 mz_test_path("corpora/mini/stance.jsonl"), T(dir), opts);
    if (rc != 0) {
        char *err = slurp(T("train.err"), NULL);
        ck_abort_msg("stance training exited %d: %s", rc, err);
    }
}

/* stance.russia of the op-ed, classified with the bundle in T(dir). */
static cJSON *oped_russia(const char *dir, cJSON **root)
{
    int rc = run("out.jsonl", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T(dir),
                 mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
    char *out = slurp(T("out.jsonl"), NULL);
    ck_assert_msg(rc == 0, "classify exited %d: %s", rc, out);
    *root = cJSON_Parse(out);
    free(out);
    ck_assert_ptr_nonnull(*root);
    cJSON *r = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(*root, "stance"), "russia");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "present")));
    return r;
}

static double num_at(const cJSON *o, const char *k1, const char *k2)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k1);
    if (k2) x = cJSON_GetObjectItemCaseSensitive(x, k2);
    ck_assert_msg(cJSON_IsNumber(x), "no number at %s%s%s", k1, k2 ? "." : "", k2 ? k2 : "");
    return x->valuedouble;
}

/* Rewrite T(dir)/manifest.json through edit(). */
static void edit_manifest(const char *dir, void (*edit)(cJSON *))
{
    char rel[256];
    snprintf(rel, sizeof rel, "%s/manifest.json", dir);
    char *t = slurp(T(rel), NULL);
    cJSON *m = cJSON_Parse(t);
    free(t);
    ck_assert_ptr_nonnull(m);
    edit(m);
    t = cJSON_Print(m);
    put(T(rel), t, strlen(t));
    free(t);
    cJSON_Delete(m);
}

/* A bundle as mizan wrote it before the SVR head existed. */
static void drop_svr(cJSON *m)
{
    cJSON_DeleteItemFromObjectCaseSensitive(m, "score");
    cJSON_DeleteItemFromObjectCaseSensitive(m, "svr");
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "files"), "svr.svm");
}

static void score_svr_without_head(cJSON *m)
{
    drop_svr(m);
    cJSON_AddStringToObject(m, "score", "svr");
}

static void svr_names_classifier(cJSON *m)
{
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "svr"), "file",
                                           cJSON_CreateString("stance.svm"));
}

static void score_unknown(cJSON *m) { cJSON_ReplaceItemInObjectCaseSensitive(m, "score", cJSON_CreateString("mean")); }

static double clamp1(double v) { return v < -1 ? -1 : v > 1 ? 1 : v; }

START_TEST(test_stance_svr_score)
{
    ck_assert_int_eq(mkdir(T("b"), 0700), 0);
    train_stance("b/russia", "--stance-score blend");
    /* the manifest names the score, the SVR file and its digest, and the
     * CV figures of every score */
    char *t = slurp(T("b/russia/manifest.json"), NULL);
    cJSON *m = cJSON_Parse(t);
    free(t);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(m, "score")->valuestring, "blend");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "svr"), "file")->valuestring,
                     "svr.svm");
    ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "files"), "svr.svm")));
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "cv"), "stance");
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(cs, "critical_roc_auc_by_score");
    ck_assert_int_eq(cJSON_GetArraySize(by), 3);
    ck_assert_double_eq(num_at(cs, "critical_roc_auc", NULL), num_at(by, "blend", NULL));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cs, "score_chosen_by")->valuestring, "option");
    ck_assert(num_at(cs, "svr_mae", NULL) >= 0);
    cJSON_Delete(m);
    char *svr = slurp(T("b/russia/svr.svm"), NULL);
    ck_assert_msg(strncmp(svr, "svm_type epsilon_svr\n", 21) == 0, "%s", svr);

    /* the same command again: the same bytes, SVR head included */
    const char *files[] = {"manifest.json", "svr.svm", "stance.svm", "presence.svm", "vocab.tsv"};
    char *before[5];
    size_t blen[5];
    for (int i = 0; i < 5; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "b/russia/%s", files[i]);
        before[i] = slurp(T(rel), &blen[i]);
    }
    train_stance("b/russia", "--stance-score blend");
    for (int i = 0; i < 5; i++) {
        char rel[64];
        size_t l;
        snprintf(rel, sizeof rel, "b/russia/%s", files[i]);
        char *again = slurp(T(rel), &l);
        ck_assert_msg(l == blen[i] && memcmp(again, before[i], l) == 0, "%s differs between two trainings", files[i]);
        free(again);
        free(before[i]);
    }

    /* classification gives the blend of the two scores it shows */
    cJSON *root;
    cJSON *r = oped_russia("b", &root);
    double fav = num_at(r, "scores", "favourable"), crit = num_at(r, "scores", "critical");
    double sv = num_at(r, "svr", NULL), score = num_at(r, "score", NULL);
    ck_assert_msg(fabs(score - (clamp1(fav - crit) + clamp1(sv / 2)) / 2) < 3e-4, "blend %g from %g %g %g", score,
                  fav, crit, sv);
    cJSON_Delete(root);

    /* --stance-score svr: half the SVR's prediction */
    train_stance("b/russia", "--stance-score svr");
    r = oped_russia("b", &root);
    ck_assert_double_eq_tol(num_at(r, "score", NULL), clamp1(num_at(r, "svr", NULL) / 2), 1e-4);
    ck_assert_double_eq_tol(num_at(r, "svr", NULL), sv, 1e-9); /* the same SVR head */
    cJSON_Delete(root);

    /* an older bundle (no SVR head, no score): P(favourable) − P(critical) */
    edit_manifest("b/russia", drop_svr);
    ck_assert_int_eq(remove(T("b/russia/svr.svm")), 0);
    r = oped_russia("b", &root);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(r, "svr"));
    ck_assert_double_eq_tol(num_at(r, "score", NULL), num_at(r, "scores", "favourable") - num_at(r, "scores", "critical"),
                            1.5e-4);
    cJSON_Delete(root);
    int rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("b/russia"),
                 mz_test_path("corpora/mini/stance.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *ev = slurp(T("ev.out"), NULL);
    ck_assert_msg(strstr(ev, "ROC-AUC of the score (prob)") != NULL, "%s", ev);
    ck_assert_ptr_null(strstr(ev, "by score"));
    free(ev);

    /* evaluate reports the AUC of the score the bundle gives */
    train_stance("b/russia", "--stance-score blend");
    rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("b/russia"),
             mz_test_path("corpora/mini/stance.jsonl"));
    ck_assert_int_eq(rc, 0);
    ev = slurp(T("ev.out"), NULL);
    ck_assert_msg(strstr(ev, "ROC-AUC of the score (blend)") != NULL, "%s", ev);
    ck_assert_msg(strstr(ev, "by score: prob") != NULL, "%s", ev);
    double table_auc = strtod(strstr(ev, "(blend): ") + 9, NULL);
    const char *pres = strstr(ev, "presence (held-out)");
    ck_assert_ptr_nonnull(pres);
    double table_pacc = strtod(strstr(pres, "accuracy ") + 9, NULL);
    free(ev);

    /* --json: the same figures, one JSON object and nothing else on stdout */
    rc = run("ev.json", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("b/russia"),
             mz_test_path("corpora/mini/stance.jsonl"));
    ck_assert_int_eq(rc, 0);
    ev = slurp(T("ev.json"), NULL);
    cJSON *ej = cJSON_Parse(ev);
    ck_assert_msg(ej != NULL, "not one JSON object: %s", ev);
    const cJSON *ho = cJSON_GetObjectItemCaseSensitive(ej, "heldout");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ho, "stance");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(ej, "kind")->valuestring, "stance");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(st, "score")->valuestring, "blend");
    ck_assert_double_eq_tol(num_at(st, "critical_roc_auc", NULL), table_auc, 6e-5);
    ck_assert_double_eq_tol(num_at(st, "critical_roc_auc_by_score", "blend"), table_auc, 6e-5);
    ck_assert_double_eq_tol(num_at(cJSON_GetObjectItemCaseSensitive(ho, "presence"), "accuracy", NULL), table_pacc,
                            6e-5);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "confusion")), 3);
    /* critical F1 as answered: from the --predictions lines, a text the
     * presence head calls absent counting as labelled nothing */
    /* the mini corpus and a critical text that never names Russia: the
     * rule calls it absent, so the classifier gives it no label */
    size_t mlen;
    char *mini = slurp(mz_test_path("corpora/mini/stance.jsonl"), &mlen);
    mz_buf hb = {0};
    mz_buf_puts(&hb, mini);
    mz_buf_puts(&hb, "{\"id\": \"unnamed\", \"text\": \"يواصل النظام حملته المحمومة لإسكات كل صوت مستقل، فبعد إغلاق "
                     "آخر الصحف الحرة جاء الدور على المنظمات الحقوقية، ويحكم بالخوف والسجون\", \"russia\": -2}\n");
    put(T("held.jsonl"), hb.s, hb.n);
    mz_buf_free(&hb);
    free(mini);
    rc = run("ev2.json", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --json --predictions '%s'", TRAIN,
             T("b/russia"), T("held.jsonl"), T("preds.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *ev2 = slurp(T("ev2.json"), NULL);
    cJSON *ej2 = cJSON_Parse(ev2);
    free(ev2);
    ck_assert_ptr_nonnull(ej2);
    const cJSON *st2 = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ej2, "heldout"), "stance");
    char *pl = slurp(T("preds.jsonl"), NULL), *psave = NULL;
    int tp = 0, fp = 0, fn = 0, tp_table = 0, missed = 0;
    for (char *line = strtok_r(pl, "\n", &psave); line; line = strtok_r(NULL, "\n", &psave)) {
        cJSON *r = cJSON_Parse(line);
        ck_assert_ptr_nonnull(r);
        const cJSON *lab = cJSON_GetObjectItemCaseSensitive(r, "label");
        if (cJSON_IsNumber(lab)) {
            int crit_truth = lab->valueint < 0;
            int answered = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "predicted_present"));
            const cJSON *pr = cJSON_GetObjectItemCaseSensitive(r, "predicted");
            int crit = answered && cJSON_IsString(pr) && !strcmp(pr->valuestring, "critical");
            tp += crit && crit_truth, fp += crit && !crit_truth, fn += !crit && crit_truth;
            tp_table += crit_truth && cJSON_IsString(pr) && !strcmp(pr->valuestring, "critical");
            missed += !answered;
        }
        cJSON_Delete(r);
    }
    free(pl);
    /* the stance head calls the unnamed text critical; the answer does not */
    ck_assert_int_eq(missed, 1);
    ck_assert_int_eq(tp_table, tp + 1);
    double want = tp ? 2.0 * tp / (2 * tp + fp + fn) : 0.0;
    ck_assert_double_eq_tol(num_at(st2, "critical_f1_answered", NULL), want, 1e-6);
    ck_assert_double_lt(num_at(st2, "critical_f1_answered", NULL),
                        num_at(cJSON_GetObjectItemCaseSensitive(st2, "per_class"), "critical", "f1"));
    cJSON_Delete(ej2);
    cJSON_Delete(ej);
    free(ev);

    /* manifests that cannot be honoured are refused */
    void (*bad[])(cJSON *) = {score_svr_without_head, svr_names_classifier, score_unknown};
    const char *why[] = {"needs an SVR head", "epsilon_svr", "\"score\" must be"};
    for (int i = 0; i < 3; i++) {
        train_stance("b/russia", "--stance-score blend");
        edit_manifest("b/russia", bad[i]);
        rc = run("out.jsonl", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("b"),
                 mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
        ck_assert_int_eq(rc, 2);
        char *err = slurp(T("err.txt"), NULL);
        ck_assert_msg(strstr(err, why[i]) != NULL, "case %d: stderr %s", i, err);
        free(err);
    }
    free(svr);
}
END_TEST

/* Label-set counts of a multi-label record: predicted labels in the truth
 * (tp) and not (fp), true labels not predicted (fn). */
static void count_sets(const cJSON *truth, const cJSON *pred, long *tp, long *fp, long *fn)
{
    const cJSON *x, *z;
    cJSON_ArrayForEach(x, pred)
    {
        int in = 0;
        cJSON_ArrayForEach(z, truth) in |= !strcmp(x->valuestring, z->valuestring);
        *tp += in, *fp += !in;
    }
    cJSON_ArrayForEach(z, truth)
    {
        int in = 0;
        cJSON_ArrayForEach(x, pred) in |= !strcmp(x->valuestring, z->valuestring);
        *fn += !in;
    }
}

/* T(path) as JSON lines, at most max of them; returns how many. */
static int read_lines(const char *path, cJSON **line, int max)
{
    char *t = slurp(T(path), NULL), *save = NULL;
    int n = 0;
    for (char *l = strtok_r(t, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
        line[n] = cJSON_Parse(l);
        ck_assert_msg(line[n] != NULL, "%s: line %d is not JSON: %s", path, n + 1, l);
        n++;
    }
    free(t);
    return n;
}

static const char *str_at(const cJSON *o, const char *k)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    ck_assert_msg(cJSON_IsString(x), "no string at %s", k);
    return x->valuestring;
}

/* --cv-predictions: a line per scored record, in corpus order, with its id;
 * counted up, the lines give the manifest's cross-validated figures; and
 * the bundle is the same bytes with or without the option. */
START_TEST(test_cv_predictions)
{
    enum { MAXL = 64 };
    cJSON *line[MAXL];
    /* multiclass */
    train_topic("corpora/mini/topic.jsonl", "cvp");
    const char *files[] = {"manifest.json", "vocab.tsv", "model.svm"};
    char *before[3];
    size_t blen[3];
    for (int f = 0; f < 3; f++) {
        char rel[64];
        snprintf(rel, sizeof rel, "cvp/%s", files[f]);
        before[f] = slurp(T(rel), &blen[f]);
    }
    int rc = run("o.txt", "e.txt", "'%s' --corpus '%s' --cv 3 --quiet --out '%s' --cv-predictions '%s'", TRAIN,
                 mz_test_path("corpora/mini/topic.jsonl"), T("cvp"), T("topic-cv.jsonl"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e.txt"), NULL));
    for (int f = 0; f < 3; f++) {
        char rel[64];
        size_t l;
        snprintf(rel, sizeof rel, "cvp/%s", files[f]);
        char *after = slurp(T(rel), &l);
        ck_assert_msg(l == blen[f] && !memcmp(after, before[f], l), "%s differs with --cv-predictions", files[f]);
        free(after);
        free(before[f]);
    }
    int n = read_lines("topic-cv.jsonl", line, MAXL), right = 0;
    ck_assert_int_eq(n, 36);
    ck_assert_str_eq(str_at(line[0], "id"), "topic-culture-01");
    for (int i = 0; i < n; i++) {
        right += !strcmp(str_at(line[i], "label"), str_at(line[i], "predicted"));
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(line[i], "scores")), 6);
        cJSON_Delete(line[i]);
    }
    char *m = slurp(T("cvp/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    free(m);
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(j, "cv");
    ck_assert_double_eq_tol((double)right / n, num_at(cJSON_GetObjectItemCaseSensitive(cv, "topic"), "accuracy", NULL),
                            1e-6);
    cJSON_Delete(j);

    /* target stance with label weights: each line names its target and the
     * label the pooled figures count (weights chosen on the other folds) */
    rc = run("o.txt", "e.txt",
             "'%s' --task target --target-field target --corpus '%s' --cv 3 --quiet --min-df 1 --f1-labels "
             "Favor,Against --out '%s' --cv-predictions '%s'",
             TRAIN, mz_test_path("corpora/mini/mawqif_like.jsonl"), T("cvt"), T("target-cv.jsonl"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e.txt"), NULL));
    n = read_lines("target-cv.jsonl", line, MAXL);
    ck_assert_int_eq(n, 30);
    right = 0;
    for (int i = 0; i < n; i++) {
        ck_assert(strlen(str_at(line[i], "target")) > 0);
        right += !strcmp(str_at(line[i], "label"), str_at(line[i], "predicted"));
        cJSON_Delete(line[i]);
    }
    m = slurp(T("cvt/manifest.json"), NULL);
    j = cJSON_Parse(m);
    free(m);
    cv = cJSON_GetObjectItemCaseSensitive(j, "cv");
    ck_assert_double_eq_tol((double)right / n, num_at(cJSON_GetObjectItemCaseSensitive(cv, "pooled"), "accuracy", NULL),
                            1e-6);
    cJSON_Delete(j);

    /* stance: presence and the stance head's label for every record, the
     * score where the annotators saw the target */
    char opt[4200];
    snprintf(opt, sizeof opt, "--cv-predictions '%s'", T("stance-cv.jsonl"));
    train_stance("cvs", opt);
    n = read_lines("stance-cv.jsonl", line, MAXL);
    ck_assert_int_eq(n, 40);
    int pright = 0, present = 0, sright = 0, ncrit = 0, nrest = 0, atp = 0, afp = 0, afn = 0;
    double crit[64], rest[64];
    for (int i = 0; i < n; i++) {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(line[i], "label");
        int pres = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line[i], "present"));
        ck_assert_int_eq(pres, cJSON_IsNumber(l));
        pright += pres == cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line[i], "predicted_present"));
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(line[i], "predicted");
        ck_assert(cJSON_IsString(pr));
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(line[i], "score") != NULL, pres);
        /* as the classifier answers: no label where it says absent, and a
         * text the annotators saw no Russia in can still be called critical */
        int acrit = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line[i], "predicted_present")) &&
                    !strcmp(pr->valuestring, "critical");
        int tcrit = pres && l->valuedouble < 0;
        atp += acrit && tcrit, afp += acrit && !tcrit, afn += !acrit && tcrit;
        if (pres) {
            present++;
            const char *want = l->valuedouble < 0 ? "critical" : l->valuedouble > 0 ? "favourable" : "neutral";
            sright += !strcmp(pr->valuestring, want);
            double sc = num_at(line[i], "score", NULL);
            ck_assert(sc >= -1 && sc <= 1);
            if (l->valuedouble < 0) crit[ncrit++] = -sc;
            else rest[nrest++] = -sc;
        }
        cJSON_Delete(line[i]);
    }
    /* the scores as written rank the texts as the figure does (they are
     * not rounded, which made ties the figure did not have) */
    ck_assert(ncrit > 0 && nrest > 0);
    double wins = 0;
    for (int a = 0; a < ncrit; a++)
        for (int b = 0; b < nrest; b++) wins += crit[a] > rest[b] ? 1 : crit[a] == rest[b] ? 0.5 : 0;
    m = slurp(T("cvs/manifest.json"), NULL);
    j = cJSON_Parse(m);
    free(m);
    cv = cJSON_GetObjectItemCaseSensitive(j, "cv");
    ck_assert_double_eq_tol((double)pright / n, num_at(cJSON_GetObjectItemCaseSensitive(cv, "presence"), "accuracy", NULL),
                            1e-6);
    const cJSON *nest = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cv, "stance"),
                                                         "cutoffs_chosen_on_other_folds");
    ck_assert_double_eq_tol((double)sright / present, num_at(nest, "accuracy", NULL), 1e-6);
    ck_assert(atp + afp + afn > 0);
    ck_assert_double_eq_tol(2.0 * atp / (2.0 * atp + afp + afn), num_at(nest, "critical_f1_answered", NULL), 1e-6);
    ck_assert_double_eq_tol(wins / ((double)ncrit * nrest),
                            num_at(cJSON_GetObjectItemCaseSensitive(cv, "stance"), "critical_roc_auc", NULL), 1e-6);
    cJSON_Delete(j);

    /* multi-label: the primary and the set, each fold with the threshold
     * chosen on the others */
    char op[4096];
    snprintf(op, sizeof op, "%s", mz_test_path("corpora/opinion/train.jsonl"));
    rc = run("o.txt", "e.txt", "'%s' --label-field frames --corpus '%s' --cv 3 --quiet --out '%s' --cv-predictions '%s'",
             TRAIN, op, T("cvf"), T("frames-cv.jsonl"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e.txt"), NULL));
    cJSON *fl[300];
    n = read_lines("frames-cv.jsonl", fl, 300);
    ck_assert_int_gt(n, 200);
    long tp = 0, fp = 0, fn = 0, ok = 0;
    for (int i = 0; i < n; i++) {
        const cJSON *truth = cJSON_GetObjectItemCaseSensitive(fl[i], "labels"),
                    *pred = cJSON_GetObjectItemCaseSensitive(fl[i], "predicted");
        ck_assert_str_eq(cJSON_GetArrayItem(pred, 0)->valuestring, str_at(fl[i], "predicted_primary"));
        ok += !strcmp(cJSON_GetArrayItem(truth, 0)->valuestring, str_at(fl[i], "predicted_primary"));
        count_sets(truth, pred, &tp, &fp, &fn);
        cJSON_Delete(fl[i]);
    }
    m = slurp(T("cvf/manifest.json"), NULL);
    j = cJSON_Parse(m);
    free(m);
    nest = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "cv"), "labels"), "threshold_chosen_on_other_folds");
    ck_assert_double_eq_tol(2.0 * tp / (2.0 * tp + fp + fn), num_at(nest, "micro_f1", NULL), 1e-6);
    ck_assert_double_eq_tol((double)ok / n, num_at(nest, "primary_accuracy", NULL), 1e-6);
    cJSON_Delete(j);

    /* a training option only */
    rc = run("o.txt", "e.txt", "'%s' evaluate --model '%s' --corpus '%s' --cv-predictions '%s'", TRAIN, T("cvp"),
             mz_test_path("corpora/mini/topic.jsonl"), T("never.jsonl"));
    ck_assert_int_eq(rc, 2);

    /* evaluate --predictions: the same records for held-out texts, adding up
     * to evaluate's own figures */
    const char *models[] = {"cvp", "cvs"}, *corp[] = {"corpora/mini/topic.tsv", "corpora/mini/stance.jsonl"};
    for (int k = 0; k < 2; k++) {
        rc = run("ev.json", "e.txt", "'%s' evaluate --model '%s' --corpus '%s' --json --predictions '%s'", TRAIN,
                 T(models[k]), mz_test_path(corp[k]), T("ev-pred.jsonl"));
        if (rc != 0) ck_abort_msg("evaluate exited %d: %s", rc, slurp(T("e.txt"), NULL));
        n = read_lines("ev-pred.jsonl", line, MAXL);
        ck_assert_int_eq(n, k ? 40 : 24);
        right = 0;
        for (int i = 0; i < n; i++) {
            if (k == 0) right += !strcmp(str_at(line[i], "label"), str_at(line[i], "predicted"));
            else
                right += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line[i], "present")) ==
                         cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line[i], "predicted_present"));
            cJSON_Delete(line[i]);
        }
        m = slurp(T("ev.json"), NULL);
        j = cJSON_Parse(m);
        free(m);
        const cJSON *ho = cJSON_GetObjectItemCaseSensitive(j, "heldout");
        double acc = num_at(cJSON_GetObjectItemCaseSensitive(ho, k ? "presence" : "topic"), "accuracy", NULL);
        ck_assert_double_eq_tol((double)right / n, acc, 1e-6);
        cJSON_Delete(j);
    }
}
END_TEST

/* A JSON figure as text, for exact comparison ("null" when absent). */
static char *fig_text(const cJSON *o, const char *k1, const char *k2)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k1);
    if (k2) x = cJSON_GetObjectItemCaseSensitive(x, k2);
    return x ? cJSON_PrintUnformatted(x) : strdup("null");
}

static cJSON *evaluate_json(const char *model, const char *corpus, const char *opts)
{
    int rc = run("ev.json", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --json %s", TRAIN, T(model),
                 T(corpus), opts);
    if (rc != 0) ck_abort_msg("evaluate exited %d: %s", rc, slurp(T("ev.err"), NULL));
    char *t = slurp(T("ev.json"), NULL);
    cJSON *j = cJSON_Parse(t);
    free(t);
    ck_assert_ptr_nonnull(j);
    return j;
}

/* evaluate reads a held-out file by the record fields the bundle was
 * trained on (the manifest's "fields"), unless told otherwise, and a label
 * field the records lack is named. */
START_TEST(test_evaluate_reads_trained_fields)
{
    mz_buf b = {0};
    char *t = slurp(mz_test_path("corpora/mini/stance.jsonl"), NULL), *save = NULL;
    for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        cJSON *r = cJSON_Parse(l);
        ck_assert_ptr_nonnull(r);
        /* the text under "body", the frames under "frames" */
        cJSON *x = cJSON_DetachItemFromObjectCaseSensitive(r, "text");
        cJSON_AddItemToObject(r, "body", x);
        char *o = cJSON_PrintUnformatted(r);
        mz_buf_puts(&b, o), mz_buf_puts(&b, "\n");
        free(o);
        cJSON_Delete(r);
    }
    free(t);
    put(T("body.jsonl"), b.s, b.n);
    mz_buf_free(&b);
    int rc = run("o.txt", "e.txt",
                 "'%s' --label-field frames --text-field body --corpus '%s' --cv 3 --min-df 1 --quiet --out '%s'",
                 TRAIN, T("body.jsonl"), T("fields"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e.txt"), NULL));
    char *m = slurp(T("fields/manifest.json"), NULL);
    cJSON *mj = cJSON_Parse(m);
    free(m);
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(mj, "fields");
    ck_assert_str_eq(str_at(f, "label"), "frames");
    ck_assert_str_eq(str_at(f, "text"), "body");
    ck_assert_str_eq(str_at(f, "title"), "title");
    cJSON_Delete(mj);
    cJSON *plain = evaluate_json("fields", "body.jsonl", "");
    cJSON *told = evaluate_json("fields", "body.jsonl", "--label-field frames --text-field body");
    char *p1 = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(plain, "heldout"));
    char *p2 = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(told, "heldout"));
    ck_assert_str_eq(p1, p2);
    free(p1), free(p2);
    cJSON_Delete(plain), cJSON_Delete(told);
    rc = run("o.txt", "e.txt", "'%s' evaluate --model '%s' --corpus '%s' --label-field topic", TRAIN, T("fields"),
             T("body.jsonl"));
    ck_assert_int_eq(rc, 1);
    char *err = slurp(T("e.txt"), NULL);
    ck_assert_msg(strstr(err, "body.jsonl:1: missing label field \"topic\""), "%s", err);
    free(err);
}
END_TEST

/* --by groups a number by its JSON text as written (2^53 and 2^53 + 1 are
 * two groups, 1 and 1.0 too), and a stance bundle reads the label field
 * it is told, "label" included (the target's name is only the default). */
START_TEST(test_by_numbers_and_stance_label_field)
{
    static const char *const vals[] = {"9007199254740993", "9007199254740992", "1.0", "1", "1e0", "0.1"};
    mz_buf b = {0};
    char *t = slurp(mz_test_path("corpora/opinion/train.jsonl"), NULL), *save = NULL;
    int n = 0;
    for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
        cJSON *r = cJSON_Parse(l);
        ck_assert_ptr_nonnull(r);
        /* the russia value under "label", the west one dropped */
        cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(r, "russia");
        cJSON_DeleteItemFromObjectCaseSensitive(r, "west");
        cJSON_AddItemToObject(r, "label", v);
        char *o = cJSON_PrintUnformatted(r);
        o[strlen(o) - 1] = '\0';
        mz_buf_printf(&b, "%s, \"grp\": %s}\n", o, vals[n % 6]);
        free(o);
        cJSON_Delete(r);
    }
    free(t);
    put(T("grp.jsonl"), b.s, b.n);
    mz_buf_free(&b);
    int rc = run("o.txt", "e.txt", "'%s' --task stance --target russia --label-field label --corpus '%s' --cv 3 --quiet --out '%s'",
                 TRAIN, T("grp.jsonl"), T("gs"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e.txt"), NULL));
    cJSON *j = evaluate_json("gs", "grp.jsonl", "--by grp");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "by"), "groups");
    ck_assert_int_eq(cJSON_GetArraySize(groups), 6);
    for (int k = 0; k < 6; k++) {
        int found = 0;
        const cJSON *g;
        cJSON_ArrayForEach(g, groups) found += !strcmp(str_at(g, "value"), vals[k]);
        ck_assert_msg(found == 1, "no group %s", vals[k]);
    }
    cJSON_Delete(j);
}
END_TEST

/* Unlabelled --lsa-corpus texts are neither scored nor asked for fields:
 * their repeats are no warning, and --title-field is the labelled
 * corpus's business.  --list-models --terms lists trigrams, as evidence
 * shows them; --terms (0 too) is only for --list-models. */
START_TEST(test_lsa_texts_and_listed_trigrams)
{
    mz_buf b = {0};
    char *t = slurp(mz_test_path("corpora/mini/topic.jsonl"), NULL), *save = NULL;
    int n = 0;
    for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        cJSON *r = cJSON_Parse(l);
        const char *text = cJSON_GetObjectItemCaseSensitive(r, "text")->valuestring;
        for (int k = 0; k < 2; k++) {
            cJSON *o = cJSON_CreateObject();
            char id[32];
            snprintf(id, sizeof id, "u%d", n++);
            cJSON_AddStringToObject(o, "id", id);
            cJSON_AddStringToObject(o, "text", text);
            char *x = cJSON_PrintUnformatted(o);
            mz_buf_puts(&b, x), mz_buf_puts(&b, "\n");
            free(x);
            cJSON_Delete(o);
        }
        cJSON_Delete(r);
    }
    free(t);
    put(T("dup.jsonl"), b.s, b.n);
    mz_buf_free(&b);
    int rc = run("o", "e",
                 "'%s' --label-field frames --corpus '%s' --lsa-corpus '%s' --lsa-dims 4 --title-field title --cv 2 "
                 "--quiet --out '%s'",
                 TRAIN, mz_test_path("corpora/opinion/train.jsonl"), T("dup.jsonl"), T("lsa"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(!strstr(err, "repeat"), "%s", err);
    free(err);
    rc = run("o", "e", "'%s' --corpus '%s' --ngram 3 --quiet --out '%s'", TRAIN, mz_test_path("corpora/mini/topic.jsonl"),
             T("tri"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    rc = run("l.json", "e", "'%s' --models '%s' --list-models --terms 1000", CLASSIFY, T("tri"));
    ck_assert_int_eq(rc, 0);
    char *lj = slurp(T("l.json"), NULL);
    cJSON *j = cJSON_Parse(lj);
    free(lj);
    int tri = 0;
    const cJSON *h, *lab, *term;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(j, "terms")) cJSON_ArrayForEach(lab, h)
        cJSON_ArrayForEach(term, lab)
    {
        const char *w = str_at(term, "term"), *sp = strchr(w, ' ');
        tri += sp && strchr(sp + 1, ' ');
    }
    cJSON_Delete(j);
    ck_assert_int_gt(tri, 0);
    rc = run("o", "e", "'%s' --models '%s' --terms 0 '%s'", CLASSIFY, T("tri"),
             mz_test_path("corpora/samples/wire-2018-tech.txt"));
    ck_assert_int_eq(rc, 2);
}
END_TEST

/* --format tsv refuses bundles whose columns would share a name (a
 * multiclass bundle named russia_label beside a stance bundle toward
 * russia, whose label column is russia_label); JSON takes them. */
START_TEST(test_tsv_columns_apart)
{
    ck_assert_int_eq(mkdir(T("tc"), 0755), 0);
    int rc = run("o", "e", "'%s' --corpus '%s' --name russia_label --cv 3 --quiet --out '%s'", TRAIN,
                 mz_test_path("corpora/mini/topic.jsonl"), T("tc/rl"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    train_stance("tc/ru", "");
    const char *art = mz_test_path("corpora/samples/wire-2018-tech.txt");
    rc = run("t.tsv", "e", "'%s' --models '%s' --format tsv '%s'", CLASSIFY, T("tc"), art);
    ck_assert_int_eq(rc, 2);
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "--format tsv: two columns would be named \"russia_label\""), "%s", err);
    free(err);
    rc = run("t.json", "e", "'%s' --models '%s' '%s'", CLASSIFY, T("tc"), art);
    ck_assert_int_eq(rc, 0);
}
END_TEST

/* evaluate --by FIELD: a group's figures are those of evaluating its
 * records alone, for each kind of bundle; groups come largest first, ties
 * by value with the records that lack the field first; a number groups by
 * its JSON text.  A list value and a field no record has are refused. */
START_TEST(test_evaluate_by_field)
{
    train_topic("corpora/mini/topic.jsonl", "tb");
    train_stance("sb", "");
    int rc = run("o.txt", "e.txt", "'%s' --label-field frames --corpus '%s' --cv 3 --min-df 1 --quiet --out '%s'",
                 TRAIN, mz_test_path("corpora/mini/stance.jsonl"), T("fb"));
    if (rc != 0) ck_abort_msg("frames training exited %d: %s", rc, slurp(T("e.txt"), NULL));
    static const struct {
        const char *model, *corpus, *opts, *head; /* head: the heldout key compared */
        const char *keys[3][2];                   /* the figures compared */
    } cases[] = {
        {"tb", "corpora/mini/topic.jsonl", "", "topic", {{"figures", NULL}, {NULL, NULL}, {NULL, NULL}}},
        {"sb", "corpora/mini/stance.jsonl", "", NULL,
         {{"presence", NULL}, {"stance", "macro_f1"}, {"stance", "critical_roc_auc"}}},
        {"fb", "corpora/mini/stance.jsonl", "--label-field frames", "labels",
         {{"micro_f1", NULL}, {"macro_f1", NULL}, {"primary_accuracy", NULL}}},
    };
    static const char *const groups[] = {"north", NULL, "7"}; /* as they must come */
    enum { MAXR = 64 };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        /* record i: "north", 7, "north", no field, in turn */
        char *t = slurp(mz_test_path(cases[c].corpus), NULL), *save = NULL;
        char *all = calloc(1, 1 << 20), *part[3] = {calloc(1, 1 << 20), calloc(1, 1 << 20), calloc(1, 1 << 20)};
        ck_assert(all && part[0] && part[1] && part[2]);
        size_t n = 0, size[3] = {0};
        for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
            cJSON *r = cJSON_Parse(l);
            ck_assert_ptr_nonnull(r);
            int g = n % 4 == 3 ? 1 : n % 4 == 1 ? 2 : 0;
            if (g == 0) cJSON_AddStringToObject(r, "desk", "north");
            if (g == 2) cJSON_AddNumberToObject(r, "desk", 7);
            char *x = cJSON_PrintUnformatted(r);
            strcat(all, x), strcat(all, "\n");
            strcat(part[g], x), strcat(part[g], "\n");
            size[g]++;
            free(x);
            cJSON_Delete(r);
        }
        free(t);
        put(T("all.jsonl"), all, strlen(all));
        char opts[256];
        snprintf(opts, sizeof opts, "%s --by desk", cases[c].opts);
        cJSON *j = evaluate_json(cases[c].model, "all.jsonl", opts);
        const cJSON *by = cJSON_GetObjectItemCaseSensitive(j, "by");
        ck_assert_str_eq(str_at(by, "field"), "desk");
        const cJSON *gs = cJSON_GetObjectItemCaseSensitive(by, "groups");
        ck_assert_int_eq(cJSON_GetArraySize(gs), 3);
        for (int g = 0; g < 3; g++) {
            const cJSON *gj = cJSON_GetArrayItem(gs, g), *v = cJSON_GetObjectItemCaseSensitive(gj, "value");
            int k = g == 0 ? 0 : g == 1 ? 1 : 2;
            if (groups[k]) ck_assert_str_eq(cJSON_IsString(v) ? v->valuestring : "(not a string)", groups[k]);
            else ck_assert(cJSON_IsNull(v));
            ck_assert_int_eq((int)num_at(gj, "n", NULL), (int)size[k]);
            /* the group's records evaluated alone */
            put(T("part.jsonl"), part[k], strlen(part[k]));
            cJSON *alone = evaluate_json(cases[c].model, "part.jsonl", cases[c].opts);
            const cJSON *ho = cJSON_GetObjectItemCaseSensitive(alone, "heldout");
            if (cases[c].head) ho = cJSON_GetObjectItemCaseSensitive(ho, cases[c].head);
            for (int q = 0; q < 3 && cases[c].keys[q][0]; q++) {
                const char *k1 = cases[c].keys[q][0], *k2 = cases[c].keys[q][1];
                /* a class bundle's group keeps its figures under "figures",
                 * with the macro-F1 over the labels the group has besides */
                char *a, *b;
                if (!strcmp(k1, "figures")) {
                    cJSON *f = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(gj, k1), 1);
                    double own = num_at(f, "macro_f1_own_labels", NULL), sum = 0;
                    int nown = 0;
                    const cJSON *pc;
                    cJSON_ArrayForEach(pc, cJSON_GetObjectItemCaseSensitive(ho, "per_class"))
                    if (num_at(pc, "support", NULL) > 0) sum += num_at(pc, "f1", NULL), nown++;
                    ck_assert_int_gt(nown, 0);
                    ck_assert_double_eq_tol(own, sum / nown, 1e-6);
                    cJSON_DeleteItemFromObjectCaseSensitive(f, "macro_f1_own_labels");
                    a = cJSON_PrintUnformatted(f);
                    b = cJSON_PrintUnformatted(ho);
                    cJSON_Delete(f);
                } else {
                    a = fig_text(gj, k1, k2);
                    b = fig_text(ho, k1, k2);
                }
                ck_assert_msg(!strcmp(a, b), "%s, group %d, %s%s%s: %s by group, %s alone", cases[c].model, g, k1,
                              k2 ? "." : "", k2 ? k2 : "", a, b);
                free(a), free(b);
            }
            cJSON_Delete(alone);
        }
        cJSON_Delete(j);
        /* the same as a table */
        rc = run("ev.txt", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' %s", TRAIN, T(cases[c].model),
                 T("all.jsonl"), opts);
        ck_assert_int_eq(rc, 0);
        char *txt = slurp(T("ev.txt"), NULL);
        ck_assert_msg(strstr(txt, "held-out figures by \"desk\" (3 groups)") && strstr(txt, "  (none)\n") &&
                          strstr(txt, "  north\n"),
                      "%s: %s", cases[c].model, txt);
        free(txt);
        free(all), free(part[0]), free(part[1]), free(part[2]);
    }

    /* a value with a line break cannot forge a row of the table */
    static const char ctl[] = "{\"id\": \"a\", \"label\": \"sport\", \"desk\": \"x\\ny\", \"text\": \"فاز الفريق في "
                              "المباراة\"}\n";
    put(T("ctl.jsonl"), ctl, strlen(ctl));
    rc = run("ev.txt", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --by desk", TRAIN, T("tb"), T("ctl.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *txt = slurp(T("ev.txt"), NULL);
    ck_assert_msg(strstr(txt, "(1 group)") && strstr(txt, "  x?y\n") && !strstr(txt, "x\ny"), "%s", txt);
    free(txt);

    /* refused: a list to group by, a field no record has */
    char *t = slurp(mz_test_path("corpora/mini/topic.jsonl"), NULL);
    char *nl = strchr(t, '\n');
    ck_assert_ptr_nonnull(nl);
    cJSON *r = cJSON_Parse(nl + 1);
    cJSON_AddItemToObject(r, "desk", cJSON_CreateStringArray((const char *[]){"a", "b"}, 2));
    char *x = cJSON_PrintUnformatted(r);
    char bad[1 << 16];
    snprintf(bad, sizeof bad, "%.*s\n%s\n", (int)(nl - t), t, x);
    put(T("bad.jsonl"), bad, strlen(bad));
    free(x), free(t);
    cJSON_Delete(r);
    rc = run("o.txt", "e.txt", "'%s' evaluate --model '%s' --corpus '%s' --by desk", TRAIN, T("tb"), T("bad.jsonl"));
    ck_assert_int_ne(rc, 0);
    char *err = slurp(T("e.txt"), NULL);
    ck_assert_msg(strstr(err, "bad.jsonl:2: field \"desk\" (--by) is a list"), "%s", err);
    free(err);
    rc = run("o.txt", "e.txt", "'%s' evaluate --model '%s' --corpus '%s' --by nosuch", TRAIN, T("tb"),
             mz_test_path("corpora/mini/topic.jsonl"));
    ck_assert_int_ne(rc, 0);
    err = slurp(T("e.txt"), NULL);
    ck_assert_msg(strstr(err, "--by \"nosuch\": no record has this field"), "%s", err);
    free(err);
}
END_TEST

/* a multiclass bundle's name and its head's go together */
static void name_it_id(cJSON *m)
{
    cJSON_ReplaceItemInObject(m, "name", cJSON_CreateString("id"));
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "heads"), 0), "name",
                              cJSON_CreateString("id"));
}

/* --models repeats: bundles of several folders answer in one record; two
 * bundles that would answer under one key are refused, naming both, as is
 * a bundle named after a key of the record itself (mizan-train refuses
 * that name too), instead of a record with a key twice. */
START_TEST(test_models_combined_and_key_clashes)
{
    const char *dirs[] = {"mc", "mc/a", "mc/b", "mc/c"};
    for (int d = 0; d < 4; d++) ck_assert_int_eq(mkdir(T(dirs[d]), 0755), 0);
    train_topic("corpora/mini/topic.jsonl", "mc/a/topic");
    train_stance("mc/b/russia", "");
    int rc = run("out.json", "err.txt", "'%s' --models '%s' --models '%s' '%s'", CLASSIFY, T("mc/a"), T("mc/b/russia"),
                 mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
    if (rc != 0) ck_abort_msg("classify exited %d: %s", rc, slurp(T("err.txt"), NULL));
    char *out = slurp(T("out.json"), NULL);
    cJSON *j = cJSON_Parse(out);
    ck_assert_msg(j != NULL, "not JSON: %s", out);
    check_topic(j);
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "stance"), "russia"));
    cJSON_Delete(j);
    free(out);

    /* a second topic bundle in the same folder, and the same russia bundle
     * from a second folder */
    train_topic("corpora/mini/topic.tsv", "mc/a/topic2");
    train_stance("mc/c/russia", "");
    const char *cases[][3] = {{T("mc/a"), NULL, "answers \"topic\" as"},
                              {T("mc/b/russia"), T("mc/c"), "answers the stance toward \"russia\" as"},
                              {T("mc/b/russia"), T("mc/b/russia"), "given twice"}};
    for (int c = 0; c < 3; c++) {
        if (cases[c][1])
            rc = run("out.json", "err.txt", "'%s' --models '%s' --models '%s' '%s'", CLASSIFY, cases[c][0], cases[c][1],
                     mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
        else
            rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, cases[c][0],
                     mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
        ck_assert_int_eq(rc, 2);
        char *err = slurp(T("err.txt"), NULL);
        ck_assert_msg(strstr(err, cases[c][2]) != NULL, "case %d: %s", c, err);
        ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "case %d: not one line: %s", c, err);
        free(err);
        size_t len;
        free(slurp(T("out.json"), &len));
        ck_assert_uint_eq(len, 0);
    }

    /* a bundle named after a key of the record */
    edit_manifest("mc/a/topic2", name_it_id);
    rc = run("out.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("mc/a/topic2"),
             mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
    ck_assert_int_eq(rc, 2);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "\"id\" is a key of the output record") != NULL, "%s", err);
    free(err);
    rc = run("o.txt", "e.txt", "'%s' --corpus '%s' --cv 3 --quiet --name stance --out '%s'", TRAIN,
             mz_test_path("corpora/mini/topic.jsonl"), T("mc/never"));
    ck_assert_int_eq(rc, 2);
    err = slurp(T("e.txt"), NULL);
    ck_assert_msg(strstr(err, "--name: 'stance'") != NULL, "%s", err);
    free(err);
}
END_TEST

/* --keep: the named input fields copied into each answer after the id, as
 * they were (strings, numbers, objects), null where a record lacks one, in
 * error answers too; names the answer holds already are refused. */
START_TEST(test_keep_fields)
{
    train_topic("corpora/mini/topic.jsonl", "kt");
    const char feed[] = "{\"id\": \"a\", \"url\": \"http://x/1\", \"meta\": {\"n\": [1, 2.5]}, "
                        "\"text\": \"فاز المنتخب الوطني في مباراة كرة القدم أمس بثلاثة أهداف\"}\n"
                        "{\"id\": \"b\", \"text\": \"no Arabic here\"}\n"
                        "{\"id\": \"c\", \"url\": \"http://x/3\", \"title\": 5, \"text\": \"ارتفعت أسعار النفط\"}\n";
    put(T("keep.jsonl"), feed, sizeof feed - 1);
    int rc = run("out.json", "err.txt", "'%s' --models '%s' --keep url,meta '%s'", CLASSIFY, T("kt"), T("keep.jsonl"));
    ck_assert_int_eq(rc, 1);
    char *out = slurp(T("out.json"), NULL);
    char *save = NULL;
    const char *want_url[] = {"http://x/1", NULL, "http://x/3"};
    int n = 0;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
        ck_assert_int_lt(n, 3);
        cJSON *j = cJSON_Parse(line);
        ck_assert_msg(j != NULL, "not JSON: %s", line);
        /* the kept fields come right after the id */
        ck_assert_str_eq(j->child->string, "id");
        ck_assert_str_eq(j->child->next->string, "url");
        ck_assert_str_eq(j->child->next->next->string, "meta");
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(j, "url");
        if (want_url[n]) ck_assert_str_eq(url->valuestring, want_url[n]);
        else ck_assert(cJSON_IsNull(url));
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "meta");
        if (n == 0) {
            check_topic(j);
            const cJSON *arr = cJSON_GetObjectItemCaseSensitive(meta, "n");
            ck_assert_int_eq(cJSON_GetArraySize(arr), 2);
            ck_assert_double_eq(cJSON_GetArrayItem(arr, 1)->valuedouble, 2.5);
        } else {
            ck_assert(cJSON_IsNull(meta));
            ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(j, "error"));
        }
        cJSON_Delete(j);
    }
    ck_assert_int_eq(n, 3);
    free(out);

    const char *refused[] = {"topic", "id", "url,url", "url,", ""};
    for (size_t k = 0; k < sizeof refused / sizeof *refused; k++) {
        rc = run("out.json", "err.txt", "'%s' --models '%s' --keep '%s' '%s'", CLASSIFY, T("kt"), refused[k], T("keep.jsonl"));
        ck_assert_int_eq(rc, 2);
        char *err = slurp(T("err.txt"), NULL);
        ck_assert_msg(strstr(err, "--keep: ") != NULL, "%s: %s", refused[k], err);
        free(err);
    }
}
END_TEST

/* Split line (no newline) at tabs into cells[0..max); returns the count. */
static int tsv_split(char *line, char **cells, int max)
{
    int n = 0;
    for (char *c = line; n < max;) {
        cells[n++] = c;
        char *t = strchr(c, '\t');
        if (!t) break;
        *t = '\0';
        c = t + 1;
    }
    return n;
}

/* --format tsv: a header naming every column, then a row per record with
 * the header's column count, errors included (kept cells left empty for a
 * line that is not JSON); the values are the JSON answer's. */
START_TEST(test_tsv_format)
{
    ck_assert_int_eq(mkdir(T("tm"), 0755), 0);
    train_topic("corpora/mini/topic.jsonl", "tm/topic");
    train_stance("tm/russia", "");
    const char feed[] = "{\"id\": \"a\", \"url\": \"http://x/1\", \"n\": [1, 2], \"text\": \"قالت موسكو إن الكرملين يرفض "
                        "العقوبات\\tالجديدة على روسيا\"}\n"
                        "not json\n"
                        "{\"id\": \"c\\td\", \"text\": \"فاز المنتخب الوطني في مباراة كرة القدم أمس بثلاثة أهداف\"}\n"
                        "{\"id\": \"\\\"q\\\" x\", \"url\": \"\\\"u\", \"text\": \"فاز المنتخب الوطني أمس\"}\n";
    put(T("t.jsonl"), feed, sizeof feed - 1);
    int rc = run("out.tsv", "err.txt", "'%s' --models '%s' --format tsv --keep url,n --explain 2 '%s'", CLASSIFY,
                 T("tm"), T("t.jsonl"));
    ck_assert_int_eq(rc, 1);
    rc = run("out.json", "err.txt", "'%s' --models '%s' --explain 2 '%s'", CLASSIFY, T("tm"), T("t.jsonl"));
    ck_assert_int_eq(rc, 1);
    char *tsv = slurp(T("out.tsv"), NULL), *json = slurp(T("out.json"), NULL);
    char *rows[8], *jl[8], *save = NULL, *save2 = NULL;
    int nr = 0, nj = 0;
    for (char *l = strtok_r(tsv, "\n", &save); l && nr < 8; l = strtok_r(NULL, "\n", &save)) rows[nr++] = l;
    for (char *l = strtok_r(json, "\n", &save2); l && nj < 8; l = strtok_r(NULL, "\n", &save2)) jl[nj++] = l;
    ck_assert_int_eq(nr, 5);
    ck_assert_int_eq(nj, 4);
    /* cells opening with a quote are quoted, RFC 4180's way (a quote inside
     * a cell is left as it is) */
    static const char quoted[] = "\"\"\"q\"\" x\"\t\"\"\"u\"\t\t";
    ck_assert_msg(!strncmp(rows[4], quoted, sizeof quoted - 1), "%s", rows[4]);
    ck_assert_str_eq(rows[0], "id\turl\tn\ttopic\ttopic_confidence\ttopic_evidence\trussia_present\trussia_mentions\t"
                              "russia_label\trussia_score\trussia_evidence\ttruncated\terror");
    for (int r = 1; r < 4; r++) {
        char *c[32];
        ck_assert_int_eq(tsv_split(rows[r], c, 32), 13);
        cJSON *j = cJSON_Parse(jl[r - 1]);
        ck_assert_ptr_nonnull(j);
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
        if (r == 2) { /* not JSON: no id, no kept fields, the message */
            ck_assert_str_eq(c[0], "");
            for (int k = 1; k < 12; k++) ck_assert_str_eq(c[k], "");
            ck_assert_str_eq(c[12], err->valuestring);
        } else {
            ck_assert_ptr_null(err);
            ck_assert_str_eq(c[0], r == 1 ? "a" : "c d"); /* a tab in a cell becomes a space */
            ck_assert_str_eq(c[1], r == 1 ? "http://x/1" : "");
            ck_assert_str_eq(c[2], r == 1 ? "[1, 2]" : ""); /* as the record writes it */
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "topic");
            ck_assert_str_eq(c[3], cJSON_GetObjectItemCaseSensitive(t, "label")->valuestring);
            ck_assert_double_eq_tol(strtod(c[4], NULL), cJSON_GetObjectItemCaseSensitive(t, "confidence")->valuedouble,
                                    1e-9);
            const cJSON *ev = cJSON_GetObjectItemCaseSensitive(t, "evidence");
            char want[512];
            snprintf(want, sizeof want, "%s, %s", cJSON_GetArrayItem(ev, 0)->child->valuestring,
                     cJSON_GetArrayItem(ev, 1)->child->valuestring);
            ck_assert_str_eq(c[5], want);
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "stance"), "russia");
            ck_assert_str_eq(c[6], cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "present")) ? "true" : "false");
            ck_assert_int_eq(atoi(c[7]), cJSON_GetObjectItemCaseSensitive(st, "mentions")->valueint);
            const cJSON *lab = cJSON_GetObjectItemCaseSensitive(st, "label");
            ck_assert_str_eq(c[8], cJSON_IsString(lab) ? lab->valuestring : "");
            ck_assert_double_eq_tol(strtod(c[9], NULL), cJSON_GetObjectItemCaseSensitive(st, "score")->valuedouble,
                                    1e-9);
            ck_assert_str_eq(c[11], "false");
            ck_assert_str_eq(c[12], "");
            if (r == 1) ck_assert_str_eq(c[6], "true");
        }
        cJSON_Delete(j);
    }
    free(tsv);
    free(json);
    /* the header too: a kept field whose name opens with a quote */
    rc = run("out.tsv", "err.txt", "'%s' --models '%s' --format tsv --keep '\"x' '%s'", CLASSIFY, T("tm"), T("t.jsonl"));
    ck_assert_int_eq(rc, 1);
    tsv = slurp(T("out.tsv"), NULL);
    ck_assert_msg(!strncmp(tsv, "id\t\"\"\"x\"\ttopic\t", 14), "%.80s", tsv);
    free(tsv);
    /* a listing has no rows */
    rc = run("out.tsv", "err.txt", "'%s' --models '%s' --list-models --format tsv", CLASSIFY, T("tm"));
    ck_assert_int_eq(rc, 2);
}
END_TEST

/* s[0..n) converted from `from` to `to` (ICU), malloc'd, length in *out_n. */
static char *recode(const char *to, const char *from, const char *s, size_t n, size_t *out_n)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t need = ucnv_convert(to, from, NULL, 0, s, (int32_t)n, &st);
    ck_assert(st == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(st));
    char *o = malloc((size_t)need + 1);
    st = U_ZERO_ERROR;
    ucnv_convert(to, from, o, need + 1, s, (int32_t)n, &st);
    ck_assert_msg(U_SUCCESS(st), "%s to %s: %s", from, to, u_errorName(st));
    *out_n = (size_t)need;
    return o;
}

static char *convert_to(const char *to, const char *s, size_t n, size_t *out_n)
{
    return recode(to, "UTF-8", s, n, out_n);
}

/* The answer of a one-line JSON output with its id cut off. */
static char *answer_sans_id(const char *file)
{
    char *out = slurp(T(file), NULL);
    char *rest = strstr(out, "\", \"");
    ck_assert_msg(rest != NULL, "no answer: %s", out);
    char *a = strdup(rest);
    free(out);
    return a;
}

/* --encoding: Windows-1256 articles, streams and corpora read as their
 * UTF-8 originals are (the same answers, a byte-identical model); UTF-16
 * by its byte-order mark without being told; text that is not UTF-8
 * answered with the encoding it reads as; a UTF-16 stream refused. */
START_TEST(test_encodings)
{
    train_topic("corpora/mini/topic.jsonl", "et");
    size_t n, cn, un;
    char *art = slurp(mz_test_path("corpora/samples/nato-summit-2018.txt"), &n);
    char *cp = convert_to("windows-1256", art, n, &cn);
    char *u16 = convert_to("UTF-16", art, n, &un); /* ICU writes the byte-order mark */
    put(T("cp.txt"), cp, cn);
    put(T("u16.txt"), u16, un);
    int rc = run("ref.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("et"),
                 mz_test_path("corpora/samples/nato-summit-2018.txt"));
    ck_assert_int_eq(rc, 0);
    char *ref = answer_sans_id("ref.json");
    rc = run("cp.json", "err.txt", "'%s' --models '%s' --encoding windows-1256 '%s'", CLASSIFY, T("et"), T("cp.txt"));
    ck_assert_int_eq(rc, 0);
    char *got = answer_sans_id("cp.json");
    ck_assert_str_eq(got, ref);
    free(got);
    rc = run("u16.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("et"), T("u16.txt"));
    ck_assert_int_eq(rc, 0);
    got = answer_sans_id("u16.json");
    ck_assert_str_eq(got, ref);
    free(got);
    free(ref);
    /* not told: the error says what to do */
    rc = run("cp.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("et"), T("cp.txt"));
    ck_assert_int_eq(rc, 1);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "it reads as windows-1256: try --encoding windows-1256") != NULL, "%s", err);
    free(err);
    /* a stream, decoded a line at a time; not in UTF-16 */
    char line[8192];
    for (size_t i = 0; i < cn; i++)
        if (cp[i] == '\n' || cp[i] == '"' || cp[i] == '\\') cp[i] = ' ';
    snprintf(line, sizeof line, "{\"id\": \"x\", \"text\": \"%.*s\"}\n", (int)cn, cp);
    put(T("cp.jsonl"), line, strlen(line));
    rc = run("cpl.json", "err.txt", "'%s' --models '%s' --encoding cp1256 '%s'", CLASSIFY, T("et"), T("cp.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *ref_line = answer_sans_id("cpl.json");
    /* the same stream in UTF-16: a file is decoded whole, by its mark; a
     * pipe cannot be, and says how to convert it */
    size_t ul;
    char *u8line = recode("UTF-8", "windows-1256", line, strlen(line), &ul);
    char *u16line = recode("UTF-16", "windows-1256", line, strlen(line), &ul);
    put(T("u16.jsonl"), u16line, ul);
    rc = run("u16l.json", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("et"), T("u16.jsonl"));
    ck_assert_int_eq(rc, 0);
    got = answer_sans_id("u16l.json");
    ck_assert_str_eq(got, ref_line);
    free(got);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cat '%s' | '%s' --models '%s' --encoding utf-16 --jsonl - > '%s' 2> '%s'", T("u16.jsonl"),
             CLASSIFY, T("et"), T("x.json"), T("err.txt"));
    rc = system(cmd);
    ck_assert_int_eq(WEXITSTATUS(rc), 2);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "convert it to UTF-8 first (iconv -f utf-16") != NULL, "%s", err);
    free(err);
    /* a UTF-8 file with its mark is UTF-8, whatever --encoding says */
    size_t bl = strlen(u8line);
    char *bom = malloc(bl + 3);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, u8line, bl);
    put(T("bom.jsonl"), bom, bl + 3);
    rc = run("bom.json", "err.txt", "'%s' --models '%s' --encoding cp1256 '%s'", CLASSIFY, T("et"), T("bom.jsonl"));
    ck_assert_int_eq(rc, 0);
    got = answer_sans_id("bom.json");
    ck_assert_str_eq(got, ref_line);
    free(got), free(bom), free(u16line), free(u8line), free(ref_line);
    rc = run("x.json", "err.txt", "'%s' --models '%s' --encoding klingon '%s'", CLASSIFY, T("et"), T("cp.txt"));
    ck_assert_int_eq(rc, 2);
    free(art), free(cp), free(u16);

    /* the mini corpus as TSV, in UTF-8 and in Windows-1256: one model */
    char *corpus = slurp(mz_test_path("corpora/mini/topic.jsonl"), NULL), *save = NULL;
    mz_buf tsv = {0};
    for (char *l = strtok_r(corpus, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(l);
        ck_assert_ptr_nonnull(j);
        char *t = cJSON_GetObjectItemCaseSensitive(j, "text")->valuestring;
        for (char *c = t; *c; c++)
            if (*c == '\t' || *c == '\n' || *c == '\r') *c = ' ';
        mz_buf_printf(&tsv, "%s\t", cJSON_GetObjectItemCaseSensitive(j, "label")->valuestring);
        mz_buf_puts(&tsv, t);
        mz_buf_puts(&tsv, "\n");
        cJSON_Delete(j);
    }
    free(corpus);
    put(T("u8.tsv"), tsv.s, tsv.n);
    char *ctsv = convert_to("windows-1256", tsv.s, tsv.n, &cn);
    put(T("cp.tsv"), ctsv, cn);
    free(ctsv);
    /* and as a spreadsheet saves "Unicode text": UTF-16 with its mark and
     * CRLF line ends, read without being told */
    mz_buf crlf = {0};
    for (size_t i = 0; i < tsv.n; i++) mz_buf_puts(&crlf, tsv.s[i] == '\n' ? "\r\n" : (char[]){tsv.s[i], 0});
    ctsv = convert_to("UTF-16", crlf.s, crlf.n, &cn);
    put(T("u16.tsv"), ctsv, cn);
    free(ctsv);
    mz_buf_free(&crlf);
    mz_buf_free(&tsv);
    rc = run("train.out", "train.err", "'%s' --corpus '%s' --cv 3 --quiet --out '%s'", TRAIN, T("u8.tsv"), T("m8"));
    ck_assert_int_eq(rc, 0);
    rc = run("train.out", "train.err", "'%s' --corpus '%s' --encoding windows-1256 --cv 3 --quiet --out '%s'", TRAIN,
             T("cp.tsv"), T("mc"));
    ck_assert_int_eq(rc, 0);
    rc = run("train.out", "train.err", "'%s' --corpus '%s' --cv 3 --quiet --out '%s'", TRAIN, T("u16.tsv"), T("mu"));
    if (rc != 0) ck_abort_msg("UTF-16 TSV: %s", slurp(T("train.err"), NULL));
    const char *files[] = {"vocab.tsv", "model.svm"};
    for (int k = 0; k < 4; k++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "m8/%s", files[k % 2]);
        snprintf(b, sizeof b, "%s/%s", k < 2 ? "mc" : "mu", files[k % 2]);
        size_t la, lb;
        char *x = slurp(T(a), &la), *y = slurp(T(b), &lb);
        ck_assert_msg(la == lb && !memcmp(x, y, la), "%s differs", b);
        free(x), free(y);
    }
    rc = run("train.out", "train.err", "'%s' --corpus '%s' --cv 3 --quiet --out '%s'", TRAIN, T("cp.tsv"), T("mx"));
    ck_assert_int_eq(rc, 1);
    err = slurp(T("train.err"), NULL);
    ck_assert_msg(strstr(err, "cp.tsv:1: text: invalid UTF-8") && strstr(err, "try --encoding windows-1256"), "%s", err);
    free(err);
}
END_TEST

/* --summary: one account of the run whose counts are the per-article
 * answers' own, the same for the same articles in another order and on
 * any number of threads; errors counted; usage clashes refused. */
START_TEST(test_summary)
{
    ck_assert_int_eq(mkdir(T("sm"), 0755), 0);
    train_topic("corpora/mini/topic.jsonl", "sm/topic");
    train_stance("sm/russia", "");
    /* the samples as a stream, plus a record with no Arabic */
    char *lines[16];
    int nl = 0;
    DIR *d = opendir(mz_test_path("corpora/samples"));
    struct dirent *de;
    char *names[16];
    int nn = 0;
    while ((de = readdir(d)) && nn < 16)
        if (strstr(de->d_name, ".txt")) names[nn++] = strdup(de->d_name);
    closedir(d);
    for (int i = 0; i < nn; i++) {
        char p[512];
        snprintf(p, sizeof p, "corpora/samples/%s", names[i]);
        char *t = slurp(mz_test_path(p), NULL);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", names[i]);
        cJSON_AddStringToObject(o, "text", t);
        lines[nl++] = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        free(t);
        free(names[i]);
    }
    lines[nl++] = strdup("{\"id\": \"latin\", \"text\": \"no Arabic here\"}");
    mz_buf fw = {0}, bw = {0};
    for (int i = 0; i < nl; i++) {
        mz_buf_puts(&fw, lines[i]), mz_buf_puts(&fw, "\n");
        mz_buf_puts(&bw, lines[nl - 1 - i]), mz_buf_puts(&bw, "\n");
    }
    put(T("fw.jsonl"), fw.s, fw.n);
    put(T("bw.jsonl"), bw.s, bw.n);
    for (int i = 0; i < nl; i++) free(lines[i]);
    mz_buf_free(&fw), mz_buf_free(&bw);

    int rc = run("answers.jsonl", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("sm"), T("fw.jsonl"));
    ck_assert_int_eq(rc, 1);
    rc = run("s1.json", "err.txt", "'%s' --models '%s' --summary -j 1 '%s'", CLASSIFY, T("sm"), T("fw.jsonl"));
    ck_assert_int_eq(rc, 1);
    rc = run("s2.json", "err.txt", "'%s' --models '%s' --summary -j 2 '%s'", CLASSIFY, T("sm"), T("bw.jsonl"));
    ck_assert_int_eq(rc, 1);
    char *s1 = slurp(T("s1.json"), NULL), *s2 = slurp(T("s2.json"), NULL);
    ck_assert_str_eq(s1, s2);
    free(s2);
    /* tally the per-article answers and compare */
    cJSON *sum = cJSON_Parse(s1);
    ck_assert_ptr_nonnull(sum);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(sum, "articles")->valueint, nl);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(sum, "errors")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(sum, "answered")->valueint, nl - 1);
    const cJSON *topic = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "topic"), "labels");
    const cJSON *ru = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "stance"), "russia");
    ck_assert_ptr_nonnull(topic);
    ck_assert_ptr_nonnull(ru);
    char *ans = slurp(T("answers.jsonl"), NULL), *save = NULL;
    int topic_total = 0, present = 0, crit = 0;
    double score = 0;
    for (char *l = strtok_r(ans, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(l);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "topic");
        if (t) {
            const char *lab = cJSON_GetObjectItemCaseSensitive(t, "label")->valuestring;
            topic_total++;
            ck_assert_msg(cJSON_GetObjectItemCaseSensitive(topic, lab) != NULL, "%s not counted", lab);
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "stance"), "russia");
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "present"))) {
                present++;
                crit += !strcmp(cJSON_GetObjectItemCaseSensitive(r, "label")->valuestring, "critical");
                score += cJSON_GetObjectItemCaseSensitive(r, "score")->valuedouble;
            }
        }
        cJSON_Delete(j);
    }
    free(ans);
    int counted = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, topic) counted += c->valueint;
    ck_assert_int_eq(counted, topic_total);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(ru, "present")->valueint, present);
    const cJSON *rc_crit = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ru, "labels"), "critical");
    ck_assert_int_eq(rc_crit ? rc_crit->valueint : 0, crit);
    ck_assert_double_eq_tol(cJSON_GetObjectItemCaseSensitive(ru, "mean_score")->valuedouble,
                            present ? score / present : 0.0, 1e-3);
    ck_assert_int_gt(present, 0);
    cJSON_Delete(sum);
    free(s1);
    rc = run("s3.txt", "err.txt", "'%s' --models '%s' --summary --format text '%s'", CLASSIFY, T("sm"), T("fw.jsonl"));
    ck_assert_int_eq(rc, 1);
    char *txt = slurp(T("s3.txt"), NULL);
    ck_assert_msg(strstr(txt, "with an error)\ntopic") && strstr(txt, "russia   discussed in"), "%s", txt);
    free(txt);
    /* target stance: labels per target; a record whose target the bundle
     * does not know (or that names none) is one answered with an error,
     * counted under "(unknown target)" (or "(no target given)"), not under
     * its own made-up name */
    rc = run("o.txt", "e.txt", "'%s' --task target --target-field target --corpus '%s' --cv 3 --quiet --min-df 1 --out '%s'",
             TRAIN, mz_test_path("corpora/mini/mawqif_like.jsonl"), T("smt"));
    ck_assert_int_eq(rc, 0);
    const char tfeed[] = "{\"id\": \"1\", \"text\": \"اللقاح حماية لكم ولأهلكم\", \"target\": \"Covid Vaccine\"}\n"
                         "{\"id\": \"2\", \"text\": \"اللقاح حماية لكم ولأهلكم\", \"target\": \"made up 1\"}\n"
                         "{\"id\": \"3\", \"text\": \"اللقاح حماية لكم ولأهلكم\", \"target\": \"made up 2\"}\n"
                         "{\"id\": \"4\", \"text\": \"اللقاح حماية لكم ولأهلكم\"}\n";
    put(T("t.jsonl"), tfeed, sizeof tfeed - 1);
    rc = run("s5.json", "err.txt", "'%s' --models '%s' --summary '%s'", CLASSIFY, T("smt"), T("t.jsonl"));
    ck_assert_int_eq(rc, 1);
    sum = cJSON_Parse(s1 = slurp(T("s5.json"), NULL));
    ck_assert_ptr_nonnull(sum);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(sum, "errors")->valueint, 3);
    const cJSON *tg = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "target_stance"), "targets");
    ck_assert_int_eq(cJSON_GetArraySize(tg), 3);
    ck_assert_int_eq(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tg, "(unknown target)"), "articles")->valueint, 2);
    ck_assert_int_eq(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tg, "(no target given)"), "articles")->valueint, 1);
    char *terr = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(terr, "t.jsonl:2: target_stance: unknown target \"made up 1\" (it knows \"Covid Vaccine\"") &&
                      strstr(terr, "t.jsonl:4: target_stance: no target given"),
                  "%s", terr);
    free(terr);
    const cJSON *cvl = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tg, "Covid Vaccine"), "labels");
    ck_assert_int_eq(cJSON_GetArraySize(cvl), 1);
    ck_assert_int_eq(cvl->child->valueint, 1);
    cJSON_Delete(sum);
    free(s1);
    /* the answers themselves carry the words behind them, as the other
     * heads' do; in TSV every row, an error's too, has the header's cells */
    rc = run("t.json", "err.txt", "'%s' --models '%s' --explain 2 '%s'", CLASSIFY, T("smt"), T("t.jsonl"));
    ck_assert_int_eq(rc, 1);
    char *tj = slurp(T("t.json"), NULL);
    cJSON *first = cJSON_Parse(strtok(tj, "\n"));
    const cJSON *tev = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(first, "target_stance"), "evidence");
    ck_assert_msg(cJSON_IsArray(tev) && cJSON_GetArraySize(tev) >= 1 && cJSON_GetArraySize(tev) <= 2, "%s", tj);
    cJSON_Delete(first);
    free(tj);
    rc = run("t.tsv", "err.txt", "'%s' --models '%s' --format tsv '%s'", CLASSIFY, T("smt"), T("t.jsonl"));
    ck_assert_int_eq(rc, 1);
    char *tt = slurp(T("t.tsv"), NULL);
    static const char thead[] = "id\ttarget_stance_target\ttarget_stance\ttarget_stance_confidence\t"
                                "target_stance_evidence\ttruncated\terror\n";
    ck_assert_msg(!strncmp(tt, thead, sizeof thead - 1), "%s", tt);
    int rows = 0;
    for (char *l = strtok(tt, "\n"); l; l = strtok(NULL, "\n"), rows++) {
        int tabs = 0;
        for (char *c = l; *c; c++) tabs += *c == '\t';
        ck_assert_msg(tabs == 6, "%d cells in: %s", tabs + 1, l);
    }
    ck_assert_int_eq(rows, 5);
    free(tt);
    /* the other bundles answer those records, as the per-article run
     * prints them: their answers count */
    rc = run("s6.json", "err.txt", "'%s' --models '%s' --models '%s' --summary '%s'", CLASSIFY, T("smt"),
             mz_test_path("models/topic"), T("t.jsonl"));
    ck_assert_int_eq(rc, 1);
    sum = cJSON_Parse(s1 = slurp(T("s6.json"), NULL));
    ck_assert_ptr_nonnull(sum);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(sum, "errors")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "topic"), "articles")->valueint, 4);
    cJSON_Delete(sum);
    free(s1);
    /* --summary-by: an account per value, errors in theirs, a file under
     * "(none)"; past 10,000 values the rest are counted in the whole only */
    mz_buf by = {0};
    mz_buf_puts(&by, "{\"id\": \"e\", \"src\": \"b\", \"text\": \"no Arabic\"}\n");
    for (int i = 0; i < 10003; i++)
        mz_buf_printf(&by, "{\"id\": \"%d\", \"src\": \"%s\", \"text\": \"فاز الفريق في المباراة\"}\n", i,
                      i < 2 ? "a" : i < 4 ? "b" : "many");
    for (int i = 0; i < 10003; i++) mz_buf_printf(&by, "{\"id\": \"u%d\", \"u\": %d, \"text\": \"فاز الفريق في المباراة\"}\n", i, i);
    put(T("by.jsonl"), by.s, by.n);
    mz_buf_free(&by);
    rc = run("s6.json", "err.txt", "'%s' --models '%s' --summary-by src '%s' '%s'", CLASSIFY, T("sm"), T("by.jsonl"),
             mz_test_path("corpora/samples/wire-2018-tech.txt"));
    ck_assert_int_eq(rc, 1);
    sum = cJSON_Parse(s1 = slurp(T("s6.json"), NULL));
    ck_assert_ptr_nonnull(sum);
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "by"), "values");
    ck_assert_int_eq(cJSON_GetArraySize(vals), 4);
    /* most articles first: many, (none) (the u records and the file), b, a */
    ck_assert_str_eq(vals->child->string, "(none)");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(vals->child, "articles")->valueint, 10004);
    ck_assert_str_eq(vals->child->next->string, "many");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(vals, "b");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(b, "articles")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(b, "errors")->valueint, 1);
    cJSON_Delete(sum);
    free(s1);
    rc = run("s7.json", "err.txt", "'%s' --models '%s' --summary-by u '%s'", CLASSIFY, T("sm"), T("by.jsonl"));
    ck_assert_int_eq(rc, 1);
    sum = cJSON_Parse(s1 = slurp(T("s7.json"), NULL));
    const cJSON *byu = cJSON_GetObjectItemCaseSensitive(sum, "by");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(byu, "values")), 10000);
    /* the first 10,000 values: the 10,004 records without u are one of them */
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(byu, "other_articles")->valueint, 4);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(sum, "articles")->valueint, 20007);
    cJSON_Delete(sum);
    free(s1);
    /* any field, one named as an answer's key included: a feed's own gold
     * topic, against the topic the bundle answers */
    const char gold[] = "{\"id\": \"g1\", \"topic\": \"gold-a\", \"text\": \"فاز الفريق في المباراة\"}\n"
                        "{\"id\": \"g2\", \"topic\": \"gold-a\", \"text\": \"فاز الفريق في المباراة\"}\n"
                        "{\"id\": \"g3\", \"topic\": \"gold-b\", \"text\": \"فاز الفريق في المباراة\"}\n";
    put(T("gold.jsonl"), gold, sizeof gold - 1);
    rc = run("s8.json", "err.txt", "'%s' --models '%s' --summary-by topic '%s'", CLASSIFY, T("sm"), T("gold.jsonl"));
    ck_assert_int_eq(rc, 0);
    sum = cJSON_Parse(s1 = slurp(T("s8.json"), NULL));
    const cJSON *gv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "by"), "values");
    ck_assert_int_eq(cJSON_GetArraySize(gv), 2);
    const cJSON *ga = cJSON_GetObjectItemCaseSensitive(gv, "gold-a");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(ga, "articles")->valueint, 2);
    /* the bundle's own topic is still tallied, in the whole and per value */
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "topic"), "articles")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ga, "topic"), "articles")->valueint, 2);
    cJSON_Delete(sum);
    free(s1);
    /* a run, and a value, whose every record failed still list each
     * bundle's answer, empty: a reader finds the same keys in any summary */
    const char bad[] = "{\"id\": \"x1\", \"src\": \"z\", \"text\": \"no Arabic\"}\n";
    put(T("bad.jsonl"), bad, sizeof bad - 1);
    rc = run("s9.json", "err.txt", "'%s' --models '%s' --summary-by src '%s'", CLASSIFY, T("sm"), T("bad.jsonl"));
    ck_assert_int_eq(rc, 1);
    sum = cJSON_Parse(s1 = slurp(T("s9.json"), NULL));
    ck_assert_ptr_nonnull(sum);
    const cJSON *zv = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sum, "by"), "values"), "z");
    const cJSON *acc2[] = {sum, zv};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(acc2[k], "errors")->valueint, 1);
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(acc2[k], "topic");
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(tp, "articles")->valueint, 0);
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(tp, "labels")), 0);
        const cJSON *rs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(acc2[k], "stance"), "russia");
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(rs, "present")->valueint, 0);
        ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rs, "mean_score")));
    }
    cJSON_Delete(sum);
    free(s1);
    rc = run("s9.txt", "err.txt", "'%s' --models '%s' --summary --format text '%s'", CLASSIFY, T("sm"), T("bad.jsonl"));
    ck_assert_int_eq(rc, 1);
    txt = slurp(T("s9.txt"), NULL);
    ck_assert_msg(strstr(txt, "topic    (none)\n") && strstr(txt, "russia   discussed in 0 (0.0%)"), "%s", txt);
    free(txt);
    const char *clash[] = {"--format tsv", "--keep url", "--list-models", "--summary-by a,b"};
    for (int k = 0; k < 4; k++) {
        rc = run("s4.json", "err.txt", "'%s' --models '%s' --summary %s '%s'", CLASSIFY, T("sm"), clash[k], T("fw.jsonl"));
        ck_assert_int_eq(rc, 2);
    }
}
END_TEST

/* --list-models: what answers, read from the verified bundles: one JSON
 * line per bundle with its key, labels and the manifest's figures (less
 * the confusion matrices), or a text block; a broken bundle is refused as
 * classifying would refuse it. */
START_TEST(test_list_models)
{
    ck_assert_int_eq(mkdir(T("lm"), 0755), 0);
    train_topic("corpora/mini/topic.jsonl", "lm/topic");
    train_stance("lm/russia", "");
    int rc = run("out.json", "err.txt", "'%s' --models '%s' --list-models", CLASSIFY, T("lm"));
    if (rc != 0) ck_abort_msg("--list-models exited %d: %s", rc, slurp(T("err.txt"), NULL));
    char *out = slurp(T("out.json"), NULL);
    char *save = NULL;
    int n = 0;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
        cJSON *j = cJSON_Parse(line);
        ck_assert_msg(j != NULL, "not JSON: %s", line);
        const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "key"));
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(j, "labels");
        const cJSON *cv = cJSON_GetObjectItemCaseSensitive(j, "cv");
        ck_assert_ptr_nonnull(key);
        ck_assert_ptr_nonnull(cv);
        ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(j, "train_command"));
        ck_assert_msg(strstr(line, "\"confusion\"") == NULL, "confusion kept: %s", line);
        /* the figures are the manifest's own */
        char mpath[64];
        snprintf(mpath, sizeof mpath, "lm/%s/manifest.json", n == 0 ? "russia" : "topic");
        char *man = slurp(T(mpath), NULL);
        cJSON *mj = cJSON_Parse(man);
        const char *sec = n == 0 ? "stance" : "topic";
        double want = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mj, "cv"), sec), "macro_f1")->valuedouble;
        double got = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cv, sec), "macro_f1")->valuedouble;
        ck_assert_double_eq_tol(got, want, 1e-12);
        if (n == 0) {
            /* bundles in name order: russia, then topic */
            ck_assert_str_eq(key, "stance.russia");
            ck_assert_int_eq(cJSON_GetArraySize(labels), 3);
            ck_assert_str_eq(cJSON_GetArrayItem(labels, 0)->valuestring, "critical");
        } else {
            ck_assert_str_eq(key, "topic");
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "kind")->valuestring, "multiclass");
        }
        cJSON_Delete(mj);
        free(man);
        cJSON_Delete(j);
    }
    ck_assert_int_eq(n, 2);
    free(out);

    rc = run("out.txt", "err.txt", "'%s' --models '%s' --list-models --format text", CLASSIFY, T("lm"));
    ck_assert_int_eq(rc, 0);
    out = slurp(T("out.txt"), NULL);
    ck_assert_msg(strstr(out, "== stance.russia (stance)") && strstr(out, "== topic (multiclass)"), "%s", out);
    ck_assert_msg(strstr(out, "  cv presence") && strstr(out, "  rebuild ") && strstr(out, "--target russia"), "%s", out);
    /* -o takes the listing as it takes answers */
    rc = run("none.txt", "err.txt", "'%s' --models '%s' --list-models --format text -o '%s'", CLASSIFY, T("lm"), T("list.txt"));
    ck_assert_int_eq(rc, 0);
    char *listed = slurp(T("list.txt"), NULL);
    ck_assert_str_eq(listed, out);
    free(listed);
    free(out);

    /* a bundle that would not load is not listed either */
    FILE *f = fopen(T("lm/topic/model.svm"), "a");
    ck_assert_ptr_nonnull(f);
    fputs("0\n", f);
    fclose(f);
    rc = run("out.json", "err.txt", "'%s' --models '%s' --list-models", CLASSIFY, T("lm"));
    ck_assert_int_eq(rc, 2);
    size_t len;
    free(slurp(T("out.json"), &len));
    ck_assert_uint_eq(len, 0);
}
END_TEST

/* --list-models --terms K: per label, the K word features weighing most
 * toward it, checked against libsvm's own reading of the model file: a
 * linear head's pair (i, j) weighs feature f by its decision on the one-hot
 * vector e_f less its decision on nothing, and a feature's weight toward c
 * is the mean of its pairs' weights, each oriented toward c.  No word left
 * out may outweigh the last one listed. */
START_TEST(test_list_models_terms)
{
    ck_assert_int_eq(mkdir(T("lt"), 0755), 0);
    train_topic("corpora/mini/topic.jsonl", "lt/topic");
    const size_t K = 4;
    int rc = run("out.json", "err.txt", "'%s' --models '%s' --list-models --terms %zu", CLASSIFY, T("lt/topic"), K);
    if (rc != 0) ck_abort_msg("--list-models --terms exited %d: %s", rc, slurp(T("err.txt"), NULL));
    char *out = slurp(T("out.json"), NULL);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(j, "labels");
    const cJSON *head = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "terms"), "topic");
    ck_assert_msg(cJSON_IsObject(head), "no terms for the topic head: %s", out);
    int k = cJSON_GetArraySize(labels);
    ck_assert_int_eq(cJSON_GetArraySize(head), k);

    /* the vocabulary: feature f (1-based) is its f-th entry line */
    char *voc = slurp(T("lt/topic/vocab.tsv"), NULL);
    size_t cap = 1024, nf = 0;
    char **surf = malloc(cap * sizeof *surf), *kinds = malloc(cap);
    char *save = NULL;
    for (char *line = strtok_r(voc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        if (nf + 1 == cap) {
            cap *= 2;
            surf = realloc(surf, cap * sizeof *surf);
            kinds = realloc(kinds, cap);
        }
        char *last = strrchr(line, '\t');
        ck_assert_ptr_nonnull(last);
        nf++;
        kinds[nf] = line[0];
        surf[nf] = last + 1;
    }
    ck_assert_uint_gt(nf, 50);

    struct svm_model *lib = svm_load_model(T("lt/topic/model.svm"));
    ck_assert_ptr_nonnull(lib);
    ck_assert_int_eq(svm_get_nr_class(lib), k);
    int np = k * (k - 1) / 2;
    double *W = malloc((nf + 1) * (size_t)np * sizeof *W), d0[64], d1[64];
    struct svm_node none = {-1, 0}, one[2] = {{0, 1.0}, {-1, 0}};
    svm_predict_values(lib, &none, d0);
    for (size_t f = 1; f <= nf; f++) {
        one[0].index = (int)f;
        svm_predict_values(lib, one, d1);
        for (int p = 0; p < np; p++) W[f * (size_t)np + (size_t)p] = d1[p] - d0[p];
    }
    int listed_any = 0;
    for (int c = 0; c < k; c++) {
        const char *name = cJSON_GetArrayItem(labels, c)->valuestring;
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(head, name);
        ck_assert_msg(cJSON_IsArray(list), "no terms for %s", name);
        /* every word feature's weight toward c, as libsvm's numbers give it */
        double *tw = calloc(nf + 1, sizeof *tw);
        size_t positive = 0;
        for (size_t f = 1; f <= nf; f++) {
            double sum = 0;
            for (int o = 0; o < k; o++) {
                if (o == c) continue;
                int p = c < o ? c * (2 * k - c - 1) / 2 + (o - c - 1) : o * (2 * k - o - 1) / 2 + (c - o - 1);
                sum += (c < o ? 1 : -1) * W[f * (size_t)np + (size_t)p];
            }
            tw[f] = sum / (k - 1);
            positive += (kinds[f] == 'u' || kinds[f] == 'b') && tw[f] > 1e-9;
        }
        int n = cJSON_GetArraySize(list);
        ck_assert_int_eq(n, (int)(positive < K ? positive : K));
        double prev = INFINITY, lastw = 0;
        unsigned char *shown = calloc(nf + 1, 1);
        const cJSON *t;
        cJSON_ArrayForEach(t, list)
        {
            const char *term = cJSON_GetObjectItemCaseSensitive(t, "term")->valuestring;
            double w = cJSON_GetObjectItemCaseSensitive(t, "weight")->valuedouble;
            ck_assert_msg(w > 0 && w <= prev, "%s: weights not positive and falling at %s", name, term);
            prev = lastw = w;
            size_t f = 1;
            while (f <= nf && !((kinds[f] == 'u' || kinds[f] == 'b') && !strcmp(surf[f], term) && !shown[f])) f++;
            ck_assert_msg(f <= nf, "%s: listed term %s is no word of the vocabulary", name, term);
            shown[f] = 1;
            /* the file holds 8 significant digits, the listing 6 decimals */
            ck_assert_msg(fabs(tw[f] - w) < 1e-5, "%s, %s: listed %.6f, libsvm %.6f", name, term, w, tw[f]);
            listed_any = 1;
        }
        for (size_t f = 1; f <= nf; f++)
            if ((kinds[f] == 'u' || kinds[f] == 'b') && !shown[f])
                ck_assert_msg(tw[f] <= lastw + 1e-5, "%s: %s (%.6f) outweighs the last listed (%.6f)", name, surf[f],
                              tw[f], lastw);
        free(shown);
        free(tw);
    }
    ck_assert(listed_any);
    svm_free_and_destroy_model(&lib);
    free(W);
    free(surf);
    free(kinds);
    free(voc);
    cJSON_Delete(j);
    free(out);

    /* a person's listing shows them; per article they are --explain's */
    rc = run("out.txt", "err.txt", "'%s' --models '%s' --list-models --terms 2 --format text", CLASSIFY, T("lt/topic"));
    ck_assert_int_eq(rc, 0);
    out = slurp(T("out.txt"), NULL);
    ck_assert_msg(strstr(out, "\n  terms   topic sport: "), "%s", out);
    free(out);
    rc = run("out.txt", "err.txt", "'%s' --models '%s' --terms 2 '%s'", CLASSIFY, T("lt/topic"),
             mz_test_path("corpora/samples/wire-2018-sport.txt"));
    ck_assert_int_eq(rc, 2);
    out = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(out, "--terms: only with --list-models"), "%s", out);
    free(out);
}
END_TEST

/* The shipped models on the shipped op-ed (Russia's CSTO intervention in
 * Kazakhstan): international news, framed around security, critical of
 * Russia, silent about the West. */
START_TEST(test_shipped_models_read_the_oped)
{
    int rc = run("out.jsonl", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, mz_test_path("models"),
                 mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
    char *out = slurp(T("out.jsonl"), NULL);
    ck_assert_msg(rc == 0, "classify exited %d: %s", rc, out);
    cJSON *j = cJSON_Parse(out);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(check_topic(j), "internationalNews");
    const cJSON *fr = cJSON_GetObjectItemCaseSensitive(j, "frames");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(fr, "primary")->valuestring, "Security_and_defense");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "stance");
    const cJSON *ru = cJSON_GetObjectItemCaseSensitive(st, "russia"), *we = cJSON_GetObjectItemCaseSensitive(st, "west");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ru, "present")));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(ru, "label")->valuestring, "critical");
    ck_assert(cJSON_GetObjectItemCaseSensitive(ru, "score")->valuedouble < 0);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(we, "present")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(we, "label")));
    cJSON_Delete(j);
    free(out);
}
END_TEST

/* --source-field: the mini topic corpus as two outlets, A and B, where B's
 * desk files world news under the Middle East.  The bundle keeps the
 * plain head (the same file a plain bundle gets) for any other source;
 * an article of A or B is answered by its source's head, says so, and
 * gets the probabilities evaluate gives the same record; B's head moves
 * world news towards the Middle East.  --source names the source of
 * plain-text articles. */
static char *line_of(const char *out, const char *id)
{
    char key[64];
    snprintf(key, sizeof key, "{\"id\": \"%s\"", id);
    const char *p = strstr(out, key);
    ck_assert_msg(p != NULL, "no answer for %s in %s", id, out);
    const char *nl = strchr(p, '\n');
    return strndup(p, nl ? (size_t)(nl - p) : strlen(p));
}

static double score_of(const char *line, const char *label)
{
    cJSON *j = cJSON_Parse(line);
    ck_assert_ptr_nonnull(j);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "topic"), "scores");
    double v = cJSON_GetObjectItemCaseSensitive(sc, label)->valuedouble;
    cJSON_Delete(j);
    return v;
}

/* The corpus at from (in the repository) with record i changed by
 * edit(record, i), written to path; returns the records. */
static int edit_corpus(const char *from, const char *path, void (*edit)(cJSON *r, int i))
{
    char *src = slurp(mz_test_path(from), NULL);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    char *save = NULL;
    int n = 0;
    for (char *l = strtok_r(src, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
        cJSON *r = cJSON_Parse(l);
        ck_assert_ptr_nonnull(r);
        edit(r, n);
        char *x = cJSON_PrintUnformatted(r);
        fprintf(f, "%s\n", x);
        free(x);
        cJSON_Delete(r);
    }
    fclose(f);
    free(src);
    return n;
}

/* two desks, "7" and "B", the second filing international news under the
 * Middle East */
static void two_desks(cJSON *j, int i)
{
    const char *src = i % 2 ? "B" : "7";
    cJSON_AddStringToObject(j, "source", src);
    const cJSON *lb = cJSON_GetObjectItemCaseSensitive(j, "label");
    if (*src == 'B' && !strcmp(lb->valuestring, "internationalNews"))
        cJSON_ReplaceItemInObject(j, "label", cJSON_CreateString("middleEast"));
}

START_TEST(test_source_heads)
{
    edit_corpus("corpora/mini/topic.jsonl", T("desks.jsonl"), two_desks);
    FILE *f;
    char *save = NULL;
    const char *opts = "--cv 3 --quiet --C 4 --class-weight balanced";
    int rc = run("out.txt", "err.txt",
                 "'%s' --corpus '%s' --out '%s' %s --source-field source --source-min 5 --cv-predictions '%s'", TRAIN,
                 T("desks.jsonl"), T("src"), opts, T("cvp.jsonl"));
    ck_assert_msg(rc == 0, "training exited %d: %s", rc, slurp(T("err.txt"), NULL));
    /* each record answered by its source's head says which, as evaluate's
     * --predictions do */
    char *cvp = slurp(T("cvp.jsonl"), NULL);
    ck_assert_msg(strstr(cvp, "\"source\":\"B\""), "%.300s", cvp);
    free(cvp);
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --out '%s' %s", TRAIN, T("desks.jsonl"), T("plain"), opts);
    ck_assert_int_eq(rc, 0);
    /* the plain head is the plain bundle's, byte for byte */
    size_t la, lb;
    char *ma = slurp(T("src/model.svm"), &la), *mb = slurp(T("plain/model.svm"), &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(ma, mb, la) == 0);
    free(ma);
    free(mb);
    char *man = slurp(T("src/manifest.json"), NULL);
    cJSON *mj = cJSON_Parse(man);
    const cJSON *sj = cJSON_GetObjectItemCaseSensitive(mj, "source");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(sj, "field")->valuestring, "source");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sj, "values")), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sj, "values"), 1)->valuestring, "B");
    const cJSON *cvs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mj, "cv"), "source");
    ck_assert(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(cvs, "plain")));
    cJSON_Delete(mj);
    free(man);

    /* a world-news text of each source, of an unknown one and of none */
    const char *text = "عقدت الأمم المتحدة في نيويورك اجتماعا بحضور وفود من البرازيل واليابان والهند والفلبين "
                       "لبحث التعاون الدولي";
    f = fopen(T("feed.jsonl"), "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"id\": \"a\", \"source\": \"7\", \"text\": \"%s\"}\n", text);
    fprintf(f, "{\"id\": \"b\", \"source\": \"B\", \"text\": \"%s\"}\n", text);
    fprintf(f, "{\"id\": \"c\", \"source\": \"C\", \"text\": \"%s\"}\n", text);
    fprintf(f, "{\"id\": \"d\", \"text\": \"%s\", \"meta\": [1]}\n", text); /* the full parse's way */
    fclose(f);
    rc = run("src.jsonl", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("src"), T("feed.jsonl"));
    ck_assert_msg(rc == 0, "classify exited %d: %s", rc, slurp(T("err.txt"), NULL));
    rc = run("plain.jsonl", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("plain"), T("feed.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *out = slurp(T("src.jsonl"), NULL), *pout = slurp(T("plain.jsonl"), NULL);
    char *a = line_of(out, "a"), *b = line_of(out, "b");
    ck_assert_msg(strstr(a, "\"source\": \"7\"") && strstr(b, "\"source\": \"B\""), "%s\n%s", a, b);
    ck_assert_msg(score_of(b, "middleEast") > score_of(a, "middleEast") + 0.05, "%s\n%s", a, b);
    for (const char *id = "c"; *id <= 'd'; id = *id == 'c' ? "d" : "e") {
        char *x = line_of(out, id), *y = line_of(pout, id);
        ck_assert_str_eq(x, y); /* the plain head answers, and no "source" is claimed */
        ck_assert_ptr_null(strstr(x, "\"source\""));
        free(x);
        free(y);
    }
    free(a);
    free(b);
    free(out);
    free(pout);

    /* the classifier and evaluate give a record the same probabilities */
    rc = run("ev.txt", "err.txt", "'%s' evaluate --model '%s' --corpus '%s' --predictions '%s'", TRAIN, T("src"),
             T("desks.jsonl"), T("pred.jsonl"));
    ck_assert_msg(rc == 0, "evaluate exited %d: %s", rc, slurp(T("err.txt"), NULL));
    char *ev = slurp(T("ev.txt"), NULL);
    ck_assert_msg(strstr(ev, "the plain head alone (held-out)") && strstr(ev, "records of a source with its own head: 36 of 36"),
                  "%s", ev);
    free(ev);
    rc = run("cls.jsonl", "err.txt", "'%s' --models '%s' '%s'", CLASSIFY, T("src"), T("desks.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *pred = slurp(T("pred.jsonl"), NULL), *cls = slurp(T("cls.jsonl"), NULL);
    save = NULL;
    int n = 0;
    for (char *l = strtok_r(pred, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
        cJSON *p = cJSON_Parse(l);
        const char *id = cJSON_GetObjectItemCaseSensitive(p, "id")->valuestring;
        char *c = line_of(cls, id);
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(p, "scores"), *x;
        ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(p, "source")->valuestring, n % 2 ? "B" : "7");
        cJSON_ArrayForEach(x, sc) ck_assert_double_eq_tol(score_of(c, x->string), x->valuedouble, 1e-12);
        free(c);
        cJSON_Delete(p);
    }
    ck_assert_int_eq(n, 36);
    free(pred);
    free(cls);

    /* TSV: the answering source in a column of its own, empty for the plain head */
    rc = run("src.tsv", "err.txt", "'%s' --models '%s' --format tsv --explain 2 '%s'", CLASSIFY, T("src"), T("feed.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *tsv = slurp(T("src.tsv"), NULL);
    ck_assert_msg(!strncmp(tsv, "id\ttopic\ttopic_confidence\ttopic_source\ttopic_evidence\ttruncated\terror\n", 70),
                  "%s", tsv);
    ck_assert_msg(strstr(tsv, "\nb\tmiddleEast\t") && strstr(tsv, "\tB\t"), "%s", tsv);
    char *rowc = strstr(tsv, "\nc\t");
    ck_assert_ptr_nonnull(rowc);
    int tabs = 0;
    const char *q = rowc + 1;
    for (; *q && *q != '\n' && tabs < 3; q++) tabs += *q == '\t';
    ck_assert_msg(*q == '\t', "row c's source cell is not empty: %s", rowc); /* "c\tL\t0.xx\t\t" */
    free(tsv);

    /* --source: a plain-text article's outlet */
    rc = run("txt.json", "err.txt", "'%s' --models '%s' --source B '%s'", CLASSIFY, T("src"),
             mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
    ck_assert_int_eq(rc, 0);
    char *txt = slurp(T("txt.json"), NULL);
    ck_assert_msg(strstr(txt, "\"source\": \"B\""), "%s", txt);
    free(txt);
    /* ... but not of a record that names one, even as a number no head
     * knows, though a head is named by its digits ("7" is not 7: the plain
     * head answers), nor of one whose source is null */
    const char numsrc[] = "{\"id\": \"n\", \"source\": 7, \"text\": \"قال الكرملين إن الرئيس سيزور الصين\"}\n"
                          "{\"id\": \"z\", \"source\": null, \"text\": \"قال الكرملين إن الرئيس سيزور الصين\"}\n";
    put(T("numsrc.jsonl"), numsrc, sizeof numsrc - 1);
    rc = run("num.json", "err.txt", "'%s' --models '%s' --source B --explain 0 '%s'", CLASSIFY, T("src"), T("numsrc.jsonl"));
    ck_assert_int_eq(rc, 0);
    txt = slurp(T("num.json"), NULL);
    char *second = strchr(txt, '\n');
    ck_assert_ptr_nonnull(second);
    *second++ = '\0';
    ck_assert_msg(!strstr(txt, "\"source\""), "a numeric source took --source's head: %s", txt);
    ck_assert_msg(strstr(second, "\"source\": \"B\""), "a null source did not take --source's head: %s", second);
    free(txt);

    /* --source naming no known source is refused, saying which there are */
    rc = run("out.txt", "err.txt", "'%s' --models '%s' --source b '%s'", CLASSIFY, T("src"), T("feed.jsonl"));
    ck_assert_int_eq(rc, 2);
    char *serr = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(serr, "--source b: no bundle has a head for it (topic: 7, B)"), "%s", serr);
    free(serr);
    free(slurp(T("out.txt"), &la));
    ck_assert_uint_eq(la, 0);
    rc = run("out.txt", "err.txt", "'%s' --models '%s' --source A '%s'", CLASSIFY, T("plain"), T("feed.jsonl"));
    ck_assert_int_eq(rc, 2);
    serr = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(serr, "--source A: no bundle has per-source heads"), "%s", serr);
    free(serr);

    /* what cannot be combined is refused before any work */
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --out '%s' --source-field source --task stance --target russia",
             TRAIN, T("desks.jsonl"), T("x"));
    ck_assert_int_eq(rc, 2);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "--source-field: for --task multiclass"), "%s", err);
    free(err);
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --out '%s' --source-field source --aux-field source", TRAIN,
             T("desks.jsonl"), T("x"));
    ck_assert_int_eq(rc, 2);
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --out '%s' --source-field source --cv 3 --quiet", TRAIN,
             T("desks.jsonl"), T("x"));
    ck_assert_int_ne(rc, 0);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "no source has 20 scored records"), "%s", err);
    free(err);
}
END_TEST

/* `make install` puts the programs and the shipped models under a prefix;
 * the installed classifier finds the models there by itself and answers as
 * the checkout's does, the installed trainer finds its lexicon there, a copy
 * of the programs with no models beside them says where it looked, and
 * `make uninstall` takes it all away. */
START_TEST(test_install)
{
    const char *sample = mz_test_path("corpora/samples/csto-kazakhstan-oped.txt");
    /* the suite may itself run under make: the nested make must not join
     * its job server */
    int rc = run("inst.txt", "err.txt", "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C '%s' install DESTDIR='%s' PREFIX=/opt/mz",
                 mz_test_root(), T("root"));
    ck_assert_msg(rc == 0, "make install exited %d: %s", rc, slurp(T("err.txt"), NULL));
    rc = run("want.json", "err.txt", "'%s' '%s'", CLASSIFY, sample);
    ck_assert_int_eq(rc, 0);
    rc = run("got.json", "err.txt", "env -u MIZAN_MODELS '%s' '%s'", T("root/opt/mz/bin/mizan-classify"), sample);
    ck_assert_msg(rc == 0, "installed classifier exited %d: %s", rc, slurp(T("err.txt"), NULL));
    char *want = slurp(T("want.json"), NULL), *got = slurp(T("got.json"), NULL);
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    rc = run("list.txt", "err.txt", "env -u MIZAN_MODELS '%s' --list-models --format text", T("root/opt/mz/bin/mizan-classify"));
    ck_assert_int_eq(rc, 0);
    char *list = slurp(T("list.txt"), NULL);
    ck_assert_msg(strstr(list, "/opt/mz/share/mizan/models/stance-russia\n"), "%s", list);
    free(list);

    /* a models/ folder of the user's own under the prefix (a home folder
     * as PREFIX) is no checkout's: the installed models still answer, and
     * the installed lexicon and stopwords serve a stance head */
    ck_assert_int_eq(mkdir(T("root/opt/mz/models"), 0755), 0);
    rc = run("out.txt", "err.txt", "cp -r '%s' '%s'", T("root/opt/mz/share/mizan/models/topic"), T("root/opt/mz/models/mine"));
    ck_assert_int_eq(rc, 0);
    rc = run("list.txt", "err.txt", "env -u MIZAN_MODELS '%s' --list-models --format text", T("root/opt/mz/bin/mizan-classify"));
    ck_assert_int_eq(rc, 0);
    list = slurp(T("list.txt"), NULL);
    ck_assert_msg(strstr(list, "/opt/mz/share/mizan/models/stance-russia\n") && !strstr(list, "/opt/mz/models/mine"), "%s",
                  list);
    free(list);
    rc = run("out.txt", "err.txt", "'%s' --quiet --task stance --target russia --corpus '%s' --out '%s' --cv 2",
             T("root/opt/mz/bin/mizan-train"), mz_test_path("corpora/mini/stance.jsonl"), T("ru"));
    ck_assert_msg(rc == 0, "installed trainer exited %d: %s", rc, slurp(T("err.txt"), NULL));
    rc = run("out.txt", "err.txt", "rm -r '%s'", T("root/opt/mz/models"));
    ck_assert_int_eq(rc, 0);

    /* programs with no models anywhere near them */
    ck_assert_int_eq(mkdir(T("lone"), 0755), 0);
    rc = run("out.txt", "err.txt", "cp '%s' '%s' '%s'", T("root/opt/mz/bin/mizan-classify"),
             T("root/opt/mz/bin/mizan-train"), T("lone"));
    ck_assert_int_eq(rc, 0);
    rc = run("out.txt", "err.txt", "env -u MIZAN_MODELS '%s' '%s'", T("lone/mizan-classify"), sample);
    ck_assert_int_eq(rc, 2);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "no models folder: neither ") && strstr(err, "/share/mizan/models exists; give --models DIR"),
                  "%s", err);
    ck_assert_msg(!strstr(err, "/.."), "%s", err);
    free(err);
    rc = run("out.txt", "err.txt", "'%s' --quiet --task stance --target russia --corpus '%s' --out '%s'",
             T("lone/mizan-train"), mz_test_path("corpora/mini/stance.jsonl"), T("ru2"));
    ck_assert_int_ne(rc, 0);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "--stopwords FILE not given, and no models folder"), "%s", err);
    free(err);
    /* MIZAN_MODELS still serves it */
    rc = run("out.txt", "err.txt", "MIZAN_MODELS='%s' '%s' '%s'", T("root/opt/mz/share/mizan/models"),
             T("lone/mizan-classify"), sample);
    ck_assert_int_eq(rc, 0);

    rc = run("out.txt", "err.txt", "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C '%s' uninstall DESTDIR='%s' PREFIX=/opt/mz",
             mz_test_root(), T("root"));
    ck_assert_int_eq(rc, 0);
    struct stat st;
    ck_assert_int_ne(stat(T("root/opt/mz/bin/mizan-classify"), &st), 0);
    ck_assert_int_ne(stat(T("root/opt/mz/share/mizan"), &st), 0);
}
END_TEST

/* A --train-only corpus trains the heads but is never scored: the CV
 * figures count the --corpus records alone, the manifest says which corpus
 * was which, and options that cannot honour it are refused. */
static const cJSON *cv_item(const cJSON *m, const char *head, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "cv"), head);
    x = cJSON_GetObjectItemCaseSensitive(x, key);
    ck_assert_msg(cJSON_IsNumber(x), "no cv.%s.%s", head, key);
    return x;
}

START_TEST(test_train_only_corpus)
{
    int rc;
    train_stance("plain", "");
    char opt[4200];
    snprintf(opt, sizeof opt, "--train-only '%s'", mz_test_path("corpora/opinion/train.jsonl"));
    train_stance("with", opt);
    char *mp = slurp(T("plain/manifest.json"), NULL), *mw = slurp(T("with/manifest.json"), NULL);
    cJSON *p = cJSON_Parse(mp), *w = cJSON_Parse(mw);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(w);
    double np = cJSON_GetObjectItemCaseSensitive(p, "documents")->valuedouble;
    double nw = cJSON_GetObjectItemCaseSensitive(w, "documents")->valuedouble;
    const cJSON *only = cJSON_GetObjectItemCaseSensitive(w, "documents_training_only");
    ck_assert(cJSON_IsNumber(only) && only->valuedouble >= 100);
    ck_assert_double_eq(nw, np + only->valuedouble);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(p, "documents_training_only"));
    const cJSON *corp = cJSON_GetObjectItemCaseSensitive(w, "corpora");
    ck_assert_int_eq(cJSON_GetArraySize(corp), 2);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(corp, 0), "train_only"));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(corp, 1), "train_only")));
    /* the same records are scored, and the op-eds did change the heads */
    ck_assert_double_eq(cv_item(w, "presence", "n")->valuedouble, np);
    ck_assert_double_eq(cv_item(w, "stance", "n")->valuedouble, cv_item(p, "stance", "n")->valuedouble);
    /* each fold is also labelled with cut-offs chosen on the other folds:
     * the same records, a figure of its own */
    const cJSON *nest = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(w, "cv"), "stance"),
        "cutoffs_chosen_on_other_folds");
    ck_assert_double_eq(cv_item(w, "stance", "n")->valuedouble,
                        cJSON_GetObjectItemCaseSensitive(nest, "n")->valuedouble);
    const cJSON *nf = cJSON_GetObjectItemCaseSensitive(nest, "macro_f1");
    ck_assert(cJSON_IsNumber(nf) && nf->valuedouble >= 0 && nf->valuedouble <= 1);
    const cJSON *fp = cJSON_GetObjectItemCaseSensitive(p, "files"), *fw = cJSON_GetObjectItemCaseSensitive(w, "files");
    ck_assert_str_ne(cJSON_GetObjectItemCaseSensitive(fp, "stance.svm")->valuestring,
                     cJSON_GetObjectItemCaseSensitive(fw, "stance.svm")->valuestring);
    cJSON_Delete(p);
    cJSON_Delete(w);
    free(mp);
    free(mw);
    /* a target or label that only training-only records have could be
     * neither calibrated nor measured (its head would never predict it):
     * refused, named */
    static const char six[] =
        "{\"id\": \"v1\", \"target\": \"Covid Vaccine\", \"label\": \"Favor\", \"text\": \"تلقيت اللقاح اليوم وأنصح الجميع به\"}\n"
        "{\"id\": \"v2\", \"target\": \"Covid Vaccine\", \"label\": \"Favor\", \"text\": \"اللقاح آمن وقد أنقذ أرواحا كثيرة\"}\n"
        "{\"id\": \"v3\", \"target\": \"Covid Vaccine\", \"label\": \"Against\", \"text\": \"لن آخذ اللقاح فلا أثق بسرعة تصنيعه\"}\n"
        "{\"id\": \"v4\", \"target\": \"Covid Vaccine\", \"label\": \"Against\", \"text\": \"أعراض اللقاح أسوأ من المرض نفسه\"}\n"
        "{\"id\": \"v5\", \"target\": \"Covid Vaccine\", \"label\": \"None\", \"text\": \"مواعيد مراكز التطعيم تتغير يوم الجمعة\"}\n"
        "{\"id\": \"v6\", \"target\": \"Covid Vaccine\", \"label\": \"None\", \"text\": \"وصلت شحنة جديدة إلى المستشفى المركزي\"}\n";
    put(T("six.jsonl"), six, sizeof six - 1);
    static const struct {
        const char *opts, *named;
    } cases[] = {
        {"--task target --target-field target --corpus '%s' --train-only '%s'", "target \"Digital Transformation\""},
        {"--corpus '%s' --train-only '%s'", "label \"Against\""},
        {"--label-field frames --name frames --corpus '%s' --train-only '%s'", "label \"Public_opinion\""},
    };
    /* copied: T() and mz_test_path() hand out rotating buffers */
    char files[3][2][2048];
    const char *rel[3][2] = {{NULL, "corpora/mini/mawqif_like.jsonl"},
                             {"corpora/mini/topic.jsonl", NULL},
                             {"corpora/mini/stance.jsonl", "corpora/opinion/train.jsonl"}};
    for (int k = 0; k < 3; k++)
        for (int f = 0; f < 2; f++)
            snprintf(files[k][f], sizeof files[k][f], "%s", rel[k][f] ? mz_test_path(rel[k][f]) : T("six.jsonl"));
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char opts[8400];
        snprintf(opts, sizeof opts, cases[k].opts, files[k][0], files[k][1]);
        rc = run("out.txt", "err.txt", "'%s' %s --cv 2 --quiet --out '%s'", TRAIN, opts, T("refused"));
        ck_assert_msg(rc == 1, "case %zu: exit %d", k, rc);
        char *msg = slurp(T("err.txt"), NULL);
        ck_assert_msg(strstr(msg, cases[k].named) && strstr(msg, "occurs only in --train-only"), "case %zu: %s", k, msg);
        free(msg);
    }
    /* a text in both would be scored by models trained on it: the same
     * file twice is refused as such, a copy by its texts */
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --train-only '%s' --cv 2 --quiet --out '%s'", TRAIN,
             mz_test_path("corpora/mini/topic.jsonl"), mz_test_path("corpora/mini/topic.jsonl"), T("refused"));
    ck_assert_int_eq(rc, 2);
    char *err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "topic.jsonl: given twice as a corpus") != NULL, "stderr: %s", err);
    free(err);
    size_t tn;
    char *topic = slurp(mz_test_path("corpora/mini/topic.jsonl"), &tn);
    put(T("copy.jsonl"), topic, tn);
    free(topic);
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --train-only '%s' --cv 2 --quiet --out '%s'", TRAIN,
             mz_test_path("corpora/mini/topic.jsonl"), T("copy.jsonl"), T("refused"));
    ck_assert_int_eq(rc, 1);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "copy.jsonl:1: the same text is in a scored corpus") != NULL, "stderr: %s", err);
    free(err);
    /* refused: evaluation has nothing to train, the auxiliary head needs
     * every row's cross-validated prediction */
    rc = run("out.txt", "err.txt", "'%s' evaluate --model '%s' --corpus '%s' --train-only '%s'", TRAIN, T("with"),
                 mz_test_path("corpora/mini/stance.jsonl"), mz_test_path("corpora/opinion/train.jsonl"));
    ck_assert_int_eq(rc, 2);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "--train-only") != NULL, "stderr: %s", err);
    free(err);
    rc = run("out.txt", "err.txt", "'%s' --corpus '%s' --train-only '%s' --aux-field id --out '%s' --quiet", TRAIN,
             mz_test_path("corpora/mini/topic.jsonl"), mz_test_path("corpora/mini/topic.jsonl"), T("aux"));
    ck_assert_int_eq(rc, 2);
    err = slurp(T("err.txt"), NULL);
    ck_assert_msg(strstr(err, "--aux-field") != NULL, "stderr: %s", err);
    free(err);
}
END_TEST

/* ---------------------------------------------------------- ../shared */

typedef struct shared_count {
    size_t n, with_title;
    int bad_label;
} shared_count;

static int count_shared(void *arg, const mz_record *r, mz_err *e)
{
    shared_count *c = arg;
    if (!cJSON_IsString(r->label) || !is_label(r->label->valuestring)) c->bad_label = 1;
    ck_assert_uint_gt(r->text_len, 0);
    ck_assert_ptr_nonnull(r->id);
    c->with_title += r->title != NULL;
    if (++c->n == 200) return mz_fail(e, "enough");
    return 0;
}

/* The solver's class_weight in a manifest is the weighting the heads were
 * fitted with: stance and target heads are balanced by default, and an
 * explicit --class-weight none is followed, not overridden. */
static const char *class_weight_of(const char *dir)
{
    static char got[32];
    char path[64];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *m = slurp(T(path), NULL);
    cJSON *j = cJSON_Parse(m);
    ck_assert_ptr_nonnull(j);
    const cJSON *cw = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "solver"), "class_weight");
    ck_assert(cJSON_IsString(cw));
    snprintf(got, sizeof got, "%s", cw->valuestring);
    cJSON_Delete(j);
    free(m);
    return got;
}

/* Class pairs of a libsvm model file whose Platt slope (probA) is flat, 0. */
static int backwards_pairs(const char *rel)
{
    char *t = slurp(T(rel), NULL);
    char *l = strstr(t, "\nprobA ");
    int n = 0;
    for (char *p = l ? l + 7 : NULL, *end; p && *p != '\n'; p = end) {
        double v = strtod(p, &end);
        if (end == p) break;
        n += v == 0;
    }
    free(t);
    return n;
}

/* Training warns, naming the head, when a head's cross-validated decision
 * values rank a class pair backwards, and flattens that pair's sigmoid
 * (a slope the wrong way reversed the head's decisions, even on the texts
 * it was trained on, while its cross-validated figures, scored through the
 * same sigmoid, showed it rescuing them): the mini Mawqif-like corpus, ten
 * records per target, has such pairs; the warnings add up to the flat
 * slopes in the written files, no slope is positive, and the mini topic
 * corpus with the test's options gets none. */
START_TEST(test_backwards_calibration_warned)
{
    int rc = run("o", "e", "'%s' --task target --target-field target --corpus '%s' --cv 3 --quiet --out '%s'", TRAIN,
                 mz_test_path("corpora/mini/mawqif_like.jsonl"), T("tw"));
    if (rc != 0) ck_abort_msg("target training exited %d: %s", rc, slurp(T("e"), NULL));
    int in_files = 0;
    for (int k = 0; k < 3; k++) {
        char rel[64];
        snprintf(rel, sizeof rel, "tw/target-%02d.svm", k);
        in_files += backwards_pairs(rel);
    }
    ck_assert_int_gt(in_files, 0);
    char *err = slurp(T("e"), NULL);
    int warned = 0;
    for (char *p = err; (p = strstr(p, "mizan-train: warning: ")) != NULL; p++) {
        const char *q = strstr(p, " class pairs rank backwards");
        ck_assert_ptr_nonnull(q);
        const char *c = q;
        while (c > p && c[-1] != ':') c--; /* "<head>: N of 3" */
        int nb = 0, np = 0;
        ck_assert_int_eq(sscanf(c, " %d of %d", &nb, &np), 2);
        ck_assert_int_eq(np, 3);
        warned += nb;
    }
    ck_assert_msg(warned == in_files, "warned of %d pairs, the files hold %d: %s", warned, in_files, err);
    for (int k = 0; k < 3; k++) {
        char rel[64];
        snprintf(rel, sizeof rel, "tw/target-%02d.svm", k);
        char *t = slurp(T(rel), NULL), *l = strstr(t, "\nprobA "), *end;
        ck_assert_ptr_nonnull(l);
        for (char *p = l + 7; *p != '\n'; p = end) {
            double v = strtod(p, &end);
            if (end == p) break;
            ck_assert_msg(v <= 0, "%s: a slope the wrong way, %g", rel, v);
        }
        free(t);
    }
    free(err);
    train_topic("corpora/mini/topic.jsonl", "tt");
    ck_assert_int_eq(backwards_pairs("tt/model.svm"), 0);
    err = slurp(T("train.err"), NULL);
    ck_assert_msg(!strstr(err, "rank backwards"), "%s", err);
    free(err);
}
END_TEST

/* Training's progress rewrites a line in place only at a terminal: logged
 * to a file, its stderr holds whole lines and no carriage return, and the
 * lines that stay are all there. */
START_TEST(test_training_log_without_carriage_returns)
{
    int rc = run("o.txt", "log.txt", "'%s' --corpus '%s' --lsa-corpus '%s' --lsa-dims 4 --cv 3 --out '%s'", TRAIN,
                 mz_test_path("corpora/mini/topic.jsonl"), mz_test_path("corpora/mini/stance.jsonl"), T("logged"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("log.txt"), NULL));
    char *log = slurp(T("log.txt"), NULL);
    ck_assert_msg(!strchr(log, '\r'), "a carriage return in the log: %s", log);
    ck_assert_msg(strstr(log, "reading: 36 documents from 1 corpus file(s)\n") &&
                      strstr(log, "lsa: 40 texts, ") && strstr(log, "fitting topic (C=0.5, 3-fold CV)\n") &&
                      strstr(log, "cross-validated metrics\n"),
                  "%s", log);
    free(log);
    /* nor does classifying into a file, where a terminal gets a line of
     * progress: stderr stays empty */
    rc = run("o.txt", "log.txt", "'%s' --models '%s' --jsonl '%s' -o '%s'", CLASSIFY, T("logged"),
             mz_test_path("corpora/mini/topic.jsonl"), T("answers.jsonl"));
    ck_assert_int_eq(rc, 0);
    size_t len = 1;
    free(slurp(T("log.txt"), &len));
    ck_assert_uint_eq(len, 0);
}
END_TEST

/* The row of T(log)'s --by table for `value`: its numbers into v (at most
 * max, "-" as NAN); returns how many. */
static int by_row(const char *log, const char *title, const char *value, double *v, int max)
{
    const char *t = strstr(log, title);
    ck_assert_msg(t != NULL, "no \"%s\" in: %s", title, log);
    const char *l = strchr(t, '\n');
    ck_assert_ptr_nonnull(l);
    l = strchr(l + 1, '\n'); /* past the column names */
    char want[64];
    snprintf(want, sizeof want, "  %s\n", value);
    for (int row = 0; l && row < 16; row++) {
        const char *s = l + 1, *end = strchr(s, '\n');
        if (!end) break;
        size_t n = (size_t)(end - s) + 1;
        if (n >= strlen(want) && !memcmp(end + 1 - strlen(want), want, strlen(want))) {
            int k = 0;
            const char *q = s;
            while (k < max) {
                while (*q == ' ') q++;
                if (*q == '-' && q[1] == ' ') {
                    v[k++] = NAN;
                    q++;
                    continue;
                }
                char *x;
                double d = strtod(q, &x);
                if (x == q || x > end - strlen(want) + 1) break;
                v[k++] = d;
                q = x;
            }
            return k;
        }
        l = end;
    }
    ck_abort_msg("no row for %s after \"%s\"", value, title);
    return 0;
}

/* mizan-train --by FIELD: after the cross-validated tables, the same
 * answers per group, adding up from the --cv-predictions lines of the
 * group's records (for a stance bundle, labels with cut-offs chosen on the
 * other folds; for frames, the threshold chosen on the other folds); the
 * bundle is the same as without it. */
START_TEST(test_train_by_field)
{
    /* the mini corpora with a field "desk": "north", 7, "north", none */
    const char *src[2] = {"corpora/mini/topic.jsonl", "corpora/mini/stance.jsonl"}, *dst[2] = {"t.jsonl", "s.jsonl"};
    for (int f = 0; f < 2; f++) {
        char *t = slurp(mz_test_path(src[f]), NULL), *save = NULL, *all = calloc(1, 1 << 20);
        ck_assert_ptr_nonnull(all);
        int i = 0;
        for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save), i++) {
            cJSON *r = cJSON_Parse(l);
            if (i % 4 == 0 || i % 4 == 2) cJSON_AddStringToObject(r, "desk", "north");
            if (i % 4 == 1) cJSON_AddNumberToObject(r, "desk", 7);
            char *x = cJSON_PrintUnformatted(r);
            strcat(all, x), strcat(all, "\n");
            free(x);
            cJSON_Delete(r);
        }
        put(T(dst[f]), all, strlen(all));
        free(all), free(t);
    }
    static const struct {
        const char *opts, *corpus, *dir;
    } runs[] = {
        {"", "t.jsonl", "bt"},
        {"--task stance --target russia", "s.jsonl", "bs"},
        {"--label-field frames --min-df 1", "s.jsonl", "bf"},
    };
    static const char *const values[] = {"north", "(none)", "7"};
    enum { MAXL = 64 };
    for (int r = 0; r < 3; r++) {
        int rc = run("o.txt", "log.txt", "'%s' %s --corpus '%s' --cv 3 --out '%s' --by desk --cv-predictions '%s'",
                     TRAIN, runs[r].opts, T(runs[r].corpus), T(runs[r].dir), T("cvp.jsonl"));
        if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("log.txt"), NULL));
        char *log = slurp(T("log.txt"), NULL);
        cJSON *line[MAXL];
        int n = read_lines("cvp.jsonl", line, MAXL);
        for (int g = 0; g < 3; g++) {
            double v[8];
            int nv = by_row(log, "cross-validated figures by \"desk\" (3 groups)", values[g], v, 8);
            /* the group's records: i % 4 as the corpus was written */
            long recs = 0, ok = 0, tp = 0, fp = 0, fn = 0, ctp = 0, cfp = 0, cfn = 0, prim = 0;
            for (int i = 0; i < n; i++) {
                int grp = i % 4 == 3 ? 1 : i % 4 == 1 ? 2 : 0;
                if (grp != g) continue;
                recs++;
                const cJSON *o = line[i];
                if (r == 0) {
                    ok += !strcmp(str_at(o, "label"), str_at(o, "predicted"));
                } else if (r == 1) {
                    int present = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "present"));
                    int said = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "predicted_present"));
                    tp += present && said, fp += !present && said, fn += present && !said;
                    if (present) {
                        int crit = num_at(o, "label", NULL) < 0, scrit = !strcmp(str_at(o, "predicted"), "critical");
                        ctp += crit && scrit, cfp += !crit && scrit, cfn += crit && !scrit;
                    }
                } else {
                    const cJSON *truth = cJSON_GetObjectItemCaseSensitive(o, "labels"),
                                *pred = cJSON_GetObjectItemCaseSensitive(o, "predicted");
                    prim += !strcmp(str_at(o, "predicted_primary"), cJSON_GetArrayItem(truth, 0)->valuestring);
                    count_sets(truth, pred, &tp, &fp, &fn);
                }
            }
            ck_assert_msg(nv >= 3 && (long)v[0] == recs, "run %d, %s: %d figures, %g records (%ld): %s", r,
                          values[g], nv, v[0], recs, log);
            if (r == 0) {
                ck_assert_double_eq_tol(v[1], (double)ok / recs, 6e-5);
            } else if (r == 1) {
                ck_assert_double_eq_tol(v[2], 2.0 * tp / (2.0 * tp + fp + fn), 6e-5);
                if (ctp + cfn > 0) ck_assert_double_eq_tol(v[4], 2.0 * ctp / (2.0 * ctp + cfp + cfn), 6e-5);
            } else {
                ck_assert_double_eq_tol(v[1], 2.0 * tp / (2.0 * tp + fp + fn), 6e-5);
                ck_assert_double_eq_tol(v[3], (double)prim / recs, 6e-5);
            }
        }
        for (int i = 0; i < n; i++) cJSON_Delete(line[i]);
        free(log);
        /* the bundle is the one trained without --by */
        char nb[64];
        snprintf(nb, sizeof nb, "%s-nb", runs[r].dir);
        rc = run("o.txt", "log.txt", "'%s' %s --corpus '%s' --cv 3 --out '%s' --quiet", TRAIN, runs[r].opts,
                 T(runs[r].corpus), T(nb));
        ck_assert_int_eq(rc, 0);
        char a[256], b[256];
        snprintf(a, sizeof a, "%s/vocab.tsv", runs[r].dir);
        snprintf(b, sizeof b, "%s/vocab.tsv", nb);
        char *x = slurp(T(a), NULL), *y = slurp(T(b), NULL);
        ck_assert_str_eq(x, y);
        free(x), free(y);
        snprintf(a, sizeof a, "%s/manifest.json", runs[r].dir);
        x = slurp(T(a), NULL);
        ck_assert_msg(!strstr(x, "\"--by\""), "--by in the train_command: %s", x);
        free(x);
    }
    /* a field no scored record has is said before training */
    int rc = run("o.txt", "log.txt", "'%s' --corpus '%s' --out '%s' --by nosuch", TRAIN, T("t.jsonl"), T("never"));
    ck_assert_int_ne(rc, 0);
    char *err = slurp(T("log.txt"), NULL);
    ck_assert_msg(strstr(err, "--by \"nosuch\": no scored record has this field"), "%s", err);
    free(err);
}
END_TEST

START_TEST(test_class_weight_recorded_as_used)
{
    const char *mq = mz_test_path("corpora/mini/mawqif_like.jsonl");
    const char *cases[][2] = {{"tb", ""}, {"tn", "--class-weight none"}};
    for (int i = 0; i < 2; i++) {
        int rc = run("o", "e", "'%s' --task target --target-field target --corpus '%s' --cv 3 --quiet --out '%s' %s",
                     TRAIN, mq, T(cases[i][0]), cases[i][1]);
        if (rc != 0) ck_abort_msg("target training exited %d: %s", rc, slurp(T("e"), NULL));
    }
    ck_assert_str_eq(class_weight_of("tb"), "balanced");
    ck_assert_str_eq(class_weight_of("tn"), "none");
    train_stance("sb", "");
    train_stance("sn", "--class-weight none");
    ck_assert_str_eq(class_weight_of("sb"), "balanced");
    ck_assert_str_eq(class_weight_of("sn"), "none");
    /* and the weighting did reach the solver */
    char *a = slurp(T("sb/stance.svm"), NULL), *b = slurp(T("sn/stance.svm"), NULL);
    ck_assert_str_ne(a, b);
    free(a);
    free(b);
    a = slurp(T("tb/target-00.svm"), NULL);
    b = slurp(T("tn/target-00.svm"), NULL);
    ck_assert_str_ne(a, b);
    free(a);
    free(b);
}
END_TEST

/* Sets every head's label weights: lw_none for the label None, 1 for the
 * others. */
static double lw_none;
static void set_label_weights(cJSON *m)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(m, "heads"))
    {
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(h, "labels");
        cJSON *a = cJSON_CreateArray();
        const cJSON *l;
        cJSON_ArrayForEach(l, labels) cJSON_AddItemToArray(a, cJSON_CreateNumber(strcmp(l->valuestring, "None") ? 1 : lw_none));
        if (cJSON_GetObjectItemCaseSensitive(h, "label_weights"))
            cJSON_ReplaceItemInObjectCaseSensitive((cJSON *)h, "label_weights", a);
        else
            cJSON_AddItemToObject((cJSON *)h, "label_weights", a);
    }
}

/* Classifies a target corpus with bundle dir, checks that every record
 * has a label, and returns how many are "None" (*lines: the records). */
static int count_none(const char *dir, const char *corpus, int *lines)
{
    int rc = run("out.jsonl", "err.txt", "'%s' --models '%s' --jsonl --explain 0 '%s'", CLASSIFY, T(dir), corpus);
    if (rc != 0) ck_abort_msg("classify exited %d: %s", rc, slurp(T("err.txt"), NULL));
    char *out = slurp(T("out.jsonl"), NULL);
    int none = 0;
    *lines = 0;
    for (char *line = out, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        *nl = 0;
        cJSON *r = cJSON_Parse(line);
        ck_assert_msg(r != NULL, "not JSON: %s", line);
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(r, "target_stance");
        const cJSON *lb = cJSON_GetObjectItemCaseSensitive(ts, "label");
        ck_assert_msg(cJSON_IsString(lb), "no label: %s", line);
        if (!strcmp(lb->valuestring, "None")) {
            none++;
            /* the confidence stays the label's own probability */
            ck_assert_double_eq(num_at(ts, "confidence", NULL), num_at(ts, "scores", "None"));
        }
        cJSON_Delete(r);
        (*lines)++;
    }
    free(out);
    return none;
}

/* --f1-labels: the weights chosen on CV are in every head's manifest entry,
 * and the classifier labels with them: weighting None up turns every
 * record to None.  Bad weights, unknown labels and tasks without such a
 * decision are refused. */
START_TEST(test_f1_label_weights)
{
    char mq[4096]; /* mz_test_path's buffers are reused: many runs follow */
    snprintf(mq, sizeof mq, "%s", mz_test_path("corpora/mini/mawqif_like.jsonl"));
    int rc = run("o", "e", "'%s' --task target --target-field target --f1-labels Favor,Against --corpus '%s' --cv 3 --quiet --out '%s'",
                 TRAIN, mq, T("fl"));
    if (rc != 0) ck_abort_msg("training with --f1-labels exited %d: %s", rc, slurp(T("e"), NULL));
    char *m = slurp(T("fl/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    free(m);
    ck_assert_ptr_nonnull(j);
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(j, "f1_labels");
    ck_assert_int_eq(cJSON_GetArraySize(fl), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(fl, 0)->valuestring, "Against");
    ck_assert_str_eq(cJSON_GetArrayItem(fl, 1)->valuestring, "Favor");
    const cJSON *h, *first = NULL;
    int nh = 0;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(j, "heads"))
    {
        const cJSON *lw = cJSON_GetObjectItemCaseSensitive(h, "label_weights");
        ck_assert_int_eq(cJSON_GetArraySize(lw), 3);
        const cJSON *x;
        cJSON_ArrayForEach(x, lw) ck_assert(cJSON_IsNumber(x) && x->valuedouble >= 0.35 && x->valuedouble <= 2.8);
        /* chosen once on every target's records */
        if (first) {
            char *a = cJSON_PrintUnformatted(first), *b = cJSON_PrintUnformatted(lw);
            ck_assert_str_eq(a, b);
            free(a);
            free(b);
        }
        first = lw;
        nh++;
    }
    ck_assert_int_eq(nh, 3);
    /* the figure the weights were chosen for, cross-validated: the mean
     * F1 of the listed labels in the pooled table */
    const cJSON *pooled_cv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "cv"), "pooled");
    const cJSON *pcl = cJSON_GetObjectItemCaseSensitive(pooled_cv, "per_class");
    double fa = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pcl, "Against"), "f1")->valuedouble;
    double ff = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pcl, "Favor"), "f1")->valuedouble;
    ck_assert_double_eq_tol(cJSON_GetObjectItemCaseSensitive(pooled_cv, "f1_labels_macro_f1")->valuedouble, (fa + ff) / 2,
                            2e-6);

    /* training's --by target gives each group's F_avg as its last column
     * (it had been left out, as evaluate's once was): a target's group is
     * that target's cross-validated table */
    rc = run("o", "by.log", "'%s' --task target --target-field target --f1-labels Favor,Against --corpus '%s' --cv 3 "
                            "--by target --out '%s'",
             TRAIN, mq, T("flby"));
    if (rc != 0) ck_abort_msg("training with --by exited %d: %s", rc, slurp(T("by.log"), NULL));
    char *log = slurp(T("by.log"), NULL);
    ck_assert_msg(strstr(log, "own-labels  F1-listed  target") != NULL, "no F1-listed column in: %s", log);
    const cJSON *tg;
    int ntg = 0;
    cJSON_ArrayForEach(tg, cJSON_GetObjectItemCaseSensitive(j, "cv"))
    {
        if (!strcmp(tg->string, "pooled")) continue;
        double v[5]; /* records, accuracy, macro-F1, own labels, F1-listed */
        ck_assert_int_eq(by_row(log, "cross-validated figures by \"target\" (3 groups)", tg->string, v, 5), 5);
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(tg, "f1_labels_macro_f1");
        if (!f) { /* per-target tables carry no figure of their own: from their F1s */
            const cJSON *pc = cJSON_GetObjectItemCaseSensitive(tg, "per_class");
            double a = num_at(pc, "Against", "f1"), b = num_at(pc, "Favor", "f1");
            ck_assert_double_eq_tol(v[4], (a + b) / 2, 6e-4);
        } else {
            ck_assert_double_eq_tol(v[4], f->valuedouble, 6e-4);
        }
        ntg++;
    }
    ck_assert_int_eq(ntg, 3);
    free(log);
    cJSON_Delete(j);

    /* evaluate scores each record with its own target's head and weights,
     * as classify labels it: the pooled accuracy is classify's */
    rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("fl"), mq);
    if (rc != 0) ck_abort_msg("evaluate exited %d: %s", rc, slurp(T("ev.err"), NULL));
    char *ev = slurp(T("ev.out"), NULL);
    const char *pooled = strstr(ev, "all targets pooled (held-out)");
    ck_assert_ptr_nonnull(pooled);
    ck_assert_ptr_nonnull(strstr(ev, "target \"Covid Vaccine\""));
    ck_assert_ptr_nonnull(strstr(ev, "macro-F1 over Against Favor (--f1-labels): "));
    const char *acc = strstr(pooled, "accuracy ");
    ck_assert_ptr_nonnull(acc);
    double ev_acc = strtod(acc + 9, NULL);
    double ev_favg = strtod(strstr(ev, "(--f1-labels): ") + 15, NULL);
    free(ev);
    /* --json: each target's table, the pooled one and F_avg */
    rc = run("ev.json", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("fl"), mq);
    if (rc != 0) ck_abort_msg("evaluate --json exited %d: %s", rc, slurp(T("ev.err"), NULL));
    ev = slurp(T("ev.json"), NULL);
    cJSON *ej = cJSON_Parse(ev);
    ck_assert_msg(ej != NULL, "not one JSON object: %s", ev);
    const cJSON *ho = cJSON_GetObjectItemCaseSensitive(ej, "heldout");
    ck_assert_double_eq_tol(num_at(ho, "pooled", "accuracy"), ev_acc, 6e-5);
    ck_assert_double_eq_tol(num_at(ho, "f1_labels_macro_f1", NULL), ev_favg, 6e-5);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ho, "targets")), 3);
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ho, "targets"),
                                                           "Covid Vaccine"));
    cJSON_Delete(ej);
    free(ev);
    /* --by target: each group's F_avg too (it had been left out), as its
     * records evaluated alone give it */
    rc = run("by.json", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --json --by target", TRAIN, T("fl"), mq);
    ck_assert_int_eq(rc, 0);
    ev = slurp(T("by.json"), NULL);
    ej = cJSON_Parse(ev);
    free(ev);
    const cJSON *grp;
    int ngroups = 0, nfavg = 0;
    cJSON_ArrayForEach(grp, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ej, "by"), "groups"))
    {
        const char *tv = str_at(grp, "value");
        char *src = slurp(mq, NULL), *save = NULL;
        FILE *gf = fopen(T("grp.jsonl"), "w");
        for (char *l = strtok_r(src, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            cJSON *r = cJSON_Parse(l);
            if (!strcmp(str_at(r, "target"), tv)) fprintf(gf, "%s\n", l);
            cJSON_Delete(r);
        }
        fclose(gf);
        free(src);
        rc = run("alone.json", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("fl"), T("grp.jsonl"));
        ck_assert_int_eq(rc, 0);
        char *at = slurp(T("alone.json"), NULL);
        cJSON *aj = cJSON_Parse(at);
        free(at);
        char *a = fig_text(grp, "figures", "f1_labels_macro_f1"),
             *b = fig_text(cJSON_GetObjectItemCaseSensitive(aj, "heldout"), "f1_labels_macro_f1", NULL);
        ck_assert_msg(!strcmp(a, b), "%s: %s by group, %s alone", tv, a, b);
        nfavg += cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(grp, "figures"),
                                                                 "f1_labels_macro_f1"));
        free(a), free(b);
        cJSON_Delete(aj);
        ngroups++;
    }
    ck_assert_int_eq(ngroups, 3);
    ck_assert_int_gt(nfavg, 0);
    cJSON_Delete(ej);
    rc = run("out.jsonl", "err.txt", "'%s' --models '%s' --jsonl --explain 0 '%s'", CLASSIFY, T("fl"), mq);
    ck_assert_int_eq(rc, 0);
    char *out = slurp(T("out.jsonl"), NULL), *in = slurp(mq, NULL);
    int right = 0, total = 0;
    for (char *ol = out, *il = in, *on, *inl; *ol && *il; ol = on + 1, il = inl + 1) {
        on = strchr(ol, '\n');
        inl = strchr(il, '\n');
        ck_assert(on && inl);
        *on = *inl = 0;
        cJSON *o = cJSON_Parse(ol), *r = cJSON_Parse(il);
        ck_assert(o && r);
        const char *got = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "target_stance"),
                                                           "label")->valuestring;
        right += !strcmp(got, cJSON_GetObjectItemCaseSensitive(r, "label")->valuestring);
        total++;
        cJSON_Delete(o);
        cJSON_Delete(r);
    }
    free(out);
    free(in);
    ck_assert_int_eq(total, 30);
    ck_assert_double_eq_tol(ev_acc, (double)right / total, 1e-4);
    /* a target the bundle has no head for: refused, named */
    static const char other[] = "{\"id\": \"x\", \"target\": \"Football\", \"label\": \"Favor\", \"text\": \"فاز الفريق بالمباراة\"}\n";
    put(T("other.jsonl"), other, sizeof other - 1);
    rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("fl"), T("other.jsonl"));
    ck_assert_int_ne(rc, 0);
    char *err = slurp(T("ev.err"), NULL);
    ck_assert_msg(strstr(err, "\"Football\" is unknown to the model (it knows \"Covid Vaccine\", ") != NULL, "stderr: %s",
                  err);
    free(err);
    /* a label the bundle has no class for: counted wrong, in a row of its
     * own, and said; the evaluation goes on */
    static const char maybe[] = "{\"id\": \"m\", \"target\": \"Covid Vaccine\", \"label\": \"Maybe\", \"text\": \"اللقاح\"}\n"
                                "{\"id\": \"n\", \"target\": \"Covid Vaccine\", \"label\": \"None\", \"text\": \"اللقاح\"}\n";
    put(T("maybe.jsonl"), maybe, sizeof maybe - 1);
    rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --json --predictions '%s'", TRAIN, T("fl"),
             T("maybe.jsonl"), T("maybe.pred"));
    ck_assert_int_eq(rc, 0);
    err = slurp(T("ev.err"), NULL);
    ck_assert_msg(strstr(err, "warning: 1 of the 2 held-out records have a label the model does not know (\"Maybe\" 1)"),
                  "stderr: %s", err);
    free(err);
    char *mj_txt = slurp(T("ev.out"), NULL);
    cJSON *mj_ev = cJSON_Parse(mj_txt);
    free(mj_txt);
    cJSON *mho = cJSON_GetObjectItemCaseSensitive(mj_ev, "heldout"), *mpool = cJSON_GetObjectItemCaseSensitive(mho, "pooled");
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mho, "unknown_labels"), "Maybe")
                            ->valuedouble,
                        1);
    cJSON *pm = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mpool, "per_class"), "Maybe");
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(pm, "support")->valuedouble, 1);
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(pm, "recall")->valuedouble, 0);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(mpool, "confusion")), 4);
    ck_assert(cJSON_GetObjectItemCaseSensitive(mpool, "accuracy")->valuedouble <= 0.5);
    cJSON_Delete(mj_ev);
    char *pr = slurp(T("maybe.pred"), NULL);
    ck_assert_msg(strstr(pr, "\"label\":\"Maybe\",\"predicted\":\"") != NULL, "%s", pr);
    free(pr);
    /* a wrong --label-field makes every record a label of its own: stopped */
    char *many = malloc(80 * 128), *q = many;
    for (int i = 0; i < 80; i++)
        q += sprintf(q, "{\"id\": \"m%d\", \"target\": \"Covid Vaccine\", \"label\": \"L%d\", \"text\": \"اللقاح\"}\n", i, i);
    put(T("many.jsonl"), many, (size_t)(q - many));
    free(many);
    rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("fl"), T("many.jsonl"));
    ck_assert_int_ne(rc, 0);
    err = slurp(T("ev.err"), NULL);
    ck_assert_msg(strstr(err, "many.jsonl:65: label \"L64\" is unknown to the model, the 65th such label: is "
                              "--label-field \"label\" the field the model was trained on?"),
                  "stderr: %s", err);
    free(err);

    int lines, none;
    lw_none = 1;
    edit_manifest("fl", set_label_weights);
    none = count_none("fl", mq, &lines);
    ck_assert_int_eq(lines, 30);
    ck_assert_int_lt(none, 30);
    lw_none = 1e6;
    edit_manifest("fl", set_label_weights);
    ck_assert_int_eq(count_none("fl", mq, &lines), 30);

    /* a weight that is not a positive number, or one too few: refused */
    const double bad[] = {0, -1, 2e6};
    for (size_t i = 0; i < 3; i++) {
        lw_none = bad[i];
        edit_manifest("fl", set_label_weights);
        rc = run("o", "e", "'%s' --models '%s' --jsonl '%s'", CLASSIFY, T("fl"), mq);
        ck_assert_int_eq(rc, 2);
        err = slurp(T("e"), NULL);
        ck_assert_msg(strstr(err, "label_weights") != NULL, "stderr: %s", err);
        free(err);
    }

    /* a name the corpus lacks, or one given twice, or an empty one: said
     * once the labels are read, before any feature is built or head fitted */
    const char *badnames[][2] = {{"Favor,Nope", "no label \"Nope\""}, {"Favor,Favor", "\"Favor\" given twice"},
                                 {"Favor,", "an empty name"}};
    for (int k = 0; k < 3; k++) {
        rc = run("o", "e", "'%s' --task target --target-field target --f1-labels %s --corpus '%s' --cv 3 --out '%s'", TRAIN,
                 badnames[k][0], mq, T("fl2"));
        ck_assert_int_eq(rc, 1);
        err = slurp(T("e"), NULL);
        ck_assert_msg(strstr(err, "--f1-labels") && strstr(err, badnames[k][1]), "stderr: %s", err);
        ck_assert_msg(!strstr(err, "vocabulary") && !strstr(err, "fitting"), "said after training began: %s", err);
        free(err);
    }
    rc = run("o", "e", "'%s' --task stance --target russia --corpus '%s' --f1-labels all --quiet --out '%s'", TRAIN,
             mz_test_path("corpora/mini/stance.jsonl"), T("s"));
    ck_assert_int_eq(rc, 2);
    err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "--f1-labels") != NULL, "stderr: %s", err);
    free(err);
}
END_TEST

/* evaluate labels a multiclass bundle's held-out texts with its label
 * weights, as the classifier does: one label weighted far up takes every
 * text, so accuracy is that label's share. */
static void culture_up(cJSON *m)
{
    cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "heads"), 0);
    cJSON *a = cJSON_GetObjectItemCaseSensitive(h, "label_weights");
    ck_assert_int_eq(cJSON_GetArraySize(a), 6);
    cJSON_ReplaceItemInArray(a, 0, cJSON_CreateNumber(1e6)); /* culture: labels are sorted */
}

START_TEST(test_f1_label_weights_in_evaluate)
{
    const char *corpus = mz_test_path("corpora/mini/topic.jsonl");
    int rc = run("o", "e", "'%s' --corpus '%s' --f1-labels all --cv 3 --quiet --out '%s'", TRAIN, corpus, T("m"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("m"), corpus);
    if (rc != 0) ck_abort_msg("evaluate exited %d: %s", rc, slurp(T("ev.err"), NULL));
    char *o = slurp(T("ev.out"), NULL);
    const char *acc = strstr(o, "accuracy ");
    ck_assert_ptr_nonnull(acc);
    ck_assert_double_gt(strtod(acc + 9, NULL), 0.5);
    /* the figure the weights were chosen for, in training's CV as in
     * evaluate (all six labels: the macro-F1 itself) */
    ck_assert_ptr_nonnull(strstr(o, " (--f1-labels): "));
    const char *mf = strstr(o, "macro-F1 ");
    ck_assert_ptr_nonnull(mf);
    ck_assert_double_eq_tol(strtod(strstr(o, " (--f1-labels): ") + 16, NULL), strtod(mf + 9, NULL), 1e-4);
    free(o);
    char *man = slurp(T("m/manifest.json"), NULL);
    cJSON *mj = cJSON_Parse(man);
    free(man);
    const cJSON *tcv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mj, "cv"), "topic");
    ck_assert_double_eq_tol(cJSON_GetObjectItemCaseSensitive(tcv, "f1_labels_macro_f1")->valuedouble,
                            cJSON_GetObjectItemCaseSensitive(tcv, "macro_f1")->valuedouble, 2e-6);
    cJSON_Delete(mj);
    edit_manifest("m", culture_up);
    rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("m"), corpus);
    if (rc != 0) ck_abort_msg("evaluate exited %d: %s", rc, slurp(T("ev.err"), NULL));
    o = slurp(T("ev.out"), NULL);
    acc = strstr(o, "accuracy ");
    ck_assert_ptr_nonnull(acc);
    ck_assert_double_eq_tol(strtod(acc + 9, NULL), 6.0 / 36.0, 1e-4);
    free(o);
}
END_TEST

static void name_it_mytopic(cJSON *m) { cJSON_ReplaceItemInObject(m, "name", cJSON_CreateString("mytopic")); }

/* A multiclass bundle answers with the head named after it: with its name
 * edited alone, the auxiliary head (listed first) had answered in its
 * place, an outlet for a topic.  Both programs refuse it. */
START_TEST(test_multiclass_renamed_without_head)
{
    const char *mq = mz_test_path("corpora/mini/mawqif_like.jsonl");
    int rc = run("o", "e", "'%s' --aux-field target --corpus '%s' --cv 3 --quiet --out '%s'", TRAIN, mq, T("mx"));
    if (rc != 0) ck_abort_msg("training with --aux-field exited %d: %s", rc, slurp(T("e"), NULL));
    edit_manifest("mx", name_it_mytopic);
    rc = run("o", "e", "'%s' --models '%s' '%s'", CLASSIFY, T("mx"), mz_test_path("corpora/samples/csto-kazakhstan-oped.txt"));
    ck_assert_int_eq(rc, 2);
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "one head, named as the bundle (\"mytopic\")") != NULL, "%s", err);
    free(err);
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("mx"), mq);
    ck_assert_int_eq(rc, 1);
    err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "one head, named as the bundle (\"mytopic\")") != NULL, "%s", err);
    free(err);
}
END_TEST

/* --aux-field on a target bundle: one head over every target's records
 * ("Covid Vaccine": a value with a space, named Covid_Vaccine in the
 * vocabulary) feeds each target's head; the bundle loads and answers every
 * record.  Tasks it does not serve refuse it instead of ignoring it. */
START_TEST(test_aux_head_on_target_bundle)
{
    const char *mq = mz_test_path("corpora/mini/mawqif_like.jsonl");
    int rc = run("o", "e", "'%s' --task target --target-field target --aux-field target --corpus '%s' --cv 3 --quiet --out '%s'",
                 TRAIN, mq, T("ta"));
    if (rc != 0) ck_abort_msg("target training with --aux-field exited %d: %s", rc, slurp(T("e"), NULL));
    char *m = slurp(T("ta/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "aux"), "field")->valuestring,
                     "target");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "heads"), 0),
                                                      "name")->valuestring,
                     "aux");
    cJSON_Delete(j);
    free(m);
    char *v = slurp(T("ta/vocab.tsv"), NULL);
    ck_assert_ptr_nonnull(strstr(v, "\t@aux:Covid_Vaccine\t"));
    free(v);
    int lines;
    count_none("ta", mq, &lines); /* every record answered with a label */
    ck_assert_int_eq(lines, 30);
    /* a manifest that has lost its "aux" entry is refused: the @aux
     * features would stay 0 and the answers change without a word */
    cJSON *mj = cJSON_Parse(m = slurp(T("ta/manifest.json"), NULL));
    free(m);
    cJSON_DeleteItemFromObjectCaseSensitive(mj, "aux");
    m = cJSON_Print(mj);
    cJSON_Delete(mj);
    put(T("ta/manifest.json"), m, strlen(m));
    free(m);
    rc = run("o", "e", "'%s' --models '%s' --jsonl '%s'", CLASSIFY, T("ta"), mq);
    ck_assert_int_eq(rc, 2);
    m = slurp(T("e"), NULL);
    ck_assert_msg(strstr(m, "a feature @aux:") && strstr(m, "which only a manifest with \"aux\" fills"), "%s", m);
    free(m);
    /* stance and multi-label tasks have no place for it: refused */
    rc = run("o", "e", "'%s' --task stance --target russia --corpus '%s' --aux-field id --quiet --out '%s'", TRAIN,
             mz_test_path("corpora/mini/stance.jsonl"), T("s"));
    ck_assert_int_eq(rc, 2);
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "--aux-field") != NULL, "stderr: %s", err);
    free(err);
    rc = run("o", "e", "'%s' --label-field frames --corpus '%s' --aux-field id --quiet --out '%s'", TRAIN,
             mz_test_path("corpora/mini/stance.jsonl"), T("f"));
    ck_assert_int_eq(rc, 1);
    err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "--aux-field") != NULL && strstr(err, "multilabel") != NULL, "stderr: %s", err);
    free(err);
    struct stat st;
    ck_assert_int_ne(stat(T("f"), &st), 0);
}
END_TEST

/* The mini topic corpus with an "aux" member appended to each line, the
 * line's value taken in turn from vals. */
static void corpus_with_aux(const char *path, const char *const *vals, size_t nv)
{
    size_t n;
    char *src = slurp(mz_test_path("corpora/mini/topic.jsonl"), &n);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    size_t line = 0;
    for (char *p = src; *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *close = memrchr(p, '}', len);
        ck_assert_ptr_nonnull(close);
        fprintf(f, "%.*s, \"aux\": %s}\n", (int)(close - p), p, vals[line++ % nv]);
        p += len + (nl != NULL);
    }
    fclose(f);
    free(src);
}

/* --aux-field values are held to a label's rules: 1 and "1" are one value
 * (as they are one label), a fraction or a boolean is refused naming the
 * line (0.5 had become the label "0.5", 0.1 "0.10000000000000001", and a
 * boolean was called missing). */
START_TEST(test_aux_field_values)
{
    const char *ok[] = {"1", "\"1\"", "2", "\"2\""};
    corpus_with_aux(T("aux.jsonl"), ok, 4);
    int rc = run("o", "e", "'%s' --corpus '%s' --aux-field aux --cv 2 --quiet --out '%s'", TRAIN, T("aux.jsonl"), T("b"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    char *v = slurp(T("b/vocab.tsv"), NULL);
    ck_assert_ptr_nonnull(strstr(v, "\t@aux:1\t"));
    ck_assert_ptr_nonnull(strstr(v, "\t@aux:2\t"));
    ck_assert_ptr_null(strstr(v, "\t@aux:1.")); /* no third value */
    free(v);
    const char *bad[][2] = {{"0.1", "is a number that is not a whole one"},
                            {"true", "must be a string or a whole number"},
                            {"null", "is missing"}};
    for (size_t k = 0; k < 3; k++) {
        const char *vals[] = {"1", "2", bad[k][0]};
        corpus_with_aux(T("aux.jsonl"), vals, 3);
        rc = run("o", "e", "'%s' --corpus '%s' --aux-field aux --cv 2 --quiet --out '%s'", TRAIN, T("aux.jsonl"), T("c"));
        ck_assert_int_ne(rc, 0);
        char *err = slurp(T("e"), NULL);
        ck_assert_msg(strstr(err, "aux.jsonl:3: field \"aux\" (--aux-field) ") && strstr(err, bad[k][1]), "%s: %s",
                      bad[k][0], err);
        free(err);
    }
}
END_TEST

/* one more frame, which no bundle trained on the mini corpus has */
static void add_weather(cJSON *r, int i)
{
    (void)i;
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(r, "frames"), cJSON_CreateString("Weather"));
}

static void add_weather_twice(cJSON *r, int i)
{
    add_weather(r, i);
    add_weather(r, i);
}

static void russia_absent(cJSON *r, int i)
{
    (void)i;
    cJSON_ReplaceItemInObjectCaseSensitive(r, "russia", cJSON_CreateNull());
}

/* A multiclass bundle evaluated on records of a label it lacks: counted
 * wrong in a row of their own, with --by too, and said. */
START_TEST(test_evaluate_unknown_label)
{
    int rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --quiet --out '%s'", TRAIN, mz_test_path("corpora/mini/topic.jsonl"),
                 T("m"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    static const char extra[] = "{\"id\": \"p1\", \"text\": \"اجتمع البرلمان لمناقشة قانون الانتخابات الجديد\", \"label\": "
                                "\"politics\", \"source\": \"x\"}\n";
    size_t n;
    char *mini = slurp(mz_test_path("corpora/mini/topic.jsonl"), &n);
    char *both = malloc(n + sizeof extra);
    memcpy(both, mini, n);
    memcpy(both + n, extra, sizeof extra);
    put(T("ext.jsonl"), both, n + sizeof extra - 1);
    free(both);
    free(mini);
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s' --by source", TRAIN, T("m"), T("ext.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *out = slurp(T("o"), NULL), *err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "warning: 1 of the 37 held-out records have a label the model does not know "
                              "(\"politics\" 1)"),
                  "%s", err);
    ck_assert_msg(strstr(out, "\npolitics             0.0000    0.0000    0.0000         1\n"), "%s", out);
    ck_assert_msg(strstr(out, "n 37\n"), "%s", out);
    free(out);
    free(err);
    /* a warning, not progress: --quiet keeps it */
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s' --quiet --json", TRAIN, T("m"), T("ext.jsonl"));
    ck_assert_int_eq(rc, 0);
    err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "have a label the model does not know (\"politics\" 1)"), "%s", err);
    free(err);
    /* a multi-label bundle: an unknown label counts as one it missed */
    rc = run("o", "e", "'%s' --label-field frames --corpus '%s' --cv 3 --min-df 1 --quiet --out '%s'", TRAIN,
             mz_test_path("corpora/mini/stance.jsonl"), T("f"));
    if (rc != 0) ck_abort_msg("frames training exited %d: %s", rc, slurp(T("e"), NULL));
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("f"),
             mz_test_path("corpora/mini/stance.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *base = slurp(T("o"), NULL);
    cJSON *bj = cJSON_Parse(base);
    free(base);
    const cJSON *bf = cJSON_GetObjectItemCaseSensitive(bj, "heldout")->child; /* the bundle's own key */
    double micro0 = num_at(bf, "micro_f1", NULL), macro0 = num_at(bf, "macro_f1", NULL);
    /* every record given one more label, "Weather", which the model lacks */
    int nrec = edit_corpus("corpora/mini/stance.jsonl", T("wx.jsonl"), add_weather);
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("f"), T("wx.jsonl"));
    ck_assert_int_eq(rc, 0);
    err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "have a label the model does not know (\"Weather\" ") &&
                      strstr(err, "each is counted as a label missed"),
                  "%s", err);
    free(err);
    char *wout = slurp(T("o"), NULL);
    cJSON *wj = cJSON_Parse(wout);
    free(wout);
    const cJSON *wfr = cJSON_GetObjectItemCaseSensitive(wj, "heldout")->child;
    ck_assert_double_eq(num_at(wfr, "unknown_labels", "Weather"), nrec);
    /* as many more misses as records: micro-F1 falls; one more label, F1 0 */
    ck_assert(num_at(wfr, "micro_f1", NULL) < micro0);
    ck_assert(num_at(wfr, "macro_f1", NULL) < macro0);
    /* listed twice in a record, counted once: the truth is a set (each
     * record had counted twice) */
    edit_corpus("corpora/mini/stance.jsonl", T("wx2.jsonl"), add_weather_twice);
    rc = run("o2", "e", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("f"), T("wx2.jsonl"));
    ck_assert_int_eq(rc, 0);
    wout = slurp(T("o2"), NULL);
    cJSON *w2 = cJSON_Parse(wout);
    free(wout);
    const cJSON *w2fr = cJSON_GetObjectItemCaseSensitive(w2, "heldout")->child;
    ck_assert_double_eq(num_at(w2fr, "unknown_labels", "Weather"), nrec);
    ck_assert_double_eq_tol(num_at(w2fr, "micro_f1", NULL), num_at(wfr, "micro_f1", NULL), 1e-9);
    cJSON_Delete(w2);
    cJSON_Delete(wj);
    cJSON_Delete(bj);
}
END_TEST

/* A field in two roles is refused, in training and in evaluate: a title
 * that is the label put the answer in the article (the figures had been
 * the label's own). A label given as a list among labels given alone
 * makes --task auto train a multi-label model: said. */
START_TEST(test_field_roles_and_stray_list)
{
    char mini[4096]; /* mz_test_path's buffer is TRAIN's too */
    snprintf(mini, sizeof mini, "%s", mz_test_path("corpora/mini/topic.jsonl"));
    static const char *const opt[][2] = {{"--title-field label", "the title and the label are one field, \"label\""},
                                         {"--text-field label", "the text and the label are one field"},
                                         {"--label-field title", "the title and the label are one field, \"title\""},
                                         {"--title-field text", "the text and the title are one field"}};
    for (int k = 0; k < 4; k++) {
        int rc = run("o", "e", "'%s' --corpus '%s' %s --cv 2 --quiet --out '%s'", TRAIN, mini, opt[k][0], T("m"));
        char *err = slurp(T("e"), NULL);
        ck_assert_msg(rc != 0 && strstr(err, opt[k][1]), "%s: %s", opt[k][0], err);
        free(err);
    }
    int rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --quiet --out '%s'", TRAIN, mini, T("m"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s' --title-field label", TRAIN, T("m"), mini);
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(rc != 0 && strstr(err, "the title and the label are one field"), "%s", err);
    free(err);
    char *src = slurp(mini, NULL);
    FILE *f = fopen(T("stray.jsonl"), "w");
    fprintf(f, "%s{\"text\": \"فاز الفريق في المباراة النهائية\", \"label\": [\"sport\"]}\n", src);
    fclose(f);
    free(src);
    rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --quiet --out '%s'", TRAIN, T("stray.jsonl"), T("ms"));
    err = slurp(T("e"), NULL);
    ck_assert_msg(rc == 0 && strstr(err, "warning: 1 of 37 records give their label as a list (the first: ") &&
                      strstr(err, "stray.jsonl:37), the others as one label (the first: ") &&
                      strstr(err, "training a multi-label model"),
                  "%s", err);
    free(err);
    /* all lists, or none: nothing to say */
    rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --quiet --out '%s'", TRAIN, mini, T("m2"));
    err = slurp(T("e"), NULL);
    ck_assert_msg(rc == 0 && !strstr(err, "as a list"), "%s", err);
    free(err);
}
END_TEST

/* The mini topic corpus's records of one label, written to path. */
static void mini_of_label(const char *label, const char *path)
{
    char *mini = slurp(mz_test_path("corpora/mini/topic.jsonl"), NULL), want[128];
    snprintf(want, sizeof want, "\"label\": \"%s\"", label);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (char *line = strtok(mini, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, want)) fprintf(f, "%s\n", line);
    fclose(f);
    free(mini);
}

/* The --f1-labels macro-F1 leaves out a listed label that is neither in
 * the held-out truth nor answered, as the plain macro-F1 does (it counted
 * 0 and halved the figure), and says so. */
START_TEST(test_f1_labels_unseen_label)
{
    int rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --quiet --f1-labels culture,sport --out '%s'", TRAIN,
                 mz_test_path("corpora/mini/topic.jsonl"), T("m"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    mini_of_label("sport", T("sport.jsonl"));
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("m"), T("sport.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *out = slurp(T("o"), NULL);
    /* the bundle answers its own training texts of one label right */
    ck_assert_msg(strstr(out, "accuracy 1.0000"), "%s", out);
    ck_assert_msg(strstr(out, "macro-F1 over sport (--f1-labels; culture, neither in the truth nor answered, left "
                              "out): 1.0000\n"),
                  "%s", out);
    free(out);
    /* and the JSON names it too (it had only a null F1 in per_class) */
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("m"), T("sport.jsonl"));
    ck_assert_int_eq(rc, 0);
    cJSON *sj = cJSON_Parse(out = slurp(T("o"), NULL));
    free(out);
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sj, "heldout"), "f1_labels_left_out");
    ck_assert_msg(cJSON_GetArraySize(lo) == 1 && !strcmp(cJSON_GetArrayItem(lo, 0)->valuestring, "culture"),
                  "f1_labels_left_out missing or wrong");
    cJSON_Delete(sj);
    /* none of the listed labels met: undefined, null, and said so (the
     * figure had vanished from the report and the JSON) */
    mini_of_label("economy", T("eco.jsonl"));
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("m"), T("eco.jsonl"));
    ck_assert_int_eq(rc, 0);
    out = slurp(T("o"), NULL);
    ck_assert_msg(strstr(out, "accuracy 1.0000"), "%s", out); /* nothing called culture or sport */
    ck_assert_msg(strstr(out, "macro-F1 over culture sport (--f1-labels): undefined"), "%s", out);
    free(out);
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("m"), T("eco.jsonl"));
    ck_assert_int_eq(rc, 0);
    cJSON *j = cJSON_Parse(out = slurp(T("o"), NULL));
    free(out);
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "heldout"), "f1_labels_macro_f1");
    ck_assert_msg(cJSON_IsNull(fl), "f1_labels_macro_f1 missing or not null");
    cJSON_Delete(j);
}
END_TEST

/* A stance corpus without a critical text: the figures that need one are
 * null, in training's manifest and in evaluate (they were 0, or left out
 * while the score was said to be chosen by them). */
START_TEST(test_stance_without_critical)
{
    size_t n;
    char *src = slurp(mz_test_path("corpora/mini/stance.jsonl"), &n);
    FILE *f = fopen(T("nocrit.jsonl"), "w");
    for (char *p = src; *p; p++) {
        if (!strncmp(p, "\"russia\": -", 11)) {
            fputs("\"russia\": 0", f);
            p += 11;
            continue;
        }
        fputc(*p, f);
    }
    fclose(f);
    free(src);
    int rc = run("o", "e", "'%s' --task stance --target russia --corpus '%s' --cv 3 --out '%s'", TRAIN, T("nocrit.jsonl"),
                 T("b"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "critical F1 as answered (every text; no label where the presence head says absent): undefined"), "%s",
                  err);
    ck_assert_msg(strstr(err, "ROC-AUC of the score (prob, the default): undefined"), "%s", err);
    free(err);
    char *m = slurp(T("b/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    free(m);
    cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "cv"), "stance");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(st, "critical_roc_auc")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(st, "critical_f1_answered")));
    ck_assert(cJSON_IsNull(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "critical_roc_auc_by_score"), "svr")));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(st, "score_chosen_by")->valuestring, "default");
    cJSON_Delete(j);
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("b"), T("nocrit.jsonl"));
    ck_assert_int_eq(rc, 0);
    m = slurp(T("o"), NULL);
    j = cJSON_Parse(m);
    free(m);
    st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "heldout"), "stance");
    const cJSON *fa = cJSON_GetObjectItemCaseSensitive(st, "critical_f1_answered");
    /* null unless some text was answered critical, when it is a true 0 */
    ck_assert(cJSON_IsNull(fa) || (cJSON_IsNumber(fa) && fa->valuedouble == 0));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(st, "critical_roc_auc")));
    cJSON_Delete(j);
    /* held-out texts none of which discusses Russia: no text to answer
     * critical, so null (it was 0) */
    edit_corpus("corpora/mini/stance.jsonl", T("absent.jsonl"), russia_absent);
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s' --json", TRAIN, T("b"), T("absent.jsonl"));
    ck_assert_int_eq(rc, 0);
    j = cJSON_Parse(m = slurp(T("o"), NULL));
    free(m);
    st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "heldout"), "stance");
    ck_assert_msg(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(st, "critical_f1_answered")), "not null");
    cJSON_Delete(j);
}
END_TEST

/* A stance --by row shows an F1 of 0 where a group has no true case but
 * false alarms (it showed "-", as if undefined, hiding them): the group's
 * figure is that of evaluating it alone. */
START_TEST(test_by_stance_false_alarms)
{
    train_stance("sb", "");
    size_t n;
    char *src = slurp(mz_test_path("corpora/mini/stance.jsonl"), &n);
    FILE *f = fopen(T("fa.jsonl"), "w");
    int k = 0;
    for (char *l = strtok(src, "\n"); l; l = strtok(NULL, "\n")) {
        cJSON *r = cJSON_Parse(l);
        const cJSON *ru = cJSON_GetObjectItemCaseSensitive(r, "russia");
        /* texts about Russia, labelled absent: the head calls them present */
        if (cJSON_IsNumber(ru) && ru->valuedouble == -2) {
            cJSON_ReplaceItemInObjectCaseSensitive(r, "russia", cJSON_CreateNull());
            cJSON_AddStringToObject(r, "desk", "fa");
            char *x = cJSON_PrintUnformatted(r);
            fprintf(f, "%s\n", x);
            free(x);
            k++;
        }
        cJSON_Delete(r);
    }
    fclose(f);
    free(src);
    ck_assert_int_eq(k, 8);
    int rc = run("ev.txt", "ev.err", "'%s' evaluate --model '%s' --corpus '%s' --by desk", TRAIN, T("sb"), T("fa.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *log = slurp(T("ev.txt"), NULL);
    double v[6];
    ck_assert_int_eq(by_row(log, "held-out figures by \"desk\"", "fa", v, 6), 6);
    ck_assert_double_eq(v[0], 8);
    ck_assert_double_eq(v[1], 0);           /* none present */
    ck_assert_msg(v[2] == 0, "%s", log);    /* yet some called present */
    ck_assert_double_eq(v[3], 0);           /* none critical, none scored */
    ck_assert_msg(isnan(v[4]), "%s", log); /* so none called critical */
    free(log);
}
END_TEST

/* A label holding an invisible character (a right-to-left mark a
 * spreadsheet export put beside the cell, a byte-order mark of a second
 * file joined on) is refused, naming the line and the character: it made a
 * class apart that prints like another. */
START_TEST(test_label_invisible_characters)
{
    size_t n;
    char *tsv = slurp(mz_test_path("corpora/mini/topic.tsv"), &n);
    char *tab = strchr(strchr(strchr(tsv, '\n') + 1, '\n') + 1, '\t'); /* line 3's label ends here */
    ck_assert_ptr_nonnull(tab);
    static const char *const marks[][2] = {{"\xE2\x80\x8F", "U+200F RIGHT-TO-LEFT MARK"},
                                           {"\xD8\x9C", "U+061C ARABIC LETTER MARK"},
                                           {"\xEF\xBB\xBF", "U+FEFF BYTE ORDER MARK"}};
    /* a non-joiner between two Arabic-script letters is spelling (Persian
     * بین‌الملل); between Latin letters it is a stray */
    static const char *const joined[][2] = {{"\xD8\xA8\xDB\x8C\xD9\x86\xE2\x80\x8C\xD8\xA7\xD9\x84", NULL},
                                            {"spo\xE2\x80\x8Crt", "U+200C ZERO WIDTH NON-JOINER"}};
    for (size_t k = 0; k < 2; k++) {
        FILE *f = fopen(T("zw.tsv"), "w");
        for (int q = 0; q < 4; q++) fprintf(f, "%s\tنص رقم %d\nsport\tنص آخر %d\n", joined[k][0], q, q);
        fclose(f);
        int rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --min-df 1 --quiet --out '%s'", TRAIN, T("zw.tsv"), T("zm"));
        char *err = slurp(T("e"), NULL);
        if (joined[k][1]) ck_assert_msg(rc != 0 && strstr(err, joined[k][1]), "%s", err);
        else ck_assert_msg(rc == 0, "%s", err);
        free(err);
    }
    /* inside a label, what prints as another: a no-break space, two
     * spaces, letters in presentation forms (U+FEAD U+FEF3 U+FE8E U+FEBF
     * U+FE94, رياضة as a PDF gives it); one space is a label's own */
    static const char *const inner[][2] = {
        {"\xD8\xA7\xD9\x84\xD8\xB4\xD8\xB1\xD9\x82 \xD8\xA7\xD9\x84\xD8\xA7\xD9\x88\xD8\xB3\xD8\xB7", NULL},
        {"\xD8\xA7\xD9\x84\xD8\xB4\xD8\xB1\xD9\x82\xC2\xA0\xD8\xA7\xD9\x84\xD8\xA7\xD9\x88\xD8\xB3\xD8\xB7",
         "holds a no-break or wide space"},
        {"\xD8\xA7\xD9\x84\xD8\xB4\xD8\xB1\xD9\x82  \xD8\xA7\xD9\x84\xD8\xA7\xD9\x88\xD8\xB3\xD8\xB7",
         "has two spaces in a row"},
        {"\xEF\xBA\xAD\xEF\xBB\xB3\xEF\xBA\x8E\xEF\xBA\xBF\xEF\xBA\x94", "presentation forms"}};
    for (size_t k = 0; k < 4; k++) {
        FILE *f = fopen(T("in.tsv"), "w");
        for (int q = 0; q < 4; q++) fprintf(f, "sport\tنص آخر %d\n%s\tنص رقم %d\n", q, inner[k][0], q);
        fclose(f);
        int rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --min-df 1 --quiet --out '%s'", TRAIN, T("in.tsv"), T("im"));
        char *err = slurp(T("e"), NULL);
        if (inner[k][1]) ck_assert_msg(rc != 0 && strstr(err, "in.tsv:2: label") && strstr(err, inner[k][1]), "%s", err);
        else ck_assert_msg(rc == 0, "%s", err);
        free(err);
    }
    for (size_t k = 0; k < 3; k++) {
        FILE *f = fopen(T("rlm.tsv"), "w");
        fwrite(tsv, 1, (size_t)(tab - tsv), f);
        fputs(marks[k][0], f);
        fwrite(tab, 1, n - (size_t)(tab - tsv), f);
        fclose(f);
        int rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --quiet --out '%s'", TRAIN, T("rlm.tsv"), T("m"));
        ck_assert_int_ne(rc, 0);
        char *err = slurp(T("e"), NULL);
        ck_assert_msg(strstr(err, "rlm.tsv:3: label") && strstr(err, marks[k][1]), "%s", err);
        free(err);
    }
    free(tsv);
}
END_TEST

/* A mistyped --id-field is refused when a JSONL corpus is in the run,
 * whatever else is: a TSV line's number and a folder article's path are
 * ids made by the reader, which had hidden the typo. */
START_TEST(test_id_field_typo_with_tsv)
{
    size_t n;
    char *j = slurp(mz_test_path("corpora/mini/topic.jsonl"), &n);
    char *cut = j;
    for (int k = 0; k < 18; k++) cut = strchr(cut, '\n') + 1; /* 18 lines, three labels */
    put(T("j1.jsonl"), j, (size_t)(cut - j));
    free(j);
    char *t = slurp(mz_test_path("corpora/mini/topic.tsv"), &n);
    cut = t;
    for (int k = 0; k < 12; k++) cut = strchr(cut, '\n') + 1;
    put(T("t2.tsv"), t, (size_t)(cut - t));
    free(t);
    int rc = run("o", "e", "'%s' --corpus '%s' --corpus '%s' --id-field idd --cv 2 --quiet --out '%s'", TRAIN,
                 T("j1.jsonl"), T("t2.tsv"), T("m"));
    ck_assert_int_ne(rc, 0);
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "--id-field idd: no record has that field"), "%s", err);
    free(err);
    /* a TSV corpus alone: the option says what later feeds hold */
    rc = run("o", "e", "'%s' --corpus '%s' --id-field idd --cv 2 --quiet --out '%s'", TRAIN, T("t2.tsv"), T("m"));
    if (rc != 0) ck_abort_msg("TSV training exited %d: %s", rc, slurp(T("e"), NULL));
}
END_TEST

/* Labels are read in Unicode's composed form (NFC): a label folder named
 * on macOS spells أخبار with a separate hamza (NFD), and its articles are
 * the same class as those of the folder spelled composed (they were two
 * classes that print alike). */
START_TEST(test_labels_composed)
{
    static const char nfc[] = "\xD8\xA3\xD8\xAE\xD8\xA8\xD8\xA7\xD8\xB1";          /* أخبار */
    static const char nfd[] = "\xD8\xA7\xD9\x94\xD8\xAE\xD8\xA8\xD8\xA7\xD8\xB1";  /* ا + U+0654, خبار */
    char dir[2][4096];
    mkdir(T("fc"), 0700);
    snprintf(dir[0], sizeof dir[0], "%s/%s", T("fc"), nfc);
    snprintf(dir[1], sizeof dir[1], "%s/%s", T("fc"), nfd);
    ck_assert_int_eq(mkdir(dir[0], 0700), 0);
    ck_assert_int_eq(mkdir(dir[1], 0700), 0);
    mkdir(T("fc/sport"), 0700);
    size_t n;
    char *src = slurp(mz_test_path("corpora/mini/topic.jsonl"), &n);
    int news = 0, sport = 0;
    for (char *l = strtok(src, "\n"); l; l = strtok(NULL, "\n")) {
        cJSON *r = cJSON_Parse(l);
        const char *lb = cJSON_GetObjectItemCaseSensitive(r, "label")->valuestring;
        const char *text = cJSON_GetObjectItemCaseSensitive(r, "text")->valuestring;
        char path[4200];
        if (!strcmp(lb, "internationalNews")) {
            snprintf(path, sizeof path, "%s/%d.txt", dir[news % 2], news);
            news++;
        } else if (!strcmp(lb, "sport")) {
            snprintf(path, sizeof path, "%s/%d.txt", T("fc/sport"), sport++);
        } else {
            cJSON_Delete(r);
            continue;
        }
        put(path, text, strlen(text));
        cJSON_Delete(r);
    }
    free(src);
    ck_assert_int_eq(news, 6);
    int rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --quiet --out '%s'", TRAIN, T("fc"), T("m"));
    if (rc != 0) ck_abort_msg("training exited %d: %s", rc, slurp(T("e"), NULL));
    char *m = slurp(T("m/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    free(m);
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "heads"), 0),
                                                           "labels");
    ck_assert_int_eq(cJSON_GetArraySize(labels), 2);
    int found = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, labels) found += !strcmp(x->valuestring, nfc);
    ck_assert_int_eq(found, 1);
    /* --f1-labels may name it in either spelling */
    rc = run("o", "e", "'%s' --corpus '%s' --cv 2 --quiet --f1-labels '%s,sport' --out '%s'", TRAIN, T("fc"), nfd, T("m2"));
    if (rc != 0) ck_abort_msg("--f1-labels with the decomposed name exited %d: %s", rc, slurp(T("e"), NULL));
    /* a bundle trained before labels were composed (its name decomposed)
     * still counts records of that label as its own */
    cJSON *h0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "heads"), 0);
    cJSON *ls = cJSON_GetObjectItemCaseSensitive(h0, "labels");
    for (int q = 0; q < cJSON_GetArraySize(ls); q++)
        if (!strcmp(cJSON_GetArrayItem(ls, q)->valuestring, nfc)) cJSON_ReplaceItemInArray(ls, q, cJSON_CreateString(nfd));
    m = cJSON_Print(j);
    put(T("m/manifest.json"), m, strlen(m));
    free(m);
    cJSON_Delete(j);
    rc = run("o", "e", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("m"), T("fc"));
    ck_assert_int_eq(rc, 0);
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(!strstr(err, "does not know"), "%s", err);
    free(err);
}
END_TEST

/* A PREFIX holding a quote and a space is one path to make install and
 * uninstall (the recipe had put it inside single quotes, and the shell
 * failed on it). */
START_TEST(test_install_odd_prefix)
{
    int rc = run("inst.txt", "err.txt",
                 "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C '%s' install DESTDIR='%s' PREFIX=\"/opt/m'z y\"",
                 mz_test_root(), T("odd"));
    ck_assert_msg(rc == 0, "make install exited %d: %s", rc, slurp(T("err.txt"), NULL));
    struct stat st;
    ck_assert_int_eq(stat(T("odd/opt/m'z y/bin/mizan-classify"), &st), 0);
    ck_assert_int_eq(stat(T("odd/opt/m'z y/share/mizan/models/topic/manifest.json"), &st), 0);
    rc = run("out.txt", "err.txt",
             "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C '%s' uninstall DESTDIR='%s' PREFIX=\"/opt/m'z y\"",
             mz_test_root(), T("odd"));
    ck_assert_msg(rc == 0, "make uninstall exited %d: %s", rc, slurp(T("err.txt"), NULL));
    ck_assert_int_ne(stat(T("odd/opt/m'z y/bin/mizan-classify"), &st), 0);
    ck_assert_int_ne(stat(T("odd/opt/m'z y/share/mizan"), &st), 0);
}
END_TEST

START_TEST(test_shared_corpus_reads)
{
    const char *shared = mz_test_shared();
    if (!shared) {
        fprintf(stderr, "test_e2e: skipped: ../shared missing (test_shared_corpus_reads)\n");
        return;
    }
    char path[8192];
    if (snprintf(path, sizeof path, "%s/corpora/ant_multisource/train-00.jsonl", shared) >= (int)sizeof path)
        ck_abort_msg("path too long");
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "test_e2e: skipped: %s missing\n", path);
        return;
    }
    mz_fields f;
    mz_fields_default(&f);
    shared_count c = {0, 0, 0};
    mz_err e = {{0}};
    ck_assert_int_eq(mz_corpus_read(path, &f, count_shared, &c, &e), -1);
    ck_assert_msg(strcmp(e.msg, "enough") == 0, "reading stopped early: %s", e.msg);
    ck_assert_uint_eq(c.n, 200);
    ck_assert_int_eq(c.bad_label, 0);
    ck_assert_uint_gt(c.with_title, 150);
}
END_TEST

/* --lsa-corpus: the bundle carries the block (manifest, lsa.bin, the
 * @lsa features in its vocabulary); classify, evaluate and a retrain with
 * another thread count agree with it; scored texts never enter the fit. */
START_TEST(test_lsa_features)
{
    char tsv[4096], unl[4096];
    snprintf(tsv, sizeof tsv, "%s", mz_test_path("corpora/mini/topic.tsv"));
    snprintf(unl, sizeof unl, "%s", mz_test_path("corpora/mini/topic.jsonl"));
    int rc = run("o", "e", "'%s' --corpus '%s' --lsa-corpus '%s' --lsa-dims 4 --cv 3 --quiet --out '%s'", TRAIN, tsv,
                 unl, T("lsa"));
    if (rc != 0) ck_abort_msg("training with --lsa-corpus exited %d: %s", rc, slurp(T("e"), NULL));
    char *m = slurp(T("lsa/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    free(m);
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "lsa");
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(l, "file")->valuestring, "lsa.bin");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(l, "dims")->valueint, 4);
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(l, "weight")->valuedouble, 0.5);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(l, "texts")->valueint, 36);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(l, "texts_left_out_as_scored")->valueint, 0);
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "files"), "lsa.bin"));
    int words = cJSON_GetObjectItemCaseSensitive(l, "words")->valueint;
    cJSON_Delete(j);
    size_t len;
    char *bin = slurp(T("lsa/lsa.bin"), &len);
    ck_assert_uint_eq(len, 16 + 4 * (size_t)words * 5);
    free(bin);
    char *voc = slurp(T("lsa/vocab.tsv"), NULL);
    ck_assert_ptr_nonnull(strstr(voc, "\nx\t1\t@lsa:3\t@lsa:3\n"));
    free(voc);
    int n = 0;
    double acc = held_out_accuracy("lsa", "corpora/mini/topic.jsonl", &n);
    ck_assert_int_eq(n, 36);
    ck_assert_msg(acc >= 0.5, "held-out accuracy %.3f", acc);
    /* classify and evaluate score the held-out texts alike, with a block
     * weighty enough that leaving it out would change the labels */
    rc = run("o", "e", "'%s' --corpus '%s' --lsa-corpus '%s' --lsa-dims 4 --lsa-weight 5 --cv 3 --quiet --out '%s'",
             TRAIN, tsv, unl, T("lsa5"));
    ck_assert_int_eq(rc, 0);
    acc = held_out_accuracy("lsa5", "corpora/mini/topic.jsonl", &n);
    rc = run("ev.out", "ev.err", "'%s' evaluate --model '%s' --corpus '%s'", TRAIN, T("lsa5"), unl);
    if (rc != 0) ck_abort_msg("evaluate exited %d: %s", rc, slurp(T("ev.err"), NULL));
    char *ev = slurp(T("ev.out"), NULL);
    const char *a = strstr(ev, "accuracy ");
    ck_assert_msg(a != NULL, "no accuracy in: %s", ev);
    ck_assert_double_eq_tol(strtod(a + 9, NULL), acc, 1e-4);
    free(ev);
    /* one thread instead of all: the same bundle, byte for byte */
    rc = run("o", "e", "'%s' --corpus '%s' --lsa-corpus '%s' --lsa-dims 4 --cv 3 --threads 1 --quiet --out '%s'", TRAIN,
             tsv, unl, T("lsa1"));
    ck_assert_int_eq(rc, 0);
    const char *files[] = {"lsa.bin", "vocab.tsv", "model.svm"};
    for (int f = 0; f < 3; f++) {
        char p1[64], p2[64];
        snprintf(p1, sizeof p1, "lsa/%s", files[f]);
        snprintf(p2, sizeof p2, "lsa1/%s", files[f]);
        size_t l1, l2;
        char *x = slurp(T(p1), &l1), *y = slurp(T(p2), &l2);
        ck_assert_msg(l1 == l2 && memcmp(x, y, l1) == 0, "%s differs between 1 and all threads", files[f]);
        free(x);
        free(y);
    }
    /* the scored texts as the unlabelled ones: every one is left out */
    rc = run("o", "e", "'%s' --corpus '%s' --lsa-corpus '%s' --lsa-dims 4 --quiet --out '%s'", TRAIN, tsv, tsv,
             T("lsa2"));
    ck_assert_int_eq(rc, 1);
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "--lsa-corpus") && strstr(err, "also in a scored --corpus"), "%s", err);
    free(err);
    /* more dimensions than the texts can give */
    rc = run("o", "e", "'%s' --corpus '%s' --lsa-corpus '%s' --lsa-dims 40 --quiet --out '%s'", TRAIN, tsv, unl,
             T("lsa2"));
    ck_assert_int_eq(rc, 1);
    err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "--lsa-dims 40 needs at least 50 texts"), "%s", err);
    free(err);
}
END_TEST

/* The largest feature index of a libsvm model file (its SV lines). */
static long max_index(const char *path)
{
    char *m = slurp(path, NULL);
    long best = 0;
    const char *sv = strstr(m, "\nSV\n");
    ck_assert_ptr_nonnull(sv);
    for (const char *p = sv; (p = strchr(p, ':')) != NULL; p++) {
        const char *q = p;
        while (q > sv && q[-1] >= '0' && q[-1] <= '9') q--;
        long v = strtol(q, NULL, 10);
        if (v > best) best = v;
    }
    free(m);
    return best;
}

/* --lsa-heads binary: a multi-label bundle's binary heads use the block,
 * its primary head does not (no weight beyond the plain features), and
 * the choice is recorded; other tasks refuse it. */
START_TEST(test_lsa_binary_heads)
{
    char op[4096], unl[4096];
    snprintf(op, sizeof op, "%s", mz_test_path("corpora/opinion/train.jsonl"));
    snprintf(unl, sizeof unl, "%s", mz_test_path("corpora/mini/topic.jsonl"));
    int rc = run("o", "e",
                 "'%s' --label-field frames --corpus '%s' --lsa-corpus '%s' --lsa-dims 4 --lsa-heads binary --cv 2 "
                 "--quiet --out '%s'",
                 TRAIN, op, unl, T("lb"));
    if (rc != 0) ck_abort_msg("training with --lsa-heads binary exited %d: %s", rc, slurp(T("e"), NULL));
    /* with no primary head, binary would change nothing: refused */
    rc = run("o", "e",
             "'%s' --label-field frames --corpus '%s' --lsa-corpus '%s' --lsa-dims 4 --lsa-heads binary "
             "--primary-weight 0 --cv 2 --quiet --out '%s'",
             TRAIN, op, unl, T("lb0"));
    ck_assert_int_eq(rc, 2);
    char *m = slurp(T("e"), NULL);
    ck_assert_msg(strstr(m, "--lsa-heads binary with --primary-weight 0"), "%s", m);
    free(m);
    m = slurp(T("lb/manifest.json"), NULL);
    cJSON *j = cJSON_Parse(m);
    free(m);
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "lsa");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(l, "heads")->valuestring, "binary");
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(j, "primary"));
    cJSON_Delete(j);
    /* the plain features: those before @lsa:0 (vocab.tsv: two header lines) */
    char *voc = slurp(T("lb/vocab.tsv"), NULL);
    const char *at = strstr(voc, "\nx\t1\t@lsa:0\t");
    ck_assert_ptr_nonnull(at);
    long plain = -2;
    for (const char *p = voc; p <= at; p++) plain += *p == '\n';
    free(voc);
    long pm = max_index(T("lb/primary.svm")), bm = 0;
    for (int h = 0; h < 14; h++) {
        char f[32];
        snprintf(f, sizeof f, "lb/head-%02d.svm", h);
        struct stat st;
        if (stat(T(f), &st) != 0) break;
        long x = max_index(T(f));
        if (x > bm) bm = x;
    }
    ck_assert_msg(pm <= plain, "primary head has weights beyond the %ld plain features (%ld)", plain, pm);
    ck_assert_msg(bm > plain, "no binary head has a weight on the block (max index %ld, plain %ld)", bm, plain);
    int n = 0;
    rc = run("c.out", "c.err", "'%s' --models '%s' --jsonl --explain 0 '%s'", CLASSIFY, T("lb"),
             mz_test_path("corpora/opinion/test.jsonl"));
    ck_assert_int_eq(rc, 0);
    char *out = slurp(T("c.out"), NULL);
    for (const char *p = out; *p; p++) n += *p == '\n';
    free(out);
    ck_assert_int_eq(n, 96);
    /* a multiclass corpus has no primary head to leave out */
    rc = run("o", "e", "'%s' --corpus '%s' --lsa-corpus '%s' --lsa-dims 4 --lsa-heads binary --quiet --out '%s'", TRAIN,
             mz_test_path("corpora/mini/topic.tsv"), unl, T("lb2"));
    ck_assert_int_eq(rc, 1);
    char *err = slurp(T("e"), NULL);
    ck_assert_msg(strstr(err, "--lsa-heads binary: for multi-label corpora"), "%s", err);
    free(err);
}
END_TEST

Suite *suite_e2e(void)
{
    Suite *s = suite_create("e2e");
    TCase *tc = tcase_create("programs");
    tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_train_and_classify_sample);
    tcase_add_test(tc, test_help_options_parsed);
    tcase_add_test(tc, test_every_sample_and_text_format);
    tcase_add_test(tc, test_folder_tree);
    tcase_add_test(tc, test_training_is_byte_identical);
    tcase_add_test(tc, test_jsonl_bad_line_in_order);
    tcase_add_test(tc, test_numbers_as_written);
    tcase_add_test(tc, test_corrupted_model_refused);
    tcase_add_test(tc, test_newer_format_refused);
    tcase_add_test(tc, test_one_class_corpus_refused);
    tcase_add_test(tc, test_folder_and_tsv_corpus_training);
    tcase_add_test(tc, test_stance_bundle);
    tcase_add_test(tc, test_stance_evidence_is_exact_for_any_k);
    tcase_add_test(tc, test_stance_evidence_does_not_leak_between_articles);
    tcase_add_test(tc, test_stance_svr_score);
    tcase_add_test(tc, test_train_only_corpus);
    tcase_add_test(tc, test_shipped_models_read_the_oped);
    tcase_add_test(tc, test_class_weight_recorded_as_used);
    tcase_add_test(tc, test_aux_head_on_target_bundle);
    tcase_add_test(tc, test_aux_field_values);
    tcase_add_test(tc, test_evaluate_unknown_label);
    tcase_add_test(tc, test_f1_labels_unseen_label);
    tcase_add_test(tc, test_stance_without_critical);
    tcase_add_test(tc, test_by_stance_false_alarms);
    tcase_add_test(tc, test_label_invisible_characters);
    tcase_add_test(tc, test_field_roles_and_stray_list);
    tcase_add_test(tc, test_id_field_typo_with_tsv);
    tcase_add_test(tc, test_labels_composed);
    tcase_add_test(tc, test_install_odd_prefix);
    tcase_add_test(tc, test_multiclass_renamed_without_head);
    tcase_add_test(tc, test_f1_label_weights);
    tcase_add_test(tc, test_f1_label_weights_in_evaluate);
    tcase_add_test(tc, test_shared_corpus_reads);
    tcase_add_test(tc, test_lsa_features);
    tcase_add_test(tc, test_lsa_binary_heads);
    tcase_add_test(tc, test_models_combined_and_key_clashes);
    tcase_add_test(tc, test_list_models);
    tcase_add_test(tc, test_list_models_terms);
    tcase_add_test(tc, test_keep_fields);
    tcase_add_test(tc, test_tsv_format);
    tcase_add_test(tc, test_encodings);
    tcase_add_test(tc, test_summary);
    tcase_add_test(tc, test_cv_predictions);
    tcase_add_test(tc, test_evaluate_by_field);
    tcase_add_test(tc, test_evaluate_reads_trained_fields);
    tcase_add_test(tc, test_by_numbers_and_stance_label_field);
    tcase_add_test(tc, test_lsa_texts_and_listed_trigrams);
    tcase_add_test(tc, test_tsv_columns_apart);
    tcase_add_test(tc, test_backwards_calibration_warned);
    tcase_add_test(tc, test_training_log_without_carriage_returns);
    tcase_add_test(tc, test_train_by_field);
    tcase_add_test(tc, test_install);
    tcase_add_test(tc, test_source_heads);
    suite_add_tcase(s, tc);
    return s;
}
