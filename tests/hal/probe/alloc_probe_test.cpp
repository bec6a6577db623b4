// Self-test of the allocation probe (hal/probe/alloc_probe.cpp): with the probe preloaded, an
// armed thread that allocates, frees and locks once must be counted exactly once each, and
// nothing done while not armed may be counted, so a zero count in the integration tests means
// "nothing happened", not "the probe did not work".
//
// Usage: hal-probe-selftest PATH/TO/libaoe_alloc_probe.so
// The program runs itself again with the probe in LD_PRELOAD (the probe prints its counts only
// when that process exits), reads the probe's `aoe-probe:` line from the child's stderr and
// checks every number. Exit 0 only if all match; otherwise a message and exit 1.
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" void aoe_probe_thread_arm(int armed) __attribute__((weak));

namespace {

constexpr const char* kChildFlag = "--armed-child";

// The probed process: one allocation, one free and one mutex lock while armed; one allocation
// and one free while not armed.
int child() {
    if (!aoe_probe_thread_arm) {
        std::fprintf(stderr, "probe not loaded (LD_PRELOAD)\n");
        return 1;
    }
    void* before = std::malloc(64); // not armed yet: not counted
    aoe_probe_thread_arm(1);
    void* volatile p = std::malloc(100);
    std::free(p);
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    aoe_probe_thread_arm(0);
    std::free(before); // disarmed: not counted
    return 0;
}

int fail(const std::string& why, const std::string& output) {
    std::fprintf(stderr, "FAIL: %s\n--- probed child's stderr ---\n%s---\n", why.c_str(),
                 output.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], kChildFlag) == 0) return child();
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s PATH/TO/libaoe_alloc_probe.so\n", argv[0]);
        return 2;
    }
    const char* probe = argv[1];
    if (access(probe, R_OK) != 0) {
        std::fprintf(stderr, "FAIL: %s: %s\n", probe, std::strerror(errno));
        return 1;
    }

    int fds[2];
    if (pipe(fds) != 0) {
        std::perror("pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        std::perror("fork");
        return 1;
    }
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        close(fds[1]);
        setenv("LD_PRELOAD", probe, 1);
        char self[] = "/proc/self/exe";
        char flag[] = "--armed-child";
        char* args[] = {argv[0], flag, nullptr};
        execv(self, args);
        std::fprintf(stderr, "exec %s: %s\n", self, std::strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    std::string output;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        std::perror("waitpid");
        return 1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail("the probed child did not exit 0 (status " + std::to_string(status) + ")",
                    output);

    // The probe's line at exit: aoe-probe: armed_threads=N allocs=A frees=F mutex_locks=L
    // rte_allocs=R
    auto at = output.find("aoe-probe: ");
    if (at == std::string::npos) return fail("no aoe-probe line: the probe did not report", output);
    unsigned long armed = 0, allocs = 0, frees = 0, locks = 0, rte = 0;
    int end = 0;
    if (std::sscanf(output.c_str() + at,
                    "aoe-probe: armed_threads=%lu allocs=%lu frees=%lu mutex_locks=%lu "
                    "rte_allocs=%lu%n",
                    &armed, &allocs, &frees, &locks, &rte, &end) != 5 ||
        end == 0)
        return fail("the aoe-probe line does not parse", output);
    if (output.find("aoe-probe: ", at + 1) != std::string::npos)
        return fail("more than one aoe-probe line", output);

    struct Expect {
        const char* name;
        unsigned long got, want;
    } expect[] = {{"armed_threads", armed, 1},
                  {"allocs", allocs, 1},
                  {"frees", frees, 1},
                  {"mutex_locks", locks, 1},
                  {"rte_allocs", rte, 0}};
    int bad = 0;
    for (const auto& e : expect) {
        if (e.got != e.want) {
            std::fprintf(stderr, "FAIL: %s=%lu, expected %lu\n", e.name, e.got, e.want);
            ++bad;
        }
    }
    if (bad) return fail("the probe did not count what the child did", output);
    std::printf("ok: armed_threads=1 allocs=1 frees=1 mutex_locks=1 rte_allocs=0\n");
    return 0;
}
