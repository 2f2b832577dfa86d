/* Four threads, each with its own TLS counter, running while the process is checkpointed;
 * afterwards they go on counting, see their own TLS, and pthread_join works. */
#include "common.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static __thread unsigned long tls_counter;
static __thread int tls_id;
static atomic_int started, stop;
static volatile unsigned long last_seen[4];
static pthread_mutex_t robust;

static void *worker(void *arg) {
    tls_id = (int)(long)arg;
    tls_counter = (unsigned long)tls_id << 48;
    /* Thread 1 dies holding a robust mutex: the kernel must find it on its robust list. */
    if (tls_id == 1) pthread_mutex_lock(&robust);
    atomic_fetch_add(&started, 1);
    while (!atomic_load(&stop)) {
        tls_counter++;
        if ((tls_counter & 0xfff) == 0) last_seen[tls_id] = tls_counter;
    }
    if ((tls_counter >> 48) != (unsigned long)tls_id || tls_id != (int)(long)arg) return (void *)1;
    return (void *)tls_counter;
}

int main(void) {
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &ma);
    pthread_t th[4];
    for (long i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, (void *)i);
    while (atomic_load(&started) < 4) {}
    while (last_seen[3] == 0 || last_seen[0] == 0) {}
    unsigned long mark[4];
    for (int i = 0; i < 4; i++) mark[i] = last_seen[i];
    ready();
    wait_go();
    /* Let them run a little after the restore. */
    for (int i = 0; i < 4; i++) {
        unsigned long m = last_seen[i];
        while (last_seen[i] == m) {}
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 4; i++) {
        void *ret;
        CHECK(pthread_join(th[i], &ret) == 0, "join %d", i);
        unsigned long v = (unsigned long)ret;
        CHECK(v > mark[i] && (v >> 48) == (unsigned long)i, "thread %d ended at %lu (mark %lu)", i, v, mark[i]);
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    int r = pthread_mutex_timedlock(&robust, &until);
    CHECK(r == EOWNERDEAD, "robust mutex of a dead thread: %d (robust list lost?)", r);
    /* A new thread can still be created. */
    pthread_t extra;
    CHECK(pthread_create(&extra, NULL, worker, (void *)0) == 0, "new thread");
    pthread_join(extra, NULL);
    return finish();
}
