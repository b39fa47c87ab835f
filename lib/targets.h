/* targets.h — finding the targets of stance (Russia, the West, ...) in text.
 *
 * A lexicon (models/targets.json, editable) gives per target: `forms`,
 * single words without the article; `people`, names of persons (one word or
 * more); `phrases`, token sequences; `titles`, offices of two words or more;
 * `exclude`, token sequences in which a form or phrase means something else
 * (الضفة الغربية, المحيط الاطلسي).  Every string is normalised with the
 * article pipeline when loaded.  A token matches a form as it is or after
 * removing any leading clitic combination — و/ف, then ب/ل/ك, then ال (لل
 * counts as ل + ال) — trying every candidate, never only the greediest,
 * because many names begin with clitic-like letters (واشنطن، فرنسا، بوتين).
 * Only the first token of a phrase or exclusion may carry clitics.  A person
 * of one word is matched as a form, of more as a phrase.  A word "*" of an
 * entry (never its first or last) matches any one word of the sentence
 * except the first word of a phrase or title matching there: صحيفة *
 * البريطانية excludes a newspaper of any one-word name, but مدرب * الامريكي
 * does not swallow المدرب السفير الامريكي.  Tokens covered by an exclusion
 * are never mentions.  A phrase is one mention, and so is a phrase with ال +
 * a form right after it in its sentence (its adjective: البيت الابيض
 * الامريكي).  A title (الرئيس الروسي، وزير الخارجية الامريكي) directly
 * followed in its sentence by a person of the same target, with no clitic,
 * is one mention with it (الرئيس الروسي فلاديمير بوتين); any other name
 * after it counts apart, since in verb-subject-object order it is often the
 * object (انتقد الرئيس الامريكي فرنسا) or another office.  A name's final ه
 * may stand for ة (الخارجيه الروسيه), a common spelling: in the text, and in
 * the lexicon, where a target's entry words ending in ه are read with ة.
 * Cue-word matchers count without these rules.
 *
 * Loading refuses, naming the file and the entry: a key it does not read
 * or given twice, a lexicon version other than 1, a target given twice or
 * with no forms, people, phrases or titles, an entry in two lists, a
 * one-word title, a "*" not a word of its own (**, *x, ٭, ＊), a word longer
 * than MZ_TOKEN_MAX_CHARS (text never holds it as one token), an entry over
 * 512 bytes and a string holding \u0000.
 *
 * Matching runs on the tokens of mz_doc (normalised, unstemmed), so a
 * mention is found exactly where the classifier sees the word.  A per-thread
 * matcher caches each distinct token's candidates, which keeps matching a
 * hash lookup per token on the hot path. */
#ifndef MZ_TARGETS_H
#define MZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "normalize.h"
#include "strmap.h"
#include "features.h"
#include "tokenize.h"

#define MZ_MAX_TARGETS 16

typedef struct mz_seq {
    char **tok;
    size_t *len; /* bytes of each token */
    size_t n;
} mz_seq;

typedef struct mz_target {
    char name[64];
    mz_strmap *forms;
    mz_strmap *people; /* the one-word entries of "people" (also in forms) */
    mz_seq *phrases, *exclude;
    size_t nphrases, nexclude;
    size_t people_lo, people_hi; /* phrases[people_lo .. people_hi) came from "people" */
    size_t title_lo, title_hi;   /* phrases[title_lo .. title_hi) came from "titles" */
    mz_strmap *starts; /* first tokens of phrases and exclusions */
    /* The sequences beginning with starts entry j: first_seq[first_off[j]
     * .. first_off[j + 1]), phrase p as p and exclusion x as nphrases + x,
     * so a token is only compared with the phrases it can begin. */
    size_t *first_off;
    uint32_t *first_seq;
    /* Every candidate of a token ends where the token ends, so a token whose
     * last two bytes end no form or start can be dismissed without a lookup:
     * bit (last two bytes) set when some entry ends with them. */
    uint8_t tail[65536 / 8];
} mz_target;

typedef struct mz_targets {
    mz_target t[MZ_MAX_TARGETS];
    size_t n;
} mz_targets;

int mz_targets_parse(mz_targets *ts, const char *json, size_t len, const char *name, mz_normalizer *nz, mz_err *e);
int mz_targets_load(mz_targets *ts, const char *path, mz_normalizer *nz, mz_err *e);
void mz_targets_free(mz_targets *ts);
const mz_target *mz_targets_find(const mz_targets *ts, const char *name);

typedef struct mz_matcher mz_matcher;
mz_matcher *mz_matcher_new(const mz_target *t, mz_err *e);
void mz_matcher_free(mz_matcher *m);

/* Count mentions of the matcher's target in d; sets hit[s] = 1 for each
 * sentence s that has one (hit has d->nsent entries).  Returns the count
 * or -1 on out-of-memory. */
long mz_match(mz_matcher *m, const mz_doc *d, uint8_t *hit);

/* Context flags: ctx[s] = 1 for sentences within `window` of a hit. */
void mz_context_from_hits(const uint8_t *hit, size_t nsent, int window, uint8_t *ctx);


/* Give a target's matcher the lexicon's evaluative cue lists ("@critical",
 * "@favourable"; either may be NULL), which mz_target_features then counts
 * near the target and in the whole article. */
int mz_matcher_set_cues(mz_matcher *m, const mz_target *critical, const mz_target *favourable, mz_err *e);

/* Everything a stance head sees of a target in one article, computed the
 * same way at training and classification: hit/ctx flags per sentence and
 * the pseudo-terms "@mention" (count), "@title" (named in the title) and
 * "@lead" (named in the first three sentences), and with cues set
 * "@crit_near"/"@fav_near" (cue sentences within the context) and
 * "@crit_all"/"@fav_all" (cue words in the article).  ex needs room for 7.
 * Returns the mention count, or -1 on out-of-memory. */
long mz_target_features(mz_matcher *m, const mz_doc *d, int window, uint8_t *hit, uint8_t *ctx,
                        mz_extra *ex, size_t *nex);

#endif
