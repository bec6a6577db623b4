#include "hal/dpdk/eal.hpp"

#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace aoehal {

bool kernel_iface(const std::string& name, KernelIface& out, std::string& error) {
    unsigned idx = if_nametoindex(name.c_str());
    if (idx == 0) {
        error = "unknown interface '" + name + "' (see `ip link`)";
        return false;
    }
    out.name = name;
    out.index = idx;
    out.mtu = kernel_iface_mtu(idx);
    return true;
}

bool probe_port(std::uint16_t port_id, PortIdentity& out, std::string& error) {
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(port_id, &info) != 0) {
        error = "port " + std::to_string(port_id) + ": cannot read device info";
        return false;
    }
    out.driver = info.driver_name ? info.driver_name : "?";
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(port_id, name);
    out.if_index = info.if_index;
    out.kernel_iface.clear();
    if (info.if_index) {
        char ifn[IF_NAMESIZE + 1] = {};
        if (if_indextoname(info.if_index, ifn)) out.kernel_iface = ifn;
    }
    out.label = std::string(name) + (out.kernel_iface.empty() ? "" : " (" + out.kernel_iface + ")");
    return true;
}

std::uint32_t kernel_iface_mtu(unsigned ifindex) {
    char name[IF_NAMESIZE + 1] = {};
    if (!if_indextoname(ifindex, name)) return 0;
    std::ifstream f(std::string("/sys/class/net/") + name + "/mtu");
    std::uint32_t mtu = 0;
    f >> mtu;
    return mtu;
}

std::uint64_t hugepages_reserved() {
    std::ifstream f("/proc/meminfo");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("HugePages_Total:", 0) == 0) return std::stoull(line.substr(16));
    }
    return 0;
}

static std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int c = 0; c < CPU_SETSIZE; ++c)
            if (CPU_ISSET(c, &set)) cpus.push_back(c);
    if (cpus.empty()) cpus.push_back(0);
    return cpus;
}

static bool has_arg(const std::vector<std::string>& a, const char* prefix) {
    return std::any_of(a.begin(), a.end(),
                       [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
}

std::vector<std::string> eal_arguments(const Options& o, const std::vector<KernelIface>& ifaces,
                                       std::uint32_t memory_mb, bool& jumbo_ports) {
    std::vector<std::string> a{"aoe-target"};
    jumbo_ports = false;
    if (o.user_eal) {
        a.insert(a.end(), o.eal_args.begin(), o.eal_args.end());
    } else {
        // One lcore per queue, on the CPUs we may run on (several lcores share a CPU when
        // there are more queues than CPUs).
        auto cpus = allowed_cpus();
        std::ostringstream lc;
        for (unsigned q = 0; q < o.queues; ++q) {
            if (q) lc << ',';
            lc << q << '@' << cpus[q % cpus.size()];
        }
        a.push_back("--lcores=" + lc.str());
        if (hugepages_reserved() > 0) {
            a.insert(a.end(), {"--in-memory", "--no-pci", "--file-prefix",
                               "aoe-" + std::to_string(getpid())});
        } else {
            a.insert(a.end(), {"--no-huge", "-m", std::to_string(memory_mb), "--no-shconf",
                               "--file-prefix", "aoe-" + std::to_string(getpid()), "--no-pci"});
        }
        a.push_back("--log-level=notice");
    }
    for (std::size_t i = 0; i < ifaces.size(); ++i) {
        if (ifaces[i].xdp) {
            // AF_XDP: the kernel's XDP hook hands frames to a socket of ours (copy mode on
            // drivers without zero-copy, veth included); one queue per lcore from queue 0.
            a.push_back("--vdev=net_af_xdp" + std::to_string(i) + ",iface=" + ifaces[i].name +
                        ",start_queue=0,queue_count=" + std::to_string(o.queues));
            continue;
        }
        std::uint32_t want = o.mtu ? std::min(o.mtu, ifaces[i].mtu) : ifaces[i].mtu;
        std::string v = "net_af_packet" + std::to_string(i) + ",iface=" + ifaces[i].name +
                        ",qdisc_bypass=1,qpairs=" + std::to_string(o.queues);
        const bool jumbo = want > 1500;
        const std::uint32_t frame = jumbo ? kAfPacketJumboFrame : kAfPacketFrame;
        const std::uint64_t frames = o.ring_frames ? o.ring_frames : kAfPacketRingBytes / frame;
        if (jumbo) {
            // Jumbo frames through af_packet need bigger ring frames (docs/testing.md).
            v += ",blocksz=65536,framesz=" + std::to_string(kAfPacketJumboFrame);
            jumbo_ports = true;
        }
        v += ",framecnt=" + std::to_string(frames);
        a.push_back("--vdev=" + v);
    }
    return a;
}

bool eal_start(const std::vector<std::string>& args, std::string& error) {
    std::vector<std::string> copy = args; // rte_eal_init may permute argv
    std::vector<char*> argv;
    for (auto& s : copy) argv.push_back(s.data());
    argv.push_back(nullptr);
    int rc = rte_eal_init(static_cast<int>(copy.size()), argv.data());
    if (rc >= 0) return true;
    int e = rte_errno;
    std::ostringstream m;
    m << "DPDK EAL initialisation failed: " << rte_strerror(e);
    bool nohuge = has_arg(args, "--no-huge");
    if (!nohuge && hugepages_reserved() == 0)
        m << "\n  no hugepages are reserved: add --no-huge -m 1024 to the EAL arguments, or reserve"
             " some (echo 1024 > /proc/sys/vm/nr_hugepages)";
    error = m.str();
    return false;
}

void remove_own_runtime_dir(const std::string& dir) {
    if (dir.find("/aoe-") == std::string::npos) return;
    std::error_code ec; // best effort at exit: nothing to report to
    std::filesystem::remove_all(dir, ec);
}

// DPDK's runtime base (eal_create_runtime_dir): /var/run for root, else $XDG_RUNTIME_DIR or /tmp.
static std::string runtime_base() {
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    std::string base = geteuid() == 0 ? "/var/run" : (xdg && *xdg ? xdg : "/tmp");
    return base + "/dpdk";
}

unsigned sweep_stale_runtime_dirs(const char* program) {
    std::error_code ec;
    unsigned removed = 0;
    for (const auto& d : std::filesystem::directory_iterator(runtime_base(), ec)) {
        const std::string name = d.path().filename().string();
        if (name.rfind("aoe-", 0) != 0 || name.size() == 4 || name.size() > 14) continue;
        if (!std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        const long pid = std::strtol(name.c_str() + 4, nullptr, 10);
        if (pid <= 0 || pid == getpid()) continue;
        if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
            continue; // alive (or not ours)
        std::error_code rc;
        std::filesystem::remove_all(d.path(), rc);
        if (rc) {
            std::fprintf(stderr, "%s: cannot remove stale DPDK runtime directory %s: %s\n", program,
                         d.path().c_str(), rc.message().c_str());
            continue;
        }
        std::fprintf(stderr, "%s: removed stale DPDK runtime directory %s (process %ld is gone)\n",
                     program, d.path().c_str(), pid);
        ++removed;
    }
    return removed;
}

} // namespace aoehal
