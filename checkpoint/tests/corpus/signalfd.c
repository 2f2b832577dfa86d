/* signalfd: the mask and flags, a signal pending at the checkpoint (with its value), and a
 * signal sent after the restore. */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>

int main(void) {
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    sigaddset(&m, SIGRTMIN + 1);
    CHECK(sigprocmask(SIG_BLOCK, &m, NULL) == 0, "block");
    sigset_t a;
    sigemptyset(&a);
    sigaddset(&a, SIGUSR1);
    sigaddset(&a, SIGUSR2);
    int usr = signalfd(-1, &a, SFD_NONBLOCK | SFD_CLOEXEC);
    sigset_t b;
    sigemptyset(&b);
    sigaddset(&b, SIGRTMIN + 1);
    int rt = signalfd(-1, &b, 0);
    CHECK(usr >= 0 && rt >= 0, "signalfds");
    union sigval val = {.sival_int = 42};
    CHECK(sigqueue(getpid(), SIGRTMIN + 1, val) == 0, "sigqueue");
    CHECK(kill(getpid(), SIGUSR2) == 0, "kill");
    ready();
    wait_go();
    CHECK(fcntl(usr, F_GETFL) & O_NONBLOCK, "non-blocking kept");
    CHECK(fcntl(usr, F_GETFD) & FD_CLOEXEC, "close-on-exec kept");
    CHECK(!(fcntl(rt, F_GETFL) & O_NONBLOCK), "blocking kept");
    struct signalfd_siginfo si;
    CHECK(read(usr, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR2, "pending SIGUSR2 (%u)", si.ssi_signo);
    CHECK(read(usr, &si, sizeof si) < 0 && errno == EAGAIN, "nothing else pending on usr");
    CHECK(read(rt, &si, sizeof si) == sizeof si && si.ssi_signo == (unsigned)SIGRTMIN + 1 && si.ssi_int == 42,
          "pending real-time signal (%u, %d)", si.ssi_signo, si.ssi_int);
    CHECK(kill(getpid(), SIGUSR1) == 0, "kill after restore");
    CHECK(read(usr, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR1 && si.ssi_pid == (unsigned)getpid(),
          "SIGUSR1 after the restore (%u)", si.ssi_signo);
    /* The mask is exactly the one given: SIGUSR1 is not read by rt. */
    CHECK(kill(getpid(), SIGUSR1) == 0, "kill again");
    int fl = fcntl(rt, F_GETFL);
    fcntl(rt, F_SETFL, fl | O_NONBLOCK);
    CHECK(read(rt, &si, sizeof si) < 0 && errno == EAGAIN, "rt does not read SIGUSR1");
    CHECK(read(usr, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR1, "usr reads it");
    return finish();
}
