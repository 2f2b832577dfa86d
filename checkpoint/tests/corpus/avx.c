/* AVX registers hold values in the middle of a computation that never stores them: a loop
 * in assembly keeps ymm0-ymm15 live while it spins, and checks them when it is told to stop. */
#include "common.h"
#include <signal.h>
#include <stdint.h>

static volatile int stop;
static void on_usr1(int s) { (void)s; stop = 1; }

int main(void) {
    signal(SIGUSR1, on_usr1);
    static uint64_t in[16][4] __attribute__((aligned(32)));
    static uint64_t out[16][4] __attribute__((aligned(32)));
    for (int r = 0; r < 16; r++)
        for (int l = 0; l < 4; l++) in[r][l] = 0x0101010101010101ull * (r + 1) + l;
    ready();
    unsigned long spins = 0;
    __asm__ volatile(
        "vmovdqa 0(%[in]), %%ymm0\n vmovdqa 32(%[in]), %%ymm1\n vmovdqa 64(%[in]), %%ymm2\n"
        "vmovdqa 96(%[in]), %%ymm3\n vmovdqa 128(%[in]), %%ymm4\n vmovdqa 160(%[in]), %%ymm5\n"
        "vmovdqa 192(%[in]), %%ymm6\n vmovdqa 224(%[in]), %%ymm7\n vmovdqa 256(%[in]), %%ymm8\n"
        "vmovdqa 288(%[in]), %%ymm9\n vmovdqa 320(%[in]), %%ymm10\n vmovdqa 352(%[in]), %%ymm11\n"
        "vmovdqa 384(%[in]), %%ymm12\n vmovdqa 416(%[in]), %%ymm13\n vmovdqa 448(%[in]), %%ymm14\n"
        "vmovdqa 480(%[in]), %%ymm15\n"
        "1: incq %[spins]\n cmpl $0, (%[stop])\n je 1b\n"
        "vmovdqa %%ymm0, 0(%[out])\n vmovdqa %%ymm1, 32(%[out])\n vmovdqa %%ymm2, 64(%[out])\n"
        "vmovdqa %%ymm3, 96(%[out])\n vmovdqa %%ymm4, 128(%[out])\n vmovdqa %%ymm5, 160(%[out])\n"
        "vmovdqa %%ymm6, 192(%[out])\n vmovdqa %%ymm7, 224(%[out])\n vmovdqa %%ymm8, 256(%[out])\n"
        "vmovdqa %%ymm9, 288(%[out])\n vmovdqa %%ymm10, 320(%[out])\n vmovdqa %%ymm11, 352(%[out])\n"
        "vmovdqa %%ymm12, 384(%[out])\n vmovdqa %%ymm13, 416(%[out])\n vmovdqa %%ymm14, 448(%[out])\n"
        "vmovdqa %%ymm15, 480(%[out])\n vzeroupper\n"
        : [spins] "+r"(spins)
        : [in] "r"(in), [out] "r"(out), [stop] "r"(&stop)
        : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
          "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    for (int r = 0; r < 16; r++)
        for (int l = 0; l < 4; l++)
            CHECK(out[r][l] == in[r][l], "ymm%d lane %d = %lx", r, l, (unsigned long)out[r][l]);
    CHECK(spins > 0, "spun");
    return finish();
}
