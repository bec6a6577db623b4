// --reflect: the link-limit reference for net_memif (Debian 12 ships no dpdk-testpmd). Each
// AoE request is answered in place, in the same mbuf, with a reply of the size aoe-target
// would send (36 + count x 512 bytes for a read), without looking at any image: MACs swapped,
// R set, tag echoed. Only discovery and IDENTIFY get real (synthetic) answers, so the same
// aoe-bench client command line works against it.
#pragma once

#include <atomic>
#include <cstdint>

#include "bench/loadgen/bench_options.hpp"
#include "bench/loadgen/bench_port.hpp"

namespace aoebench {

struct ReflectStats {
    std::uint64_t rx = 0, tx = 0, dropped = 0;
};

void run_reflect(BenchPort& port, const BenchOptions& o, const std::atomic<bool>& stop,
                 ReflectStats& st);

} // namespace aoebench
