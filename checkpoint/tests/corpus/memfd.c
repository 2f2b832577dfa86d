/* memfd: name, contents (several chunks and a hole), size, offset, flags, seals, a second
 * description, and a MAP_SHARED mapping that shares writes with the descriptor. */
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define SIZE (8 << 20)
#define DATA (3 << 20)

static char pattern(long i) { return (char)(i * 7 + i / 4096); }

int main(void) {
    int m = memfd_create("roam memfd", MFD_ALLOW_SEALING | MFD_CLOEXEC);
    char *buf = malloc(DATA);
    for (long i = 0; i < DATA; i++)
        buf[i] = pattern(i);
    CHECK(write(m, buf, DATA) == DATA, "write");
    free(buf); /* unmapped: only the memfd holds the data */
    CHECK(ftruncate(m, SIZE) == 0, "grow");
    CHECK(pwrite(m, "tail", 4, 6 << 20) == 4, "tail");
    char *map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
    CHECK(map != MAP_FAILED, "mmap");
    map[100] = 'Z';
    char *priv = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, m, 0);
    CHECK(priv != MAP_FAILED && priv[100] == 'Z', "private mapping");
    priv[4096] = 'P'; /* a copy-on-write copy */
    lseek(m, 12345, SEEK_SET);
    CHECK(fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0, "seals");
    CHECK(fchmod(m, 0642) == 0, "fchmod");
    char mpath[64];
    snprintf(mpath, sizeof mpath, "/proc/self/fd/%d", m);
    int app = open(mpath, O_WRONLY | O_APPEND);
    CHECK(app >= 0, "an appending description");

    int other = memfd_create("other", 0); /* not sealable: F_SEAL_SEAL */
    write(other, "hello", 5);
    lseek(other, 2, SEEK_SET);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", other);
    int ro = open(path, O_RDONLY);
    CHECK(ro >= 0, "reopen read-only");
    ready();
    wait_go();

    char link[256] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", m);
    readlink(path, link, sizeof link - 1);
    CHECK(strcmp(link, "/memfd:roam memfd (deleted)") == 0, "name: %s", link);
    struct stat st;
    CHECK(fstat(m, &st) == 0 && st.st_size == SIZE, "size %ld", (long)st.st_size);
    CHECK((st.st_mode & 07777) == 0642, "mode %o", st.st_mode & 07777);
    CHECK((fcntl(app, F_GETFL) & (O_APPEND | O_ACCMODE)) == (O_APPEND | O_WRONLY), "O_APPEND kept");
    CHECK(lseek(app, 0, SEEK_CUR) == 0, "own offset");
    CHECK(lseek(m, 0, SEEK_CUR) == 12345, "offset %ld", (long)lseek(m, 0, SEEK_CUR));
    CHECK(fcntl(m, F_GETFD) & FD_CLOEXEC, "close-on-exec kept");
    CHECK(fcntl(m, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW), "seals %#x", fcntl(m, F_GET_SEALS));
    CHECK(ftruncate(m, 4096) < 0 && errno == EPERM, "shrink refused by the seal");
    char *got = malloc(DATA);
    CHECK(pread(m, got, DATA, 0) == DATA, "pread");
    int bad = -1;
    for (long i = 0; i < DATA; i++)
        if (i != 100 && got[i] != pattern(i)) {
            bad = i;
            break;
        }
    CHECK(bad < 0, "content differs at %d", bad);
    CHECK(got[100] == 'Z', "write through the mapping kept");
    char c = 1;
    CHECK(pread(m, &c, 1, 5 << 20) == 1 && c == 0, "hole reads zero");
    CHECK(pread(m, got, 4, 6 << 20) == 4 && memcmp(got, "tail", 4) == 0, "tail");
    CHECK(map[100] == 'Z' && map[(6 << 20) + 1] == 'a' && map[1] == pattern(1), "mapping content");
    /* Descriptor and mapping are one object. */
    CHECK(pwrite(m, "Q", 1, 200) == 1 && map[200] == 'Q', "descriptor write seen in the mapping");
    map[300] = 'R';
    CHECK(pread(m, &c, 1, 300) == 1 && c == 'R', "mapping write seen through the descriptor");
    /* The private mapping keeps its copy and still sees the memfd's other pages. */
    CHECK(priv[4096] == 'P' && map[4096] == pattern(4096), "private copy kept (%c)", priv[4096]);
    CHECK(priv[200] == 'Q' && priv[300] == 'R', "private mapping sees the memfd");
    priv[4097] = 'p';
    CHECK(map[4097] == pattern(4097), "private write stays private");

    CHECK(fcntl(other, F_GET_SEALS) == F_SEAL_SEAL, "not sealable (%#x)", fcntl(other, F_GET_SEALS));
    CHECK(lseek(other, 0, SEEK_CUR) == 2, "other offset");
    CHECK((fcntl(ro, F_GETFL) & O_ACCMODE) == O_RDONLY, "read-only description");
    CHECK(lseek(ro, 0, SEEK_CUR) == 0, "own offset");
    char h[6] = {0};
    CHECK(read(ro, h, 5) == 5 && strcmp(h, "hello") == 0, "ro reads %s", h);
    CHECK(pwrite(other, "J", 1, 0) == 1 && pread(ro, h, 1, 0) == 1 && h[0] == 'J', "one object");
    return finish();
}
