#!/usr/bin/env python3
"""scikit-learn anchor for bench/throughput.

usage: sklearn_anchor.py TRAIN.jsonl [TRAIN.jsonl ...] ARTICLES.jsonl REPEAT

Fits TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2) +
LinearSVC() on the TRAIN files (records {"title"?, "text", "label"}), then
times transform + predict over every record of ARTICLES ({"id", "title"?,
"text"}), REPEAT times, keeping the best. Document text is title + "\\n" + text
for both training and prediction. Reading and parsing JSON is not timed (the
articles are in memory before the clock starts), and no output is written.

Prints one JSON object on stdout:
  {"fit_seconds", "predict_seconds" (best), "predict_runs", "n",
   "n_train", "n_features", "peak_rss_mb", "sklearn"}
"""
import json
import resource
import sys
import time
import warnings


def doc(o):
    title = o.get("title") or ""
    text = o.get("text") or ""
    return title + "\n" + text if title else text


def load(path, want_label):
    docs, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            docs.append(doc(o))
            if want_label:
                labels.append(o["label"])
    return docs, labels


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__.strip().splitlines()[2])
    train_files, articles, repeat = argv[1:-2], argv[-2], int(argv[-1])
    if repeat < 1:
        sys.exit("sklearn_anchor.py: REPEAT must be >= 1")

    try:
        import sklearn
    except ImportError:
        sys.exit("sklearn_anchor.py: missing: scikit-learn for %s (Debian: apt-get install "
                 "python3-sklearn, then run it with /usr/bin/python3)" % sys.executable)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC
    from sklearn.exceptions import ConvergenceWarning

    X_docs, y = [], []
    for p in train_files:
        d, l = load(p, True)
        X_docs += d
        y += l
    A_docs, _ = load(articles, False)

    t0 = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    X = vec.fit_transform(X_docs)
    clf = LinearSVC()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    fit_seconds = time.perf_counter() - t0
    del X

    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        pred = clf.predict(vec.transform(A_docs))
        runs.append(time.perf_counter() - t0)
    assert len(pred) == len(A_docs)

    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({
        "fit_seconds": round(fit_seconds, 3),
        "predict_seconds": round(min(runs), 3),
        "predict_runs": [round(r, 3) for r in runs],
        "n": len(A_docs),
        "n_train": len(X_docs),
        "n_features": len(vec.vocabulary_),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "sklearn": sklearn.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
