/* Signal handlers, the blocked mask, a pending signal, an interval timer, alarm and the
 * alternate signal stack. */
#include "common.h"
#include <signal.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t usr2, alrm, term;
static void on_usr2(int s) { (void)s; usr2++; }
static void on_term(int s) { (void)s; term++; }
static void on_alrm(int s) { (void)s; alrm++; }
static char altstack[65536];
static volatile sig_atomic_t rt_ticks, rt_bad;
static void on_rt(int s, siginfo_t *si, void *u) {
    (void)s; (void)u;
    if (si->si_value.sival_int == 42) rt_ticks++; else rt_bad++;
}

int main(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_RESTART | SA_ONSTACK;
    sigaddset(&sa.sa_mask, SIGINT);
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    struct sigaction al = {0};
    al.sa_handler = on_alrm;
    al.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &al, NULL);
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    signal(SIGTERM, on_term);
    raise(SIGUSR2);                           /* stays pending for the thread */
    kill(getpid(), SIGTERM);                  /* stays pending for the process */
    struct itimerval it = {.it_interval = {0, 20000}, .it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);

    struct sigaction rt = {0};
    rt.sa_sigaction = on_rt;
    rt.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGRTMIN + 1, &rt, NULL);
    timer_t unused, tm;
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_NONE;
    timer_create(CLOCK_REALTIME, &ev, &unused);   /* so that the ids are not just 0 */
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN + 1;
    ev.sigev_value.sival_int = 42;
    CHECK(timer_create(CLOCK_MONOTONIC, &ev, &tm) == 0, "timer_create");
    struct itimerspec its = {.it_interval = {0, 15000000}, .it_value = {0, 15000000}};
    timer_settime(tm, 0, &its, NULL);
    struct itimerspec far = {.it_value = {1000, 0}};
    timer_settime(unused, 0, &far, NULL);

    ready();
    wait_go();

    int before = alrm;
    int rt_before = rt_ticks;
    CHECK(usr2 == 0, "SIGUSR2 delivered while blocked");
    sigset_t pend;
    sigpending(&pend);
    CHECK(sigismember(&pend, SIGUSR2), "SIGUSR2 no longer pending");
    CHECK(sigismember(&pend, SIGTERM), "SIGTERM no longer pending");
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    CHECK(sigismember(&cur, SIGTERM) && sigismember(&cur, SIGUSR2) && !sigismember(&cur, SIGINT), "mask");
    struct sigaction now;
    sigaction(SIGUSR2, NULL, &now);
    CHECK(now.sa_handler == on_usr2 && (now.sa_flags & SA_RESTART) && (now.sa_flags & SA_ONSTACK), "usr2 handler");
    CHECK(sigismember(&now.sa_mask, SIGINT), "handler mask");
    sigaction(SIGHUP, NULL, &now);
    CHECK(now.sa_handler == SIG_IGN, "SIGHUP ignored");
    stack_t cs;
    sigaltstack(NULL, &cs);
    CHECK(cs.ss_sp == altstack && cs.ss_size == sizeof altstack, "altstack");
    struct itimerval cur_it;
    getitimer(ITIMER_REAL, &cur_it);
    CHECK(cur_it.it_interval.tv_usec == 20000, "itimer interval %ld", (long)cur_it.it_interval.tv_usec);
    /* The timer still fires. */
    for (int i = 0; i < 500 && alrm < before + 3; i++) usleep(10000);
    CHECK(alrm >= before + 3, "itimer stopped firing (%d -> %d)", before, (int)alrm);
    for (int i = 0; i < 500 && rt_ticks < rt_before + 3; i++) usleep(10000);
    CHECK(rt_ticks >= rt_before + 3 && rt_bad == 0, "POSIX timer (%d -> %d, bad %d)", rt_before, (int)rt_ticks, (int)rt_bad);
    struct itimerspec left;
    CHECK(timer_gettime(unused, &left) == 0 && left.it_value.tv_sec > 900, "second timer id kept");
    CHECK(timer_gettime(tm, &left) == 0 && left.it_interval.tv_nsec == 15000000, "timer id kept");
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    CHECK(usr2 == 1, "pending SIGUSR2 delivered once (%d)", (int)usr2);
    CHECK(term == 1, "pending SIGTERM delivered once (%d)", (int)term);
    return finish();
}
