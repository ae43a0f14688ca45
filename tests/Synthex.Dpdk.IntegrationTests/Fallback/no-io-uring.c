/*
 * no-io-uring COMMAND [ARGS...]: runs COMMAND with io_uring forbidden by a seccomp filter, the
 * way Docker's default profile (since 25.0) and common Kubernetes profiles forbid it:
 * io_uring_setup, io_uring_enter and io_uring_register fail with EPERM, everything else is
 * allowed. Built by the integration tests (FallbackCliTests) with the system C compiler.
 *
 * The three syscall numbers (425-427) are the same on every Linux architecture; the filter does
 * not check the audit arch because the child runs the native ABI only.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NR_io_uring_setup 425
#define NR_io_uring_enter 426
#define NR_io_uring_register 427

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: no-io-uring COMMAND [ARGS...]\n");
        return 2;
    }
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_io_uring_setup, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_io_uring_enter, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_io_uring_register, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    };
    struct sock_fprog prog = { .len = sizeof filter / sizeof filter[0], .filter = filter };
    /* no_new_privs lets an unprivileged process install a filter; it is inherited across exec. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        fprintf(stderr, "no-io-uring: cannot install the seccomp filter: %s\n", strerror(errno));
        return 3;
    }
    execvp(argv[1], argv + 1);
    fprintf(stderr, "no-io-uring: exec %s: %s\n", argv[1], strerror(errno));
    return 127;
}
