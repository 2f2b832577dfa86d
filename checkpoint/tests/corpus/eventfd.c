/* eventfd: counters (one wider than 32 bits), EFD_SEMAPHORE, O_NONBLOCK, close-on-exec, a
 * shared description, all at their descriptor numbers. */
#include "common.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>

int main(void) {
    int sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    int wide = eventfd(0, EFD_CLOEXEC);
    uint64_t v = 0x123456789ULL;
    CHECK(write(wide, &v, 8) == 8, "write");
    int dupd = dup2(wide, 40); /* same description */
    int zero = eventfd(0, EFD_NONBLOCK);
    CHECK(sem >= 0 && wide >= 0 && dupd == 40 && zero >= 0, "eventfds");
    ready();
    wait_go();
    CHECK(fcntl(sem, F_GETFL) & O_NONBLOCK, "sem non-blocking");
    CHECK(!(fcntl(sem, F_GETFD) & FD_CLOEXEC), "sem without close-on-exec");
    CHECK(fcntl(wide, F_GETFD) & FD_CLOEXEC, "close-on-exec kept");
    CHECK(!(fcntl(wide, F_GETFL) & O_NONBLOCK), "wide blocking");
    for (int i = 0; i < 3; i++) {
        v = 0;
        CHECK(read(sem, &v, 8) == 8 && v == 1, "semaphore read %d gave %llu", i, (unsigned long long)v);
    }
    CHECK(read(sem, &v, 8) < 0 && errno == EAGAIN, "semaphore exhausted after 3");
    v = 0;
    CHECK(read(wide, &v, 8) == 8 && v == 0x123456789ULL, "wide counter %llx", (unsigned long long)v);
    v = 7;
    CHECK(write(40, &v, 8) == 8, "write through the dup");
    v = 0;
    CHECK(read(wide, &v, 8) == 8 && v == 7, "dup shares the counter (%llu)", (unsigned long long)v);
    CHECK(read(zero, &v, 8) < 0 && errno == EAGAIN, "zero counter");
    return finish();
}
