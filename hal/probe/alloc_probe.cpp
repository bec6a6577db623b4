// LD_PRELOAD probe for the "no allocation, no lock on the data path" rule (docs/decisions.md).
// Threads call aoe_probe_thread_arm(1) when they enter their steady-state loop and (0) when
// they leave it; while armed, every malloc/calloc/realloc/free/aligned alloc and every
// pthread_mutex_lock on that thread is counted. At exit the probe prints one line to stderr:
//   aoe-probe: armed_threads=N allocs=A frees=F mutex_locks=L
// so a test can assert armed_threads > 0 and A = F = L = 0 after a load run.
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {
__attribute__((tls_model("initial-exec"))) thread_local bool t_armed = false;
__attribute__((tls_model("initial-exec"))) thread_local bool t_in_probe = false;
std::atomic<unsigned long> g_armed_threads{0}, g_allocs{0}, g_frees{0}, g_locks{0}, g_rte{0};

void count(std::atomic<unsigned long>& c) {
    if (t_armed && !t_in_probe) c.fetch_add(1, std::memory_order_relaxed);
}

template <class F> F real(const char* name) {
    return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

// dlsym may itself call calloc: serve those early calls from a static buffer.
alignas(16) char g_boot[4096];
std::size_t g_boot_used = 0;
bool from_boot(void* p) {
    return p >= g_boot && p < g_boot + sizeof g_boot;
}

struct Report {
    ~Report() {
        std::fprintf(
            stderr,
            "aoe-probe: armed_threads=%lu allocs=%lu frees=%lu mutex_locks=%lu rte_allocs=%lu\n",
            g_armed_threads.load(), g_allocs.load(), g_frees.load(), g_locks.load(), g_rte.load());
    }
} g_report;
} // namespace

extern "C" {

void aoe_probe_thread_arm(int armed) {
    if (armed && !t_armed) g_armed_threads.fetch_add(1);
    t_armed = armed != 0;
}

void* malloc(std::size_t n) {
    static auto f = real<void* (*)(std::size_t)>("malloc");
    count(g_allocs);
    return f(n);
}

void* calloc(std::size_t a, std::size_t b) {
    static void* (*f)(std::size_t, std::size_t) = nullptr;
    static bool resolving = false;
    if (!f) {
        if (resolving) { // dlsym's own calloc
            std::size_t n = (a * b + 15) & ~std::size_t{15};
            if (g_boot_used + n > sizeof g_boot) return nullptr;
            void* p = g_boot + g_boot_used;
            g_boot_used += n;
            return p;
        }
        resolving = true;
        f = real<void* (*)(std::size_t, std::size_t)>("calloc");
        resolving = false;
    }
    count(g_allocs);
    return f(a, b);
}

void* realloc(void* p, std::size_t n) {
    static auto f = real<void* (*)(void*, std::size_t)>("realloc");
    count(g_allocs);
    return f(p, n);
}

void free(void* p) {
    if (from_boot(p)) return;
    static auto f = real<void (*)(void*)>("free");
    if (p) count(g_frees);
    f(p);
}

int posix_memalign(void** out, std::size_t align, std::size_t n) {
    static auto f = real<int (*)(void**, std::size_t, std::size_t)>("posix_memalign");
    count(g_allocs);
    return f(out, align, n);
}

void* aligned_alloc(std::size_t align, std::size_t n) {
    static auto f = real<void* (*)(std::size_t, std::size_t)>("aligned_alloc");
    count(g_allocs);
    return f(align, n);
}

int pthread_mutex_lock(pthread_mutex_t* m) {
    static auto f = real<int (*)(pthread_mutex_t*)>("pthread_mutex_lock");
    count(g_locks);
    return f(m);
}

int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
    static auto f = real<int (*)(pthread_cond_t*, pthread_mutex_t*)>("pthread_cond_wait");
    count(g_locks);
    return f(c, m);
}

// DPDK allocations (rte_malloc heap, new pools and rings) made from our code on armed threads.
void* rte_malloc(const char* type, std::size_t n, unsigned align) {
    static auto f = real<void* (*)(const char*, std::size_t, unsigned)>("rte_malloc");
    count(g_rte);
    return f(type, n, align);
}
void* rte_zmalloc(const char* type, std::size_t n, unsigned align) {
    static auto f = real<void* (*)(const char*, std::size_t, unsigned)>("rte_zmalloc");
    count(g_rte);
    return f(type, n, align);
}
void* rte_zmalloc_socket(const char* type, std::size_t n, unsigned align, int socket) {
    static auto f = real<void* (*)(const char*, std::size_t, unsigned, int)>("rte_zmalloc_socket");
    count(g_rte);
    return f(type, n, align, socket);
}
void rte_free(void* p) {
    static auto f = real<void (*)(void*)>("rte_free");
    count(g_rte);
    f(p);
}
void* rte_ring_create(const char* name, unsigned n, int socket, unsigned flags) {
    static auto f = real<void* (*)(const char*, unsigned, int, unsigned)>("rte_ring_create");
    count(g_rte);
    return f(name, n, socket, flags);
}
void* rte_pktmbuf_pool_create(const char* name, unsigned n, unsigned cache, std::uint16_t priv,
                              std::uint16_t room, int socket) {
    static auto f =
        real<void* (*)(const char*, unsigned, unsigned, std::uint16_t, std::uint16_t, int)>(
            "rte_pktmbuf_pool_create");
    count(g_rte);
    return f(name, n, cache, priv, room, socket);
}

} // extern "C"
