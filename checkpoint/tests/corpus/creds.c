/* Credentials come back whole: uids, gids, supplementary groups, no_new_privs, the dumpable
 * flag and the parent-death signal. Started as root, it drops to uid/gid 4242 itself. */
#include "common.h"
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <time.h>
#include <linux/capability.h>
#include <sys/syscall.h>

static void caps(int set, unsigned *eff, unsigned *prm, unsigned *inh) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {0};
    if (set) {
        d[0].effective = *eff; d[0].permitted = *prm; d[0].inheritable = *inh;
        CHECK(syscall(SYS_capset, &h, d) == 0, "capset");
    } else {
        syscall(SYS_capget, &h, d);
        *eff = d[0].effective; *prm = d[0].permitted; *inh = d[0].inheritable;
    }
}

int main(void) {
    CHECK(prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT) == 0, "drop from the bounding set");
    prctl(PR_SET_KEEPCAPS, 1);
    gid_t groups[] = {4243, 4244};
    CHECK(setgroups(2, groups) == 0, "setgroups");
    CHECK(setresgid(4242, 4242, 4242) == 0, "setresgid");
    CHECK(setresuid(4242, 4242, 4242) == 0, "setresuid");
    unsigned want = 1u << CAP_NET_BIND_SERVICE, inh = 1u << CAP_NET_BIND_SERVICE;
    caps(1, &want, &want, &inh);
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) == 0, "ambient");
    prctl(PR_SET_DUMPABLE, 1);
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
    CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR2) == 0, "pdeathsig");
    /* A POSIX timer of a non-root process (restoring its id needs privileges). */
    timer_t tm;
    struct sigevent ev = {.sigev_notify = SIGEV_NONE};
    CHECK(timer_create(CLOCK_MONOTONIC, &ev, &tm) == 0, "timer_create");
    struct itimerspec far = {.it_value = {1000, 0}};
    timer_settime(tm, 0, &far, NULL);
    ready();
    wait_go();
    struct itimerspec left;
    CHECK(timer_gettime(tm, &left) == 0 && left.it_value.tv_sec > 900, "timer kept");
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    CHECK(r == 4242 && e == 4242 && s == 4242, "uids %d %d %d", r, e, s);
    gid_t gr, ge, gs;
    getresgid(&gr, &ge, &gs);
    CHECK(gr == 4242 && ge == 4242 && gs == 4242, "gids");
    gid_t got[8];
    int n = getgroups(8, got);
    CHECK(n == 2 && got[0] == 4243 && got[1] == 4244, "groups (%d)", n);
    CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs lost");
    CHECK(prctl(PR_GET_DUMPABLE) == 1, "dumpable");
    int sig = 0;
    prctl(PR_GET_PDEATHSIG, &sig);
    CHECK(sig == SIGUSR2, "pdeathsig %d", sig);
    unsigned ce = 0, cp = 0, ci = 0;
    caps(0, &ce, &cp, &ci);
    CHECK(ce == want && cp == want && ci == inh, "caps eff %x prm %x inh %x", ce, cp, ci);
    CHECK(prctl(PR_CAPBSET_READ, CAP_SYS_BOOT) == 0, "CAP_SYS_BOOT came back into the bounding set");
    CHECK(prctl(PR_CAPBSET_READ, CAP_NET_BIND_SERVICE) == 1, "bounding set lost a capability");
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0) == 1, "ambient lost");
    return finish();
}
