/* tokenize.h — an article as sentences and normalised word tokens.
 *
 * mz_doc_build() runs the first two steps of the flow (normalise.h, then
 * word splitting) on an article's optional title and its body.  A token is a
 * maximal run of letters, digits and combining marks by ICU character
 * properties, after normalisation; tokens longer than MZ_TOKEN_MAX_CHARS
 * code points are dropped (URLs glued to text, base64, keyboard mashing).
 * Word-break iteration was measured at ~4x the cost for identical tokens on
 * Arabic news (no spaces inside Arabic words), so properties are used.  A
 * sentence made only of code points NFKC maps on their own (mz_norm_image)
 * is normalised and split in one pass from its UTF-8, without ICU; the
 * result is the same, and the tests and fuzz_doc compare the two paths.
 *
 * Sentences are byte ranges of the ORIGINAL text (what a person should be
 * shown), split at . ! ? ؟ … followed by an ASCII space, tab or line end,
 * and at line breaks (not before a no-break space, which NFKC would make a
 * space: the shipped models were trained that way), and after at most
 * MZ_SENTENCE_MAX_BYTES (at a space where there is one).  Sentence
 * 0 is the title when there is one.  Every token records its sentence.
 *
 * Invariants: tokens appear in text order; tok[i].off/len address d->buf,
 * which holds each token's UTF-8 followed by a NUL; tokens [0, ntitle) come
 * from the title.  A doc is reusable: build() resets it and keeps capacity. */
#ifndef MZ_TOKENIZE_H
#define MZ_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "normalize.h"
#include <unicode/umachine.h>

#define MZ_TOKEN_MAX_CHARS 40
#define MZ_SENTENCE_MAX_BYTES 16384

typedef struct mz_tok {
    uint32_t off;  /* into mz_doc.buf (a document whose buf would pass 4 GiB is refused) */
    uint32_t sent; /* sentence index */
    int32_t gid;   /* id in d->lex, or -1 without a lexicon */
    uint16_t len;  /* bytes */
} mz_tok;

/* A lexicon numbers distinct tokens (per thread, across documents) so that
 * every later step — each bundle's term lookup, each target matcher — can
 * keep per-token results in an array indexed by that number instead of
 * hashing the token again.  It is bounded: when it reaches its limit it
 * starts over and bumps `generation`, which tells its users to forget
 * their arrays.  It only ever restarts between documents. */
typedef struct mz_lexicon {
    struct mz_strmap *map; /* token → gid; the value is its memo's offset + 1 */
    uint32_t generation;
    size_t limit;
    char *memo;            /* memo strings: length byte, then the bytes */
    size_t memo_len, memo_cap;
    uint64_t *hash;        /* scratch: the document's token hashes */
    size_t hcap;
} mz_lexicon;

int mz_lexicon_init(mz_lexicon *l, size_t limit);
void mz_lexicon_free(mz_lexicon *l);

/* A string derived from a token and the same for every user (its Snowball
 * stem: all bundles stem alike), stored once per gid so that a worker with
 * several bundles computes it once, not once per bundle.  Forgotten when
 * the lexicon restarts.  get returns NULL when unset; set returns -1 on
 * out-of-memory or a string over 255 bytes. */
const char *mz_lexicon_memo(const mz_lexicon *l, int32_t gid, size_t *len);
int mz_lexicon_set_memo(mz_lexicon *l, int32_t gid, const char *s, size_t len);
/* For a document's memos read in token order: prefetch a few tokens ahead
 * where gid's memo offset is (stage 0), then, once that has arrived, the
 * memo itself (stage 1). */
void mz_lexicon_prefetch_memo(const mz_lexicon *l, int32_t gid, int stage);

/* The gid of one token outside any document, interned on first sight; a
 * full lexicon restarts first, so a caller may rely on a gid (and its memo)
 * only until its next call.  -1 on out-of-memory. */
int32_t mz_lexicon_id(mz_lexicon *l, const char *tok, size_t len);

typedef struct mz_span {
    uint32_t start, end; /* bytes of the original title or body */
    uint8_t in_title;
} mz_span;

/* Punctuation and symbols counted per article: outlets differ in how they
 * write (hashtags, guillemets, Arabic or Latin commas), and a desk's style
 * is evidence of its topic where word content is shared. */
#define MZ_NPUNCT 28
extern const UChar32 mz_punct_chars[MZ_NPUNCT];
extern const char *const mz_punct_names[MZ_NPUNCT]; /* "@p:<char>" */

typedef struct mz_doc {
    char *buf;
    size_t buf_len, buf_cap;
    mz_tok *tok;
    size_t ntok, tok_cap;
    mz_span *sent;
    size_t nsent, sent_cap;
    size_t ntitle;
    size_t max_tokens; /* 0 = unlimited; otherwise extra tokens are dropped */
    int truncated;     /* set when max_tokens cut the article */
    size_t dropped;    /* words left out as longer than MZ_TOKEN_MAX_CHARS (a lexicon
                        * entry must not lose one without a word: targets.c) */
    uint32_t punct[MZ_NPUNCT]; /* counts of mz_punct_chars in title and body */
    mz_lexicon *lex;   /* optional, set by the caller: assigns tok[].gid */
    int general_only;  /* tests: never take the fast path (tokenize.c) */
} mz_doc;

void mz_doc_init(mz_doc *d);
void mz_doc_free(mz_doc *d);

/* Tokenise title (may be NULL) and text.  Both must be valid UTF-8 (the
 * caller checks, so it can name the file and line).  Fails on
 * out-of-memory, ICU errors and texts too large to address (over 4 GiB
 * before or after normalising); e says which. */
int mz_doc_build(mz_doc *d, mz_normalizer *n, const char *title, size_t tlen,
                 const char *text, size_t len, mz_err *e);

static inline const char *mz_doc_tok(const mz_doc *d, size_t i) { return d->buf + d->tok[i].off; }

#endif
