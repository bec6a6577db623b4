#include "hal/dpdk/exports.hpp"

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_memory.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "aoeboot_version.hpp"
#include "hal/dpdk/config_file.hpp"
#include "hal/dpdk/stats.hpp"

namespace aoehal {
namespace {

void fill_field(char* dst, std::size_t n, const std::string& s) {
    std::memset(dst, ' ', n);
    std::memcpy(dst, s.data(), std::min(n, s.size()));
}

bool same_export(const ExportSpec& a, const ExportSpec& b) {
    return a.shelf == b.shelf && a.slot == b.slot && a.path == b.path && a.writable == b.writable;
}

// Unregisters and unmaps a retired export's image. Only after wait_grace: no lcore reads it,
// and the TX buffers that could hold zero-copy mbufs pointing into it have been flushed.
void release_export(Runtime& rt, ExportSlot& s) {
    if (s.dma_mapped)
        for (auto& ps : rt.ports) {
            rte_eth_dev_info info{};
            if (rte_eth_dev_info_get(ps.port_id, &info) == 0 && info.device)
                rte_dev_dma_unmap(info.device, s.image->data(), s.iova_base, s.image->map_bytes());
        }
    if (!s.spec.writable) rte_extmem_unregister(s.image->data(), s.image->map_bytes());
    // A retired rw export: its last writes reach the file before the mapping goes (a FLUSH
    // still in the ring finds no image for its index and is answered without a sync).
    else if (!s.image->sync())
        std::fprintf(stderr, "aoe-target: msync %s failed\n", s.image->path().c_str());
    rt.export_store_used[s.store] = false;
    s.image.reset(); // stops its prefetch, munmap, close
}

bool options_differ(const Options& a, const Options& b, std::string& what) {
    auto note = [&](bool differ, const char* name) {
        if (differ) what += (what.empty() ? "" : ", ") + std::string(name);
    };
    note(a.ifaces != b.ifaces, "iface");
    note(a.eal_args != b.eal_args || a.user_eal != b.user_eal, "eal");
    note(a.mtu != b.mtu, "mtu");
    note(a.queues != b.queues, "queues");
    note(a.mac_allow.size() != b.mac_allow.size() ||
             !std::equal(a.mac_allow.begin(), a.mac_allow.end(), b.mac_allow.begin(),
                         [](const aoe::Mac& x, const aoe::Mac& y) {
                             return std::memcmp(x.b, y.b, 6) == 0;
                         }),
         "mac-allow");
    note(a.vlan != b.vlan, "vlan");
    note(a.advertise_interval != b.advertise_interval, "advertise-interval");
    note(a.remote_admin != b.remote_admin, "remote-admin");
    note(a.buffer_count != b.buffer_count, "buffer-count");
    note(a.max_exports != b.max_exports, "max-exports");
    note(a.force_copy != b.force_copy, "copy");
    note(a.idle_sleep_us != b.idle_sleep_us, "idle-sleep-us");
    return !what.empty();
}

} // namespace

std::string export_label(const ExportSpec& e) {
    return "e" + std::to_string(e.shelf) + "." + std::to_string(e.slot);
}

bool publish_export(Runtime& rt, ExportSlot& s, std::string& error) {
    const ExportSpec& spec = s.spec;
    auto free_store = std::find(rt.export_store_used.begin(), rt.export_store_used.end(), false);
    if (free_store == rt.export_store_used.end()) {
        error = "no room for export " + export_label(spec) + " (--max-exports " +
                std::to_string(rt.opt.max_exports) + ")";
        return false;
    }
    s.store = static_cast<std::uint16_t>(free_store - rt.export_store_used.begin());
    // A fresh Export: a reused entry must not carry the old one's config string or lists.
    aoe::Export* e = ::new (static_cast<void*>(&rt.export_store[s.store])) aoe::Export();
    e->shelf = spec.shelf;
    e->slot = spec.slot;
    e->writable = spec.writable;
    e->image = s.image->data();
    e->sectors = s.image->sectors();
    fill_field(e->serial, sizeof e->serial, s.image->identity());
    fill_field(e->firmware, sizeof e->firmware, std::string("V") + AOEBOOT_VERSION);
    fill_field(e->model, sizeof e->model, "aoeboot aoe-target");
    s.exp = e;
    s.iova_base = RTE_BAD_IOVA;
    if (!spec.writable) {
        int rc =
            rte_extmem_register(s.image->data(), s.image->map_bytes(), nullptr, 0, kImageAlign);
        if (rc != 0 && rte_errno != EEXIST) {
            error = spec.path + ": cannot register the image with DPDK: " + rte_strerror(rte_errno);
            return false;
        }
        // Vdevs copy by virtual address; real NICs need the IOVA: VA mode, plus a DMA map.
        if (rte_eal_iova_mode() == RTE_IOVA_VA) {
            s.iova_base = reinterpret_cast<rte_iova_t>(s.image->data());
            for (auto& ps : rt.ports) {
                rte_eth_dev_info info{};
                if (rte_eth_dev_info_get(ps.port_id, &info) == 0 && info.device &&
                    rte_dev_dma_map(info.device, s.image->data(), s.iova_base,
                                    s.image->map_bytes()) == 0)
                    s.dma_mapped = true;
            }
        }
    }
    // The table index is known only after publish, and the arrays the lcores read by index
    // (iova, base) must be right before the first frame: publish picks the lowest free
    // index, which this (only) writer can tell in advance.
    std::uint16_t idx = rt.table->capacity();
    for (std::uint16_t i = 0; i < rt.table->capacity(); ++i)
        if (!rt.table->at(i)) {
            idx = i;
            break;
        }
    if (idx == rt.table->capacity()) {
        error = "export table full (--max-exports " + std::to_string(rt.opt.max_exports) + ")";
        if (!spec.writable) rte_extmem_unregister(s.image->data(), s.image->map_bytes());
        return false;
    }
    rt.iova_delta[idx] =
        s.iova_base == RTE_BAD_IOVA
            ? RTE_BAD_IOVA
            : s.iova_base - reinterpret_cast<rte_iova_t>(s.image->data()); // modulo 2^64
    rt.image_by_index[idx] = s.image.get();
    s.counter_base = export_counter_values(rt, idx);
    std::uint16_t got = 0;
    if (!rt.table->publish(e, &got) || got != idx) {
        error = "cannot publish export " + export_label(spec) + " (shelf.slot taken)";
        if (!spec.writable) rte_extmem_unregister(s.image->data(), s.image->map_bytes());
        rt.image_by_index[idx] = nullptr;
        return false;
    }
    s.index = idx;
    rt.export_store_used[s.store] = true;
    return true;
}

bool wait_grace(Runtime& rt, int timeout_ms) {
    struct Mark {
        const aoe::Engine* e;
        const LcoreCtx* l;
        std::uint64_t epoch;
    };
    std::vector<Mark> marks;
    for (auto* l : rt.lcores)
        for (std::size_t p = 0; p < rt.ports.size(); ++p)
            marks.push_back({l->engine[p], l, l->engine[p]->quiescent_epoch()});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        bool all = true;
        for (auto& m : marks)
            if (m.l->running.load() && m.e->quiescent_epoch() <= m.epoch) all = false;
        if (all) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
}

namespace {

void say(const std::string& m) {
    std::fprintf(stderr, "aoe-target: %s\n", m.c_str());
}

// reload_exports' steps, in order.

// Which exports go (indices in rt.exports) and which come (indices in next.exports); warns
// about a kept export whose file changed on disk. False (said) when the result would not fit.
bool plan_reload(const Runtime& rt, const Options& next, std::vector<std::size_t>& removed,
                 std::vector<std::size_t>& added) {
    for (std::size_t i = 0; i < rt.exports.size(); ++i) {
        bool keep = std::any_of(next.exports.begin(), next.exports.end(), [&](const ExportSpec& x) {
            return same_export(rt.exports[i].spec, x);
        });
        if (!keep) removed.push_back(i);
    }
    for (std::size_t n = 0; n < next.exports.size(); ++n) {
        const ExportSpec& x = next.exports[n];
        auto it = std::find_if(rt.exports.begin(), rt.exports.end(),
                               [&](const ExportSlot& s) { return same_export(s.spec, x); });
        if (it == rt.exports.end()) {
            added.push_back(n);
        } else if (it->image->changed_on_disk()) {
            say(export_label(x) + ": " + x.path +
                " changed on disk; still serving the image loaded at start (a new build belongs "
                "in a new slot; remove the export and add it again to serve the new file)");
        }
    }
    if (rt.exports.size() - removed.size() + added.size() > rt.table->capacity()) {
        say("reload refused, nothing changed: " +
            std::to_string(rt.exports.size() - removed.size() + added.size()) +
            " exports do not fit --max-exports " + std::to_string(rt.table->capacity()));
        return false;
    }
    return true;
}

// Opens every new image before the table is touched: a file that does not open changes
// nothing. False (said) on the first that fails.
bool open_added(const Options& next, const std::vector<std::size_t>& added,
                std::vector<ExportSlot>& fresh) {
    std::string err;
    for (std::size_t n : added) {
        const ExportSpec& x = next.exports[n];
        ExportSlot s;
        s.image = std::make_unique<Image>();
        s.spec = x;
        s.origin = n < next.export_origins.size() ? next.export_origins[n] : std::string();
        std::string note;
        if (!s.image->open(x.path, x.writable, err, note)) {
            say("reload refused, nothing changed: " + (s.origin.empty() ? "" : s.origin + ": ") +
                err);
            return false;
        }
        if (!note.empty()) say("warning: " + note);
        fresh.push_back(std::move(s));
    }
    return true;
}

// Retires the removed exports (a replaced shelf.slot must be free before its new export is
// published), then waits for every lcore, so no frame still reads a retired image, and
// unmaps them. Holding rt.exports_mu. Returns the retired slots.
std::vector<ExportSlot> retire_removed(Runtime& rt, const std::vector<std::size_t>& removed) {
    std::vector<ExportSlot> gone;
    for (auto it = removed.rbegin(); it != removed.rend(); ++it) {
        ExportSlot& s = rt.exports[*it];
        rt.table->retire(s.index);
        gone.push_back(std::move(s));
        rt.exports.erase(rt.exports.begin() + static_cast<long>(*it));
    }
    if (gone.empty()) return gone;
    // Two grace periods around a pause longer than the lcores' TX drain interval (100 us)
    // and idle sleep (<= 1 ms): zero-copy replies buffered before the retire have been
    // handed to the PMD (which copies them: af_packet, memif) before the unmap.
    bool ok = wait_grace(rt);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    ok = wait_grace(rt) && ok;
    if (!ok) {
        // An lcore did not come round (stuck or stopping): keep the images mapped rather
        // than unmapping memory it may still read.
        say("reload: lcores did not pass a quiescent point in time; retired images stay "
            "mapped until exit");
        for (auto& s : gone) s.image.release(); // deliberately leaked, see above
    }
    for (auto& s : gone) {
        say("retired " + export_label(s.spec) + ": " + s.spec.path);
        if (s.image) {
            rt.image_by_index[s.index] = nullptr;
            release_export(rt, s);
        }
    }
    return gone;
}

// Publishes the opened images and starts their prefetch. Holding rt.exports_mu. Returns how
// many could not be published (each said).
std::size_t publish_added(Runtime& rt, std::vector<ExportSlot>& fresh) {
    std::size_t failed = 0;
    std::string err;
    for (auto& s : fresh) {
        if (!publish_export(rt, s, err)) {
            say("reload: " + err);
            ++failed;
            continue;
        }
        std::string label = export_label(s.spec);
        say("serving " + label + ": " + s.image->path() + ", " + std::to_string(s.exp->sectors) +
            " sectors, " + (s.exp->writable ? "read-write" : "read-only") + ", serial " +
            s.image->identity() + " (added by reload)");
        s.image->start_prefetch(label, 256ull << 20);
        rt.exports.push_back(std::move(s));
    }
    return failed;
}

} // namespace

bool reload_exports(Runtime& rt) {
    Options next;
    if (std::string err = load_configuration(rt.cmdline, next); !err.empty()) {
        say("reload refused, nothing changed: " + err);
        return false;
    }
    std::string changed;
    if (options_differ(rt.opt, next, changed))
        say("reload: " + changed +
            " changed; that takes effect at the next start (only the "
            "export list is reloaded)");

    std::vector<std::size_t> removed; // in rt.exports
    std::vector<std::size_t> added;   // in next.exports
    if (!plan_reload(rt, next, removed, added)) return false;
    std::vector<ExportSlot> fresh;
    if (!open_added(next, added, fresh)) return false;

    std::lock_guard<std::mutex> lock(rt.exports_mu);
    // Kept to the end, as the images they still own (unmapped when this returns).
    const std::vector<ExportSlot> gone = retire_removed(rt, removed);
    const std::size_t failed = publish_added(rt, fresh);
    std::sort(rt.exports.begin(), rt.exports.end(),
              [](const ExportSlot& a, const ExportSlot& b) { return a.index < b.index; });
    rt.opt.exports = next.exports;
    rt.opt.export_origins = next.export_origins;
    say("reloaded: " + std::to_string(rt.exports.size()) + " export(s), " +
        std::to_string(fresh.size() - failed) + " added, " + std::to_string(gone.size()) +
        " retired, " + std::to_string(rt.exports.size() - (fresh.size() - failed)) + " unchanged");
    return failed == 0;
}

} // namespace aoehal
