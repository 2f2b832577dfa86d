/* timerfd: a periodic timer whose expirations accumulate across the checkpoint, a relative
 * one-shot that fires after the time it had left, an absolute one-shot that fires at its
 * time, and an expired one-shot whose expiration is still unread. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>

static int64_t now_ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct timespec ts(int64_t ns) {
    return (struct timespec){ns / 1000000000LL, ns % 1000000000LL};
}

/* Waits until fd is readable; returns 0 on timeout. */
static int wait_readable(int fd, int ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    for (;;) {
        int n = poll(&p, 1, ms);
        if (n < 0 && errno == EINTR)
            continue;
        return n > 0;
    }
}

int main(void) {
    const int64_t period = 50 * 1000000LL, rel = 1500 * 1000000LL, abs_in = 2000 * 1000000LL;
    int periodic = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    int64_t armed = now_ns(CLOCK_MONOTONIC);
    struct itimerspec its = {ts(period), ts(period)};
    CHECK(timerfd_settime(periodic, 0, &its, NULL) == 0, "periodic");

    int oneshot = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    int64_t rel_armed = now_ns(CLOCK_MONOTONIC);
    its = (struct itimerspec){{0, 0}, ts(rel)};
    CHECK(timerfd_settime(oneshot, 0, &its, NULL) == 0, "one-shot");

    int absolute = timerfd_create(CLOCK_REALTIME, 0);
    int64_t abs_at = now_ns(CLOCK_REALTIME) + abs_in;
    its = (struct itimerspec){{0, 0}, ts(abs_at)};
    CHECK(timerfd_settime(absolute, TFD_TIMER_ABSTIME, &its, NULL) == 0, "absolute");

    int expired = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);
    its = (struct itimerspec){{0, 0}, ts(1000000)};
    CHECK(timerfd_settime(expired, 0, &its, NULL) == 0, "expired");
    CHECK(wait_readable(expired, 5000), "the short one-shot fired");

    /* Let the periodic timer expire a few times, unread. */
    while (now_ns(CLOCK_MONOTONIC) - armed < 4 * period + period / 2) {
        struct timespec d = ts(period);
        nanosleep(&d, NULL);
    }
    uint64_t at_least = (now_ns(CLOCK_MONOTONIC) - armed) / period;
    ready();
    wait_go();

    uint64_t n = 0;
    CHECK(read(periodic, &n, 8) == 8 && n >= at_least, "periodic: %llu expirations, at least %llu were due",
          (unsigned long long)n, (unsigned long long)at_least);
    CHECK(wait_readable(periodic, 2000), "periodic keeps firing");
    n = 0;
    CHECK(read(periodic, &n, 8) == 8 && n >= 1, "periodic fired again (%llu)", (unsigned long long)n);
    CHECK(fcntl(periodic, F_GETFL) & O_NONBLOCK, "periodic non-blocking");
    CHECK(fcntl(oneshot, F_GETFD) & FD_CLOEXEC, "one-shot close-on-exec");
    struct itimerspec cur;
    CHECK(timerfd_gettime(periodic, &cur) == 0 && cur.it_interval.tv_nsec == period, "period kept");

    n = 0;
    CHECK(read(expired, &n, 8) == 8 && n == 1, "the expiration before the checkpoint is kept (%llu)", (unsigned long long)n);

    /* The relative one-shot fires no earlier than its time (the process was frozen meanwhile,
     * which only delays it). */
    CHECK(wait_readable(oneshot, 10000), "one-shot fired");
    int64_t fired = now_ns(CLOCK_MONOTONIC);
    CHECK(fired - rel_armed >= rel, "one-shot fired early: after %lld ms", (long long)((fired - rel_armed) / 1000000));
    n = 0;
    CHECK(read(oneshot, &n, 8) == 8 && n == 1, "one-shot read %llu", (unsigned long long)n);
    CHECK(timerfd_gettime(oneshot, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "one-shot disarmed");

    /* The absolute one fires at its time on the real-time clock. */
    /* The absolute one fires at its time on the real-time clock: not before, and not long
     * after (or after the wait started, had the restore taken longer). */
    int64_t waiting = now_ns(CLOCK_REALTIME);
    CHECK(wait_readable(absolute, 10000), "absolute fired");
    int64_t real = now_ns(CLOCK_REALTIME);
    int64_t due = abs_at > waiting ? abs_at : waiting;
    CHECK(real >= abs_at && real - due < 1000000000LL, "absolute fired %lld ms from its time",
          (long long)((real - abs_at) / 1000000));
    return finish();
}
