// aoe-firmware's statistics on the serial console: the engine's counters under the core's
// names (target/counters.hpp), the NIC's and the loop's own counts.
#include "hal/metal/clock.hpp"
#include "hal/metal/console.hpp"
#include "hal/metal/runtime.hpp"
#include "target/counters.hpp"

namespace metal {
namespace {

// " name=value" for each counter of a family that is not zero, or " none".
void put_nonzero(const char* title, const aoe::Counter* c, const char* const* names, int n) {
    put(title);
    bool any = false;
    for (int i = 0; i < n; ++i)
        if (const std::uint64_t v = c[i].get()) {
            put(' ');
            put(names[i]);
            put('=');
            put_dec(v);
            any = true;
        }
    if (!any) put(" none");
}

} // namespace

void print_stats(const char* why) {
    const aoe::EngineCounters& c = g_rt.engine->counters();
    const NicCounters& n = g_rt.nic.counters();
    log() << "stats (" << why << "): frames_in " << c.frames_in.get() << ", replied "
          << c.replied.get() << ", replies " << c.replies.get() << ", reply_bytes "
          << c.reply_bytes.get() << ", adverts " << c.adverts.get() << "\n";
    log() << "stats: tx_zero_copy " << g_ls.tx_zero_copy << ", tx_copy " << g_ls.tx_copy
          << ", nic rx " << n.rx_frames << " tx " << n.tx_frames << " kicks " << n.tx_kicks
          << " tx_ring_full " << n.tx_ring_full << " rx_bad " << n.rx_bad << "\n";
    log();
    put_nonzero("stats: dropped", c.dropped, aoe::kDropReasonNames,
                static_cast<int>(aoe::DropReason::count_));
    put_nonzero(", silent", c.silent, aoe::kSilentReasonNames,
                static_cast<int>(aoe::SilentReason::count_));
    put_nonzero(", aoe_errors", c.aoe_errors, aoe::kAoeErrorCodeNames, aoe::kAoeErrorCodes);
    put("\n");
    for (std::uint16_t i = 0; i < g_rt.nexports; ++i) {
        const aoe::Export* e = g_rt.table->at(i);
        const aoe::ExportCounters& x = g_rt.engine->export_counters(i);
        log() << "stats: export e" << e->shelf << '.' << std::uint32_t{e->slot} << ": reads "
              << x.reads.get() << ", read_bytes " << x.read_bytes.get() << ", identify "
              << x.identify.get() << ", writes " << x.writes.get() << ", ata_errors "
              << x.ata_errors.get() << ", retransmits_seen " << x.retransmits_seen.get() << "\n";
    }
    log() << "stats: cycles per frame " << (g_ls.frames ? g_ls.busy_cycles / g_ls.frames : 0)
          << ", cycles per read " << (g_ls.read_frames ? g_ls.read_cycles / g_ls.read_frames : 0)
          << " (" << g_ls.read_frames << " reads timed, TSC " << tsc_hz() / 1000000
          << " MHz), idle sleeps " << g_ls.idle_sleeps << ", polls " << g_ls.polls << "\n";
}

// The counters as one JSON line, with the key names of aoe-target's telemetry /aoe/stats
// (hal/dpdk/stats.cpp), for tests on the host (tests/metal): "AOE-STATS {...}".
void print_json() {
    bool first = true;
    auto kv = [&first](const char* prefix, const char* k, std::uint64_t v) {
        put(first ? "{\"" : ",\"");
        first = false;
        put(prefix);
        put(k);
        put("\":");
        put_dec(v);
    };
    put("AOE-STATS ");
    aoe::for_each_counter(g_rt.engine->counters(), kv);
    kv("", "imissed", 0);
    kv("", "drop_tx_full", 0);
    std::uint64_t reads = 0, read_bytes = 0;
    for (std::uint16_t i = 0; i < g_rt.nexports; ++i) {
        reads += g_rt.engine->export_counters(i).reads.get();
        read_bytes += g_rt.engine->export_counters(i).read_bytes.get();
    }
    kv("", "reads", reads);
    kv("", "read_bytes", read_bytes);
    kv("", "tx_zero_copy", g_ls.tx_zero_copy);
    kv("", "tx_copy", g_ls.tx_copy);
    kv("", "busy_cycles", g_ls.busy_cycles);
    kv("", "frames_timed", g_ls.frames);
    kv("", "read_cycles", g_ls.read_cycles);
    kv("", "read_frames", g_ls.read_frames);
    kv("", "tsc_hz", tsc_hz());
    kv("", "first_advert_ns", g_ls.first_advert_ns);
    kv("", "idle_sleeps", g_ls.idle_sleeps);
    put("}\n");
}

} // namespace metal
