/* Memory patterns in heap, stack, anonymous, read-only, file-backed private and a sparse 1 GiB
 * region survive checkpoint and restore. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <stdint.h>

static uint64_t pattern(uint64_t i, uint64_t salt) { return (i * 0x9e3779b97f4a7c15ull) ^ salt; }

int main(int argc, char **argv) {
    const char *file = argv[1];
    size_t heap_n = 3 << 20;
    uint64_t *heap = malloc(heap_n * 8);
    for (size_t i = 0; i < heap_n; i++) heap[i] = pattern(i, 1);
    uint64_t stack[4096];
    for (size_t i = 0; i < 4096; i++) stack[i] = pattern(i, 2);
    size_t anon_len = 8 << 20;
    uint64_t *anon = mmap(NULL, anon_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < anon_len / 8; i++) anon[i] = pattern(i, 3);
    uint64_t *ro = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < (1 << 13); i++) ro[i] = pattern(i, 4);
    mprotect(ro, 1 << 16, PROT_READ);
    size_t big_len = 1ull << 30;
    unsigned char *big = mmap(NULL, big_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    for (size_t off = 0; off < big_len; off += 1 << 20) *(uint64_t *)(big + off) = pattern(off, 5);
    *(uint64_t *)(big + big_len - 8) = 0xfeedfacecafebeefull;
    /* A private file mapping: some pages modified (copy-on-write), the rest from the file. */
    int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char page[4096];
    for (int p = 0; p < 16; p++) {
        memset(page, 'a' + p, sizeof page);
        write(fd, page, sizeof page);
    }
    char *fmap = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    volatile char sink = 0;
    for (int p = 0; p < 16; p++) sink += fmap[p * 4096];
    memset(fmap + 3 * 4096, 'Z', 4096);
    (void)sink;

    ready();
    wait_go();

    for (size_t i = 0; i < heap_n; i++)
        if (heap[i] != pattern(i, 1)) { CHECK(0, "heap word %zu", i); break; }
    for (size_t i = 0; i < 4096; i++)
        if (stack[i] != pattern(i, 2)) { CHECK(0, "stack word %zu", i); break; }
    for (size_t i = 0; i < anon_len / 8; i++)
        if (anon[i] != pattern(i, 3)) { CHECK(0, "anon word %zu", i); break; }
    for (size_t i = 0; i < (1 << 13); i++)
        if (ro[i] != pattern(i, 4)) { CHECK(0, "read-only word %zu", i); break; }
    for (size_t off = 0; off < big_len; off += 1 << 20)
        if (*(uint64_t *)(big + off) != pattern(off, 5)) { CHECK(0, "big region at %zu", off); break; }
    CHECK(*(uint64_t *)(big + big_len - 8) == 0xfeedfacecafebeefull, "end of big region");
    CHECK(big[4096] == 0, "untouched page of big region reads zero");
    for (int p = 0; p < 16; p++) {
        char want = p == 3 ? 'Z' : 'a' + p;
        CHECK(fmap[p * 4096] == want && fmap[p * 4096 + 4095] == want, "file page %d is %c", p, fmap[p * 4096]);
    }
    /* The heap still works (brk is right). */
    char *brk_before = sbrk(0);
    char *grown = sbrk(1 << 20);
    CHECK(grown == brk_before && grown != (void *)-1, "sbrk after restore");
    memset(grown, 7, 1 << 20);
    void *more = malloc(64 << 20);
    CHECK(more != NULL, "malloc after restore");
    memset(more, 1, 64 << 20);
    return finish();
}
