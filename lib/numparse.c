/* numparse.c — see numparse.h. */
#include "numparse.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* [-+]digits[.digits][(e|E)[-+]digits] at the start of s[0..n), with at
 * most 15 significant digits: the bytes it spans and the exact value, else
 * 0 (the caller asks strtod).  Where it stops is the caller's to judge. */
static size_t fast_prefix(const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    uint64_t m = 0;
    int sig = 0, digits = 0, e = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        if (m == 0 && s[i] == '0') continue; /* leading zeros are not significant */
        if (++sig > 15) return 0;
        m = m * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
            e--;
            if (m == 0 && s[i] == '0') continue;
            if (++sig > 15) return 0;
            m = m * 10 + (uint64_t)(s[i] - '0');
        }
    }
    if (digits == 0) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0, x = 0, ed = 0;
        if (i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ed++) {
            if (x > 1000) return 0;
            x = x * 10 + (s[i] - '0');
        }
        if (ed == 0) return 0;
        e += eneg ? -x : x;
    }
    double v = (double)m; /* exact: m < 10^15 < 2^53 */
    if (m != 0) {
        if (e < -22 || e > 22) return 0;
        v = e < 0 ? v / pow10[-e] : v * pow10[e];
    }
    *out = neg ? -v : v;
    return i;
}

static int fast(const char *s, size_t n, double *out) { return fast_prefix(s, n, out) == n; }

int mz_parse_double_prefix(const char *s, const char *end, double *out, const char **stop)
{
    size_t n = fast_prefix(s, (size_t)(end - s), out);
    if (n == 0 || n > 63) return 0;
    *stop = s + n;
    return 1;
}

int mz_parse_double(const char *s, size_t n, double *out)
{
    if (n == 0 || n > 63) return -1;
    double v;
    if (!fast(s, n, &v)) {
        if (s[0] != '-' && s[0] != '+' && s[0] != '.' && (s[0] < '0' || s[0] > '9')) return -1;
        char buf[64];
        memcpy(buf, s, n);
        buf[n] = 0;
        char *end;
        v = strtod(buf, &end);
        if (end != buf + n) return -1;
    }
    if (!isfinite(v)) return -1;
    *out = v;
    return 0;
}
