// Prometheus metrics: `aoe-target --metrics ADDR:PORT` serves /metrics in Prometheus' text
// format (Debian's prometheus-cpp, pull). Off unless configured (docs/decisions.md).
//
// What a scrape reads: the same snapshot as --stats (stats.hpp collect_stats and
// collect_clients, peers.hpp collect_peers), taken when the scrape arrives, on one of
// civetweb's HTTP threads. Those are ordinary threads, never an lcore: the snapshot is
// relaxed loads of the lcores' counters and nothing an lcore writes or locks is written or
// locked by it (the only lock is Runtime::exports_mu, which no lcore takes). Metric names and
// their mapping from the snapshot: docs/metrics.md.
#pragma once

#include <memory>
#include <string>

#include "hal/dpdk/runtime.hpp"

namespace aoehal {

class MetricsServer {
  public:
    // Listens on `listen` (checked by parse_listen_address) before EAL starts, so that a
    // busy port is an error before anything else is set up, and civetweb's threads do not
    // inherit the main lcore's CPU (threads started after EAL do); serve() moves them to
    // EAL's control-thread CPUs.
    // Until serve() a scrape shows only the process facts. nullptr and `error` on failure.
    static std::unique_ptr<MetricsServer> start(const Runtime& rt, const std::string& listen,
                                                std::string& error);
    // The runtime is complete (ports, engines, exports published): scrapes read it from now
    // on. Call after EAL started: the HTTP threads move to the CPUs of EAL's control threads.
    void serve();
    // Stops and joins the HTTP threads: call before the runtime's ports and engines go.
    ~MetricsServer();

    struct Impl;

  private:
    explicit MetricsServer(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_; // the Exposer holds a weak_ptr to it (its Collectable)
};

} // namespace aoehal
