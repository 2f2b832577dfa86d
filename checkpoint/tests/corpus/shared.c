/* Shared memory that only this process maps: MAP_SHARED|MAP_ANONYMOUS and a memfd come back
 * shared (a fork sees the writes), and a write to a shared file mapping still reaches the file. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
    const char *file = argv[1];
    char *anon = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(anon, 'A', 1 << 20);
    int mfd = memfd_create("roam-test", 0);
    ftruncate(mfd, 1 << 16);
    char *mem = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    close(mfd);
    memset(mem, 'M', 1 << 16);
    /* Read-only shared memory with content. */
    char *ro = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(ro, 'R', 1 << 16);
    mprotect(ro, 1 << 16, PROT_READ);
    int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 1 << 16);
    char *fm = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    memset(fm, 'F', 1 << 16);
    ready();
    wait_go();
    CHECK(anon[0] == 'A' && anon[(1 << 20) - 1] == 'A', "shared anon content");
    CHECK(mem[0] == 'M' && mem[(1 << 16) - 1] == 'M', "memfd content");
    CHECK(fm[0] == 'F', "shared file content");
    CHECK(ro[0] == 'R' && ro[(1 << 16) - 1] == 'R', "read-only shared content");
    CHECK(mprotect(ro, 1 << 16, PROT_READ | PROT_WRITE) == 0, "read-only shared can be made writable");
    ro[1] = 'r';
    fm[100] = 'W';
    msync(fm, 1 << 16, MS_SYNC);
    char c = 0;
    fd = open(file, O_RDONLY);
    pread(fd, &c, 1, 100);
    CHECK(c == 'W', "write through the shared file mapping reached the file (%c)", c);
    pid_t k = fork();
    if (k == 0) {
        anon[5] = 'x';
        mem[5] = 'y';
        _exit(0);
    }
    waitpid(k, NULL, 0);
    CHECK(anon[5] == 'x', "shared anon is still shared");
    CHECK(mem[5] == 'y', "memfd mapping is still shared");
    return finish();
}
