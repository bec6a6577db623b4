// Self-test of the allocation probe: with the probe preloaded, an armed thread that
// allocates, frees and locks once must be counted exactly once each, so a zero count in
// the integration tests means "nothing happened", not "the probe did not work".
#include <pthread.h>

#include <cstdio>
#include <cstdlib>

extern "C" void aoe_probe_thread_arm(int armed) __attribute__((weak));

int main() {
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
