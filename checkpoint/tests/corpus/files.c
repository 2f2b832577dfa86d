/* Files: offsets, O_APPEND, shared descriptions, close-on-exec, directories, O_PATH, simple
 * devices, a pipe held at both ends with unread data, a FIFO, cwd, umask, rlimits, nice. */
#include "common.h"
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>

int main(int argc, char **argv) {
    const char *dir = argv[1];
    pid_t me = getpid();
    CHECK(setsid() == me, "setsid");
    CHECK(chdir(dir) == 0, "chdir");
    umask(0027);
    struct rlimit rl = {.rlim_cur = 200, .rlim_max = 300};
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit");
    CHECK(setpriority(PRIO_PROCESS, 0, 7) == 0, "nice");

    int rw = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(rw, "0123456789abcdef", 16);
    lseek(rw, 5, SEEK_SET);
    int shared = dup(rw);                     /* shares the offset with rw */
    int ap = open("log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    write(ap, "one\n", 4);
    int ro = open("data", O_RDONLY);
    lseek(ro, 10, SEEK_SET);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    int pfd = open("data", O_PATH);
    int null = open("/dev/null", O_WRONLY);
    int zero = open("/dev/zero", O_RDONLY);
    int urnd = open("/dev/urandom", O_RDONLY);
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe");
    write(p[1], "unread pipe data", 16);
    CHECK(mkfifo("fifo", 0600) == 0, "mkfifo");
    int fr = open("fifo", O_RDONLY | O_NONBLOCK);
    int fw = open("fifo", O_WRONLY);
    write(fw, "early", 5);                    /* unread FIFO data */
    int high = dup2(rw, 77);                  /* a high fd number */
    (void)high;

    ready();
    wait_go();

    char buf[64] = {0};
    CHECK(read(rw, buf, 3) == 3 && memcmp(buf, "567", 3) == 0, "rw offset: %.3s", buf);
    CHECK(lseek(shared, 0, SEEK_CUR) == 8, "dup shares offset (%ld)", (long)lseek(shared, 0, SEEK_CUR));
    CHECK(write(ap, "two\n", 4) == 4, "append write");
    int logfd = open("log", O_RDONLY);
    memset(buf, 0, sizeof buf);
    read(logfd, buf, sizeof buf - 1);
    CHECK(strcmp(buf, "one\ntwo\n") == 0, "log is %s", buf);
    CHECK(fcntl(ap, F_GETFL) & O_APPEND, "O_APPEND kept");
    CHECK(fcntl(ap, F_GETFD) & FD_CLOEXEC, "close-on-exec kept");
    CHECK(!(fcntl(rw, F_GETFD) & FD_CLOEXEC), "no close-on-exec kept");
    CHECK(read(ro, buf, 2) == 2 && memcmp(buf, "ab", 2) == 0, "ro offset");
    CHECK((fcntl(ro, F_GETFL) & O_ACCMODE) == O_RDONLY, "ro mode");
    struct stat st;
    CHECK(fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode), "dir fd");
    CHECK(fstatat(dfd, "data", &st, 0) == 0 && st.st_size == 16, "openat via dir fd");
    CHECK(fcntl(pfd, F_GETFL) & O_PATH, "O_PATH kept");
    CHECK(write(null, "x", 1) == 1, "/dev/null");
    CHECK(read(zero, buf, 4) == 4 && buf[0] == 0 && buf[3] == 0, "/dev/zero");
    CHECK(read(urnd, buf, 4) == 4, "/dev/urandom");
    memset(buf, 0, sizeof buf);
    CHECK(read(p[0], buf, sizeof buf) == 16 && strcmp(buf, "unread pipe data") == 0, "pipe data: %s", buf);
    CHECK(read(p[0], buf, 1) < 0 && errno == EAGAIN, "pipe empty and non-blocking");
    CHECK(write(fw, "fifo", 4) == 4, "fifo write");
    memset(buf, 0, sizeof buf);
    CHECK(read(fr, buf, 9) == 9 && strcmp(buf, "earlyfifo") == 0, "fifo read: %s", buf);
    CHECK(fcntl(77, F_GETFD) >= 0, "fd 77");
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, dir) == 0, "cwd %s", cwd);
    mode_t old = umask(0);
    CHECK(old == 0027, "umask %o", old);
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 200 && rl.rlim_max == 300, "rlimit %lu/%lu", rl.rlim_cur, rl.rlim_max);
    errno = 0;
    CHECK(getpriority(PRIO_PROCESS, 0) == 7, "nice %d", getpriority(PRIO_PROCESS, 0));
    CHECK(getpid() == me, "pid %d, was %d (the original pid is free, so it must be kept)", getpid(), me);
    CHECK(getsid(0) == getpid() && getpgrp() == getpid(), "session leader (sid %d pgrp %d)", getsid(0), getpgrp());
    char exe[4096] = {0};
    readlink("/proc/self/exe", exe, sizeof exe - 1);
    CHECK(strstr(exe, "/corpus/files") != NULL, "exe %s", exe);
    return finish();
}
