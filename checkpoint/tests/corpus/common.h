/* Shared by the corpus programs: readiness, the "go" trigger and checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static void ready(void) {
    printf("ready\n");
    fflush(stdout);
}

/* Blocks in read(2) on stdin until the test writes "go" (after the restore). */
static void wait_go(void) {
    char buf[8];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n > 0)
            return;
        if (n < 0 && errno == EINTR)
            continue;
        fprintf(stderr, "FAIL: stdin read returned %zd (errno %d)\n", n, errno);
        exit(3);
    }
}

static int finish(void) {
    printf(failures ? "failed\n" : "ok\n");
    fflush(stdout);
    return failures ? 1 : 0;
}
