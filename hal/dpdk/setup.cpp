#include "hal/dpdk/setup.hpp"

#include <net/if.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

#include "aoeboot_version.hpp"
#include "hal/dpdk/exports.hpp"
#include "hal/dpdk/flow_steer.hpp"

namespace aoehal {

std::uint32_t PoolPlan::memory_mb() const {
    std::uint64_t bytes = std::uint64_t{pkt_count} * (pkt_data_room + 512) +
                          std::uint64_t{hdr_count} * (RTE_MBUF_DEFAULT_BUF_SIZE + 512) +
                          std::uint64_t{ext_count} * 512;
    std::uint64_t mb = bytes / (1u << 20) + 256; // EAL, rings, arena, telemetry
    return static_cast<std::uint32_t>(std::max<std::uint64_t>(mb, 512));
}

PoolPlan plan_pools(const Options& o, std::uint16_t nports, bool jumbo) {
    PoolPlan p;
    std::uint32_t nq = o.queues;
    // Received frames up to the largest af_packet ring frame (docs/testing.md: >= 16.5 KB).
    p.pkt_data_room = jumbo ? 16896 + RTE_PKTMBUF_HEADROOM : RTE_MBUF_DEFAULT_BUF_SIZE;
    // A queue's mbufs: its RX ring, its TX ring, the replies waiting in its TxQueue, a burst in
    // hand.
    std::uint32_t per_q = p.rx_desc + p.tx_desc + TxQueue::kCap + 4 * kBurst;
    std::uint32_t caches = 256 * (nq + 1);
    p.pkt_count = nports * nq * per_q + (nq > 1 ? nq * (p.dispatch_ring + p.owner_ring) : 0) +
                  nq * p.flush_ring + caches;
    p.hdr_count =
        nports * nq * (p.tx_desc + TxQueue::kCap + 4 * kBurst) + nq * 2 * p.flush_ring + caches;
    p.ext_count =
        nports * nq * (p.tx_desc + TxQueue::kCap + 4 * kBurst) + nq * p.flush_ring + caches;
    return p;
}

bool open_images(Runtime& rt, std::string& error) {
    for (std::size_t i = 0; i < rt.opt.exports.size(); ++i) {
        const ExportSpec& spec = rt.opt.exports[i];
        const std::string origin =
            i < rt.opt.export_origins.size() ? rt.opt.export_origins[i] : std::string();
        ExportSlot s;
        s.image = std::make_unique<Image>();
        std::string note;
        if (!s.image->open(spec.path, spec.writable, error, note)) {
            if (!origin.empty()) error = origin + ": " + error;
            return false;
        }
        if (!note.empty()) std::fprintf(stderr, "aoe-target: warning: %s\n", note.c_str());
        s.spec = spec;
        s.origin = origin;
        rt.exports.push_back(std::move(s));
    }
    return true;
}

bool create_pools(Runtime& rt, const PoolPlan& plan, std::string& error) {
    int socket = static_cast<int>(rte_socket_id());
    rt.pkt_data_room = plan.pkt_data_room;
    rt.pkt_pool = rte_pktmbuf_pool_create("aoe_pkt", plan.pkt_count, 256, 0,
                                          static_cast<std::uint16_t>(plan.pkt_data_room), socket);
    rt.hdr_pool = rte_pktmbuf_pool_create("aoe_hdr", plan.hdr_count, 256, 0,
                                          RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    rt.ext_pool = rte_pktmbuf_pool_create("aoe_ext", plan.ext_count, 256, 0, 0, socket);
    if (!rt.pkt_pool || !rt.hdr_pool || !rt.ext_pool) {
        error = std::string("cannot create mbuf pools: ") + rte_strerror(rte_errno) +
                " (more memory: -m in the EAL arguments, or fewer --queues)";
        return false;
    }
    return true;
}

static std::uint32_t pmd_mtu_limit(const PortState& ps, const rte_eth_dev_info& info) {
    std::uint32_t lim = info.max_mtu ? info.max_mtu : 1500;
    if (ps.driver == "net_af_packet") {
        // Limited by the ring frame (set in the vdev args) less the tpacket header.
        // af_packet ignores set_mtu (docs/testing.md: -EINVAL, yet 9000-byte frames pass).
        lim = ps.kernel_iface.empty() ? 1500
                                      : kernel_iface_mtu(if_nametoindex(ps.kernel_iface.c_str()));
    }
    return lim;
}

// The port's queues (--queues RX and TX), multi-segment TX where the PMD offers it.
static bool configure_queues(const Runtime& rt, const PoolPlan& plan, const PortState& ps,
                             const rte_eth_dev_info& info, std::string& error) {
    const std::uint16_t pid = ps.port_id;
    rte_eth_conf conf{};
    if (ps.multi_seg) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    int rc = rte_eth_dev_configure(pid, rt.nq, rt.nq, &conf);
    if (rc != 0) {
        error = "port " + ps.label + " cannot be configured: " + rte_strerror(-rc);
        return false;
    }
    std::uint16_t nrx = static_cast<std::uint16_t>(plan.rx_desc),
                  ntx = static_cast<std::uint16_t>(plan.tx_desc);
    rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
    int socket = rte_eth_dev_socket_id(pid);
    if (socket < 0) socket = static_cast<int>(rte_socket_id());
    rte_eth_txconf txc = info.default_txconf;
    txc.offloads = conf.txmode.offloads;
    for (std::uint16_t q = 0; q < rt.nq; ++q) {
        rc = rte_eth_rx_queue_setup(pid, q, nrx, static_cast<unsigned>(socket), nullptr,
                                    rt.pkt_pool);
        if (rc == 0) rc = rte_eth_tx_queue_setup(pid, q, ntx, static_cast<unsigned>(socket), &txc);
        if (rc != 0) {
            error = "port " + ps.label + " cannot be configured: queue " + std::to_string(q) +
                    ": " + rte_strerror(-rc);
            return false;
        }
    }
    return true;
}

// Advertised MTU: the smallest of --mtu, the kernel interface (af_packet) and what the PMD
// accepts; never a jumbo MTU that was not verified (docs/decisions.md).
static std::uint32_t port_mtu(const Runtime& rt, const PoolPlan& plan,
                              const std::vector<KernelIface>& ifaces, const PortState& ps,
                              const rte_eth_dev_info& info) {
    const std::uint16_t pid = ps.port_id;
    std::uint32_t want = rt.opt.mtu ? rt.opt.mtu : 1500;
    if (!rt.opt.mtu && !ps.kernel_iface.empty()) want = kernel_iface_mtu(info.if_index);
    std::uint32_t mtu = std::min(want, pmd_mtu_limit(ps, info));
    if (ps.driver == "net_af_packet") {
        bool jumbo_ring =
            std::any_of(ifaces.begin(), ifaces.end(),
                        [&](const KernelIface& k) { return k.name == ps.kernel_iface; }) &&
            plan.pkt_data_room > RTE_MBUF_DEFAULT_BUF_SIZE;
        std::uint32_t ring_frame = jumbo_ring ? kAfPacketJumboFrame : kAfPacketFrame;
        mtu = std::min<std::uint32_t>(mtu, ring_frame - 128);
        if (!ps.kernel_iface.empty()) mtu = std::min(mtu, kernel_iface_mtu(info.if_index));
    } else if (rte_eth_dev_set_mtu(pid, static_cast<std::uint16_t>(mtu)) != 0) {
        std::uint16_t cur = 1500;
        rte_eth_dev_get_mtu(pid, &cur);
        mtu = std::min<std::uint32_t>(mtu, cur);
    }
    // Frames we receive must fit one mbuf (the engine sees contiguous frames).
    return std::min<std::uint32_t>(mtu, rt.pkt_data_room - RTE_PKTMBUF_HEADROOM - 22);
}

// One port, from what it is to started: identity, queues, MTU, start, MAC, steering.
static bool setup_port(Runtime& rt, const PoolPlan& plan, const std::vector<KernelIface>& ifaces,
                       std::uint16_t pid, std::string& error) {
    PortState ps;
    ps.port_id = pid;
    PortIdentity id;
    rte_eth_dev_info info{};
    if (!probe_port(pid, id, error) || rte_eth_dev_info_get(pid, &info) != 0) {
        if (error.empty()) error = "port " + std::to_string(pid) + ": cannot read device info";
        return false;
    }
    ps.driver = id.driver;
    ps.kernel_iface = id.kernel_iface;
    ps.label = id.label;
    if (info.max_rx_queues < rt.nq || info.max_tx_queues < rt.nq) {
        error = "port " + ps.label + " cannot be configured: it has " +
                std::to_string(info.max_rx_queues) + " RX / " + std::to_string(info.max_tx_queues) +
                " TX queues, --queues wants " + std::to_string(rt.nq);
        return false;
    }
    ps.multi_seg = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
    // net_af_xdp garbles chained mbufs (docs/testing.md): copy path only.
    ps.zero_copy = ps.multi_seg && !rt.opt.force_copy && ps.driver != "net_af_xdp";
    if (!configure_queues(rt, plan, ps, info, error)) return false;

    const std::uint32_t mtu = port_mtu(rt, plan, ifaces, ps, info);
    if (aoe::sectors_for_mtu(mtu) == 0) {
        error =
            "port " + ps.label + ": MTU " + std::to_string(mtu) + " is too small for one sector";
        return false;
    }
    ps.info.mtu = static_cast<std::uint16_t>(mtu);

    const int rc = rte_eth_dev_start(pid);
    if (rc != 0) {
        error = "port " + ps.label + " cannot be started: " + rte_strerror(-rc);
        return false;
    }
    rte_ether_addr mac{};
    rte_eth_macaddr_get(pid, &mac);
    std::memcpy(ps.info.mac.b, mac.addr_bytes, 6);

    if (rt.nq > 1) {
        std::string why;
        ps.flow_steering = install_flow_steering(pid, rt.nq, why);
        if (!ps.flow_steering) rt.software_dispatch = true;
    }
    std::fprintf(
        stderr, "aoe-target: port %u %s: mac %s, mtu %u (%u sectors per reply), %s transmit%s\n",
        pid, ps.label.c_str(), format_mac(ps.info.mac).c_str(), mtu, aoe::sectors_for_mtu(mtu),
        ps.zero_copy ? "zero-copy" : "copy",
        rt.nq > 1 ? (ps.flow_steering ? ", rte_flow steering" : ", software dispatch") : "");
    rt.ports.push_back(ps);
    return true;
}

bool setup_ports(Runtime& rt, const PoolPlan& plan, const std::vector<KernelIface>& ifaces,
                 std::string& error) {
    std::uint16_t nports = rte_eth_dev_count_avail();
    if (nports == 0) {
        error = "no DPDK port: give an interface (IFACE or --iface) or a --vdev/PCI device in the "
                "EAL arguments";
        return false;
    }
    if (nports > kMaxPorts) {
        error = "too many ports (" + std::to_string(nports) + ", at most " +
                std::to_string(kMaxPorts) + ")";
        return false;
    }
    rt.nq = rt.opt.queues;
    for (std::uint32_t id = 0; id < RTE_MAX_ETHPORTS; ++id)
        if (rte_eth_dev_is_valid_port(static_cast<std::uint16_t>(id)) &&
            !setup_port(rt, plan, ifaces, static_cast<std::uint16_t>(id), error))
            return false;
    return true;
}

void stop_ports(Runtime& rt) {
    for (auto& ps : rt.ports) {
        rte_eth_dev_stop(ps.port_id);
        rte_eth_dev_close(ps.port_id);
    }
}

namespace {

void ext_free_cb(void*, void*) {} // never called: each lcore holds one reference forever

// setup_exports_and_engines' steps, in order.

// The options every engine shares (the allow-list lives in rt, the engines point at it).
aoe::TargetOptions engine_options(Runtime& rt) {
    aoe::TargetOptions to;
    to.buffer_count = rt.opt.buffer_count;
    to.vlan = rt.opt.vlan;
    to.remote_admin = rt.opt.remote_admin;
    rt.allow = rt.opt.mac_allow;
    to.allow = rt.allow.empty() ? nullptr : rt.allow.data();
    to.allow_count = static_cast<std::uint16_t>(rt.allow.size());
    to.advert_interval_ns = static_cast<std::uint64_t>(rt.opt.advertise_interval * 1e9);
    to.peer_interval_ns = static_cast<std::uint64_t>(rt.opt.peer_interval * 1e9);
    return to;
}

// Bytes of the one arena: the export table and its storage, every engine, every lcore's rings.
std::size_t arena_bytes(const Runtime& rt, const PoolPlan& plan, std::uint16_t cap,
                        std::size_t engine_bytes) {
    using Ring = LcoreCtx::Ring;
    const std::size_t nengines = std::size_t{rt.nq} * rt.ports.size();
    aoe::ArenaSize need;
    need.add<std::atomic<aoe::Export*>>(cap).add<aoe::ExportTable>().add<aoe::Export>(cap);
    need.add_raw(engine_bytes, 64).add<aoe::Engine>();
    for (std::size_t i = 1; i < nengines; ++i) need.add_raw(engine_bytes, 64).add<aoe::Engine>();
    for (std::uint16_t q = 0; q < rt.nq; ++q) {
        need.add_raw(Ring::arena_size(plan.flush_ring).bytes, 1)
            .add_raw(Ring::arena_size(plan.flush_ring).bytes, 1);
        if (q > 0)
            need.add_raw(Ring::arena_size(plan.dispatch_ring).bytes, 1)
                .add_raw(Ring::arena_size(plan.owner_ring).bytes, 1);
    }
    return need.bytes + 4096;
}

// The export table and storage for its capacity (a reload reuses it), then each export
// published, the slots ordered by table index for telemetry.
bool make_export_table(Runtime& rt, aoe::Arena& arena, std::uint16_t cap,
                       const aoe::TargetOptions& to, std::string& error) {
    auto* slots = arena.make_array<std::atomic<aoe::Export*>>(cap);
    rt.table = arena.make<aoe::ExportTable>(slots, cap);
    rt.target.exports = rt.table;
    rt.target.options = to;
    if (!slots || !rt.table) {
        error = "engine arena too small";
        return false;
    }
    rt.export_store = arena.make_array<aoe::Export>(cap);
    if (!rt.export_store) {
        error = "engine arena too small";
        return false;
    }
    rt.export_store_used.assign(cap, false);
    for (auto& s : rt.exports)
        if (!publish_export(rt, s, error)) return false;
    std::sort(rt.exports.begin(), rt.exports.end(),
              [](const ExportSlot& a, const ExportSlot& b) { return a.index < b.index; });
    return true;
}

// One lcore's context: an engine per port (every port's queue-0 engine is an owner: all
// owners run on the one queue-0 lcore, so the control state still has a single writer
// thread), its dispatch rings (workers, with more than one queue) and flush rings.
LcoreCtx* make_lcore(Runtime& rt, const PoolPlan& plan, aoe::Arena& arena, std::size_t engine_bytes,
                     std::uint16_t q, unsigned lcore_id, std::string& error) {
    using Ring = LcoreCtx::Ring;
    auto* l = new LcoreCtx();
    l->rt = &rt;
    l->lcore_id = lcore_id;
    l->queue = q;
    for (std::size_t p = 0; p < rt.ports.size(); ++p) {
        void* storage = arena.carve(engine_bytes, 64);
        void* mem = arena.carve(sizeof(aoe::Engine), alignof(aoe::Engine));
        if (!storage || !mem) {
            error = "engine arena too small";
            return nullptr;
        }
        l->engine[p] = new (mem) aoe::Engine(
            rt.target, rt.ports[p].info, q == 0 ? aoe::Role::owner : aoe::Role::worker, storage);
    }
    if (rt.nq > 1 && q > 0) {
        l->from_dispatcher = Ring::create(arena, plan.dispatch_ring);
        l->to_owner = Ring::create(arena, plan.owner_ring);
        if (!l->from_dispatcher || !l->to_owner) {
            error = "engine arena too small for the rings";
            return nullptr;
        }
    }
    l->flush_req = Ring::create(arena, plan.flush_ring);
    l->flush_done = Ring::create(arena, plan.flush_ring);
    if (!l->flush_req || !l->flush_done) {
        error = "engine arena too small for the rings";
        return nullptr;
    }
    l->shinfo.free_cb = ext_free_cb;
    l->shinfo.fcb_opaque = nullptr;
    rte_mbuf_ext_refcnt_set(&l->shinfo, 1);
    return l;
}

} // namespace

bool setup_exports_and_engines(Runtime& rt, const PoolPlan& plan, std::string& error) {
    const aoe::TargetOptions to = engine_options(rt);
    const std::uint16_t cap = rt.opt.max_exports;
    const std::size_t engine_bytes = aoe::Engine::storage_bytes(to);
    const std::size_t total = arena_bytes(rt, plan, cap, engine_bytes);
    rt.arena = rte_zmalloc("aoe_arena", total, 64);
    if (!rt.arena) {
        error = "cannot allocate the engine arena (" + std::to_string(total) + " bytes)";
        return false;
    }
    aoe::Arena arena(rt.arena, total);
    if (!make_export_table(rt, arena, cap, to, error)) return false;

    // Lcores: queue 0 on the main lcore, then the workers.
    std::vector<unsigned> ids{rte_get_main_lcore()};
    unsigned lid;
    RTE_LCORE_FOREACH_WORKER(lid) ids.push_back(lid);
    if (ids.size() < rt.nq) {
        error = "--queues " + std::to_string(rt.nq) + " needs " + std::to_string(rt.nq) +
                " lcores, EAL has " + std::to_string(ids.size()) + " (EAL -l)";
        return false;
    }
    for (std::uint16_t q = 0; q < rt.nq; ++q) {
        LcoreCtx* l = make_lcore(rt, plan, arena, engine_bytes, q, ids[q], error);
        if (!l) return false;
        rt.lcores.push_back(l);
    }
    rt.tsc_hz = rte_get_tsc_hz();
    return true;
}

} // namespace aoehal
