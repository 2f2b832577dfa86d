/* epoll: after the restore, epoll_wait returns exactly the ready watched descriptors with
 * their data (pipes, eventfds, a timerfd, a nested epoll), the watches keep their descriptor
 * numbers (EPOLL_CTL_MOD and DEL work), and new readiness is seen. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

static void watch(int ep, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {.events = events, .data.u64 = data};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "watch fd %d", fd);
}

/* The data of the ready events, as a bit set of (data - 100), with the events of each. */
static uint64_t ready_set(int ep, uint32_t *events) {
    struct epoll_event evs[16];
    int n = epoll_wait(ep, evs, 16, 0);
    uint64_t set = 0;
    for (int i = 0; i < n; i++) {
        set |= 1ULL << (evs[i].data.u64 - 100);
        events[evs[i].data.u64 - 100] = evs[i].events;
    }
    return set;
}

int main(void) {
    int full[2], empty[2];
    CHECK(pipe(full) == 0 && pipe(empty) == 0, "pipes");
    write(full[1], "x", 1);
    int ev1 = eventfd(1, EFD_NONBLOCK);
    int ev0 = eventfd(0, EFD_NONBLOCK);
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec its = {{0, 0}, {0, 1000000}};
    timerfd_settime(t, 0, &its, NULL);
    struct pollfd p = {.fd = t, .events = POLLIN};
    CHECK(poll(&p, 1, 5000) == 1, "timer fired");
    int inner = epoll_create1(0);
    int inner_ev = eventfd(1, 0);
    watch(inner, inner_ev, EPOLLIN, 200);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    watch(ep, full[0], EPOLLIN, 100);
    watch(ep, empty[0], EPOLLIN, 101);
    watch(ep, ev1, EPOLLIN | EPOLLET, 102);
    watch(ep, t, EPOLLIN, 103);
    watch(ep, ev0, EPOLLOUT, 104);
    watch(ep, inner, EPOLLIN, 105);
    int dup_ev0 = dup(ev0);
    watch(ep, dup_ev0, EPOLLIN, 107); /* the same file under another number, not ready */
    /* Files watched under numbers that were closed or reused since (as zdtm's epoll01):
     * pipe a under 60 (closed), pipe b and pipe c both under 61 (b's closed, c's open). */
    int pa[2], pb[2], pc[2];
    CHECK(pipe(pa) == 0 && pipe(pb) == 0 && pipe(pc) == 0, "more pipes");
    CHECK(dup2(pa[0], 60) == 60, "dup 60");
    watch(ep, 60, EPOLLIN, 111);
    close(60);
    CHECK(dup2(pb[0], 61) == 61, "dup 61");
    watch(ep, 61, EPOLLIN, 112);
    CHECK(dup2(pc[0], 61) == 61, "dup 61 again");
    watch(ep, 61, EPOLLIN, 113);
    ready();
    wait_go();

    uint32_t after_ev[16] = {0};
    uint64_t after = ready_set(ep, after_ev);
    uint64_t want = 1 << 0 | 1 << 2 | 1 << 3 | 1 << 4 | 1 << 5;
    CHECK(after == want, "ready set %#llx, want %#llx", (unsigned long long)after, (unsigned long long)want);
    CHECK(after_ev[0] == EPOLLIN && after_ev[4] == EPOLLOUT, "events %#x %#x", after_ev[0], after_ev[4]);
    CHECK(fcntl(ep, F_GETFD) & FD_CLOEXEC, "close-on-exec kept");
    /* Edge-triggered: reported once. */
    after = ready_set(ep, after_ev);
    CHECK(!(after & 1 << 2), "edge-triggered eventfd reported again");
    struct epoll_event e;
    CHECK(epoll_wait(inner, &e, 1, 0) == 1 && e.data.u64 == 200, "nested epoll");
    write(empty[1], "y", 1);
    after = ready_set(ep, after_ev);
    CHECK(after & 1 << 1, "new readiness seen (%#llx)", (unsigned long long)after);
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, full[0], NULL) == 0, "DEL by number");
    e = (struct epoll_event){.events = EPOLLIN, .data.u64 = 110};
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, ev0, &e) == 0, "MOD by number");
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ev0, &e) < 0 && errno == EEXIST, "still watched");
    uint64_t one = 1;
    write(dup_ev0, &one, 8);
    after = ready_set(ep, after_ev);
    CHECK(after & 1ULL << 10 && after & 1ULL << 7 && !(after & 1), "after MOD/DEL %#llx", (unsigned long long)after);
    CHECK(fcntl(60, F_GETFD) < 0 && errno == EBADF, "fd 60 stays closed");
    write(pa[1], "a", 1);
    after = ready_set(ep, after_ev);
    CHECK(after & 1ULL << 11 && !(after & 3ULL << 12), "pipe a, watched under closed 60 (%#llx)", (unsigned long long)after);
    char c;
    read(pa[0], &c, 1);
    write(pb[1], "b", 1);
    after = ready_set(ep, after_ev);
    CHECK(after & 1ULL << 12 && !(after & 1ULL << 11) && !(after & 1ULL << 13), "pipe b, watched under reused 61 (%#llx)", (unsigned long long)after);
    read(pb[0], &c, 1);
    write(pc[1], "c", 1);
    after = ready_set(ep, after_ev);
    CHECK(after & 1ULL << 13 && !(after & 1ULL << 12), "pipe c under 61 (%#llx)", (unsigned long long)after);
    CHECK(read(61, &c, 1) == 1 && c == 'c', "fd 61 is pipe c's read end");
    return finish();
}
