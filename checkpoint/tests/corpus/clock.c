/* Time through the vdso after restore: clock_gettime and gettimeofday work, the monotonic
 * clock does not go backwards, and the vdso is where the auxiliary vector says. */
#include "common.h"
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

int main(void) {
    struct timespec before;
    clock_gettime(CLOCK_MONOTONIC, &before);
    unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
    ready();
    wait_go();
    struct timespec after, rt;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &after) == 0, "clock_gettime");
    CHECK(after.tv_sec > before.tv_sec || (after.tv_sec == before.tv_sec && after.tv_nsec >= before.tv_nsec),
          "monotonic went backwards");
    CHECK(clock_gettime(CLOCK_REALTIME, &rt) == 0 && rt.tv_sec > 1600000000, "realtime");
    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_sec > 1600000000, "gettimeofday");
    CHECK(getauxval(AT_SYSINFO_EHDR) == vdso, "auxv vdso");
    FILE *m = fopen("/proc/self/maps", "r");
    char line[512];
    unsigned long found = 0;
    while (fgets(line, sizeof line, m))
        if (strstr(line, "[vdso]")) found = strtoul(line, NULL, 16);
    CHECK(found == vdso, "vdso mapped at %lx, auxv says %lx", found, vdso);
    /* Many calls: the vdso data page must be live. */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 100000; i++) clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK(b.tv_sec > a.tv_sec || b.tv_nsec > a.tv_nsec, "clock does not advance");
    FILE *c = fopen("/proc/self/cmdline", "r");
    char cmd[256] = {0};
    fread(cmd, 1, sizeof cmd - 1, c);
    CHECK(strstr(cmd, "clock") != NULL, "cmdline %s", cmd);
    return finish();
}
