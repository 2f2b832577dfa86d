/* Holds one thing that cannot be migrated (chosen by argv[1]), then exits cleanly on "go". */
#include "common.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

int main(int argc, char **argv) {
    const char *what = argv[1];
    pid_t child = 0;
    int shm = -1;
    if (!strcmp(what, "socket")) {
        CHECK(socket(AF_UNIX, SOCK_STREAM, 0) == 3, "socket fd");
    } else if (!strcmp(what, "epoll-socket")) {
        CHECK(socket(AF_UNIX, SOCK_STREAM, 0) == 3, "socket fd");
        int ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = 3};
        CHECK(ep == 4 && epoll_ctl(ep, EPOLL_CTL_ADD, 3, &ev) == 0, "epoll watching the socket");
    } else if (!strcmp(what, "device")) {
        CHECK(open("/dev/kmsg", O_RDONLY) == 3, "kmsg fd");
    } else if (!strcmp(what, "deleted")) {
        int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0600);
        CHECK(fd == 3 && unlink(argv[2]) == 0, "deleted file");
    } else if (!strcmp(what, "child")) {
        child = fork();
        if (child == 0) {
            pause();
            _exit(0);
        }
    } else if (!strcmp(what, "cwd")) {
        mkdir(argv[2], 0700);
        CHECK(chdir(argv[2]) == 0 && rmdir(argv[2]) == 0, "deleted cwd");
    } else if (!strcmp(what, "flock")) {
        int fd = open(argv[2], O_RDWR | O_CREAT, 0600);
        CHECK(fd == 3 && flock(fd, LOCK_EX) == 0, "flock");
    } else if (!strcmp(what, "seccomp")) {
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog prog = {.len = 1, .filter = &allow};
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0, "seccomp");
    } else if (!strcmp(what, "sysv")) {
        shm = shmget(IPC_PRIVATE, 1 << 16, IPC_CREAT | 0600);
        char *p = shmat(shm, NULL, 0);
        CHECK(p != (void *)-1, "shmat");
        p[0] = 1;
    } else if (!strcmp(what, "shared")) {
        int fd = open(argv[2], O_RDWR | O_CREAT, 0600);
        ftruncate(fd, 1 << 16);
        char *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        CHECK(p != MAP_FAILED, "mmap shared");
        close(fd);
        p[0] = 1;
    }
    ready();
    wait_go();
    if (child) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    if (shm >= 0) shmctl(shm, IPC_RMID, NULL);
    return finish();
}
