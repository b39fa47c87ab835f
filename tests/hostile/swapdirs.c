/* swapdirs.c — exchange two directories atomically, as mizan-train's
 * commit does (renameat2 RENAME_EXCHANGE, fsutil.h's mz_dir_commit).
 *
 * usage: swapdirs A B [DELAY_MS]
 *
 * Sleeps DELAY_MS (default 0), swaps A and B once, and exits 0; exits 1 if
 * the kernel or filesystem cannot exchange.  The hostile battery uses it to
 * replace a bundle while mizan-classify is loading it, and make install to
 * put a new bundle in place of the old in one step. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: swapdirs A B [DELAY_MS]\n");
        return 2;
    }
    long ms = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) != 0) {
        fprintf(stderr, "swapdirs: %s <-> %s: %s\n", argv[1], argv[2], strerror(errno));
        return 1;
    }
    return 0;
}
