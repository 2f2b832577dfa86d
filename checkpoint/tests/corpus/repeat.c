/* Sleeps in short nanosleeps (restarted with restart_syscall when interrupted), keeps a
 * running checksum of its work, and is checkpointed and restored many times in a row. */
#include "common.h"
#include <poll.h>
#include <stdint.h>
#include <time.h>

int main(void) {
    uint64_t *data = malloc(1 << 20);
    for (int i = 0; i < (1 << 17); i++) data[i] = i * 7;
    unsigned long rounds = 0;
    ready();
    for (;;) {
        struct timespec ts = {0, 2000000};
        CHECK(nanosleep(&ts, NULL) == 0, "nanosleep failed: %d", errno);
        data[rounds % (1 << 17)] += 1;
        rounds++;
        struct pollfd p = {.fd = 0, .events = POLLIN};
        if (poll(&p, 1, 0) == 1) break;
    }
    uint64_t sum = 0, want = 0;
    for (int i = 0; i < (1 << 17); i++) { sum += data[i]; want += (uint64_t)i * 7; }
    CHECK(sum == want + rounds, "checksum %lu, want %lu", (unsigned long)sum, (unsigned long)(want + rounds));
    printf("rounds %lu\n", rounds);
    return finish();
}
