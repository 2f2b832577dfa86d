/* A busy loop (no system calls between ticks) that continues counting from where it stopped:
 * it prints "tick N" every 2^24 increments; after the restore the ticks go on from N. */
#include "common.h"
#include <signal.h>

static volatile sig_atomic_t stop;
static void on_usr1(int s) { (void)s; stop = 1; }

int main(void) {
    signal(SIGUSR1, on_usr1);
    volatile unsigned long counter = 0;
    ready();
    while (!stop) {
        counter++;
        if ((counter & ((1ul << 24) - 1)) == 0) {
            printf("tick %lu\n", counter >> 24);
            fflush(stdout);
        }
    }
    printf("count %lu\n", counter);
    return finish();
}
