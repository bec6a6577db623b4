#include "hal/dpdk/stats_client.hpp"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <vector>

namespace aoehal {
namespace {

constexpr const char* kRunDir = "/var/run/dpdk";

std::string socket_path(const std::string& prefix) {
    return std::string(kRunDir) + "/" + prefix + "/dpdk_telemetry.v2";
}

int connect_to(const std::string& path) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool query(int fd, const std::string& cmd, nlohmann::json& out) {
    if (send(fd, cmd.data(), cmd.size(), 0) < 0) return false;
    std::vector<char> buf(1 << 20);
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) return false;
    out =
        nlohmann::json::parse(std::string(buf.data(), static_cast<std::size_t>(n)), nullptr, false);
    return !out.is_discarded() && out.contains(cmd) && !out[cmd].is_null();
}

std::vector<std::string> running_targets() {
    std::vector<std::string> found;
    if (DIR* d = opendir(kRunDir)) {
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n.rfind("aoe-", 0) != 0) continue;
            int fd = connect_to(socket_path(n));
            if (fd >= 0) {
                close(fd);
                found.push_back(n);
            }
        }
        closedir(d);
    }
    return found;
}

// print_remote_stats' steps.

// The telemetry prefix (aoe-PID) --stats names, or the one running target; "" (said) when
// there is none or several.
std::string choose_target(const std::string& which) {
    std::string prefix = which;
    if (!prefix.empty() && prefix.find_first_not_of("0123456789") == std::string::npos)
        prefix = "aoe-" + prefix;
    if (!prefix.empty()) return prefix;
    auto all = running_targets();
    if (all.empty()) {
        std::fprintf(stderr,
                     "aoe-target: no running aoe-target found (no telemetry socket in %s/aoe-*)\n",
                     kRunDir);
        return "";
    }
    if (all.size() > 1) {
        std::fprintf(stderr,
                     "aoe-target: several targets are running; pick one with --stats=PID:\n");
        for (auto& p : all) std::fprintf(stderr, "  %s\n", p.substr(4).c_str());
        return "";
    }
    return all.front();
}

// The engine counters (those that moved, and rx_ring_dropped even at 0: present means
// measured, an af_packet port whose kernel ring drops are counted), then per queue.
void print_counters(const std::string& prefix, const nlohmann::json& s) {
    std::printf("aoe-target %s\n\n%-24s %s\n", prefix.substr(4).c_str(), "counter", "value");
    for (auto it = s.begin(); it != s.end(); ++it) {
        if (it->is_array()) continue;
        if (it->is_number() && it->get<std::uint64_t>() == 0 && it.key() != "rx_ring_dropped")
            continue;
        std::printf("%-24s %s\n", it.key().c_str(), it->dump().c_str());
    }
    std::printf("\n%-6s", "queue");
    const char* qcols[] = {"frames_in",    "replies", "dropped",
                           "tx_zero_copy", "tx_copy", "idle_sleeps"};
    for (auto* c : qcols) std::printf(" %14s", c);
    std::printf("\n");
    std::size_t nq = s.contains("queue_frames_in") ? s["queue_frames_in"].size() : 0;
    for (std::size_t q = 0; q < nq; ++q) {
        std::printf("%-6zu", q);
        for (auto* c : qcols) {
            std::string k = std::string("queue_") + c;
            std::printf(" %14s", s.contains(k) && q < s[k].size() ? s[k][q].dump().c_str() : "-");
        }
        std::printf("\n");
    }
    // Per af_packet port: frames the kernel dropped because the PMD's RX ring was full.
    if (s.contains("ring_port") && s.contains("ring_port_rx_ring_dropped")) {
        std::printf("\n%-32s %16s\n", "port", "rx_ring_dropped");
        for (std::size_t i = 0; i < s["ring_port"].size(); ++i)
            std::printf("%-32s %16s\n", s["ring_port"][i].get<std::string>().c_str(),
                        i < s["ring_port_rx_ring_dropped"].size()
                            ? s["ring_port_rx_ring_dropped"][i].dump().c_str()
                            : "-");
    }
}

void print_exports(const nlohmann::json& e) {
    std::printf("\n%-8s", "export");
    const char* ecols[] = {"sectors", "writable", "reads",      "read_bytes",
                           "writes",  "identify", "ata_errors", "retransmits_seen"};
    for (auto* c : ecols) std::printf(" %16s", c);
    std::printf("\n");
    for (std::size_t i = 0; i < e["export"].size(); ++i) {
        std::printf("%-8s", e["export"][i].get<std::string>().c_str());
        for (auto* c : ecols) std::printf(" %16s", e.contains(c) ? e[c][i].dump().c_str() : "-");
        std::printf("\n");
    }
}

void print_clients(const nlohmann::json& c) {
    std::printf("\n%-18s %14s %14s %16s\n", "client", "frames_in", "replies", "reply_bytes");
    for (std::size_t i = 0; c.contains("mac") && i < c["mac"].size(); ++i)
        std::printf("%-18s %14s %14s %16s\n", c["mac"][i].get<std::string>().c_str(),
                    c["frames_in"][i].dump().c_str(), c["replies"][i].dump().c_str(),
                    c["reply_bytes"][i].dump().c_str());
}

// Other targets serving our shelf.slots (target/peers.cpp): shown only when there are.
void print_peers(const nlohmann::json& pr) {
    if (!pr.contains("mac") || pr["mac"].empty()) return;
    std::printf("\n%-8s %-18s %-12s %-18s %-18s %8s %12s\n", "export", "peer", "image",
                "its serial", "our serial", "seen", "last seen s");
    for (std::size_t i = 0; i < pr["mac"].size(); ++i)
        std::printf(
            "%-8s %-18s %-12s %-18s %-18s %8s %12s\n", pr["export"][i].get<std::string>().c_str(),
            pr["mac"][i].get<std::string>().c_str(), pr["verdict"][i].get<std::string>().c_str(),
            pr["serial"][i].get<std::string>().c_str(), pr["ours"][i].get<std::string>().c_str(),
            pr["seen"][i].dump().c_str(), pr["last_seen_s"][i].dump().c_str());
}

} // namespace

int print_remote_stats(const std::string& which, bool json) {
    const std::string prefix = choose_target(which);
    if (prefix.empty()) return 1;
    int fd = connect_to(socket_path(prefix));
    if (fd < 0) {
        std::fprintf(stderr, "aoe-target: cannot connect to %s: %s\n", socket_path(prefix).c_str(),
                     std::strerror(errno));
        return 1;
    }
    std::vector<char> hello(4096);
    (void)recv(fd, hello.data(), hello.size(), 0); // {"version":..., "pid":...}
    nlohmann::json st, ex, cl, pe;
    bool ok = query(fd, "/aoe/stats", st) && query(fd, "/aoe/exports", ex) &&
              query(fd, "/aoe/clients", cl) && query(fd, "/aoe/peers", pe);
    close(fd);
    if (!ok) {
        std::fprintf(stderr, "aoe-target: %s does not answer /aoe/stats (not an aoe-target?)\n",
                     prefix.c_str());
        return 1;
    }
    if (json) {
        nlohmann::json all{{"stats", st["/aoe/stats"]},
                           {"exports", ex["/aoe/exports"]},
                           {"clients", cl["/aoe/clients"]},
                           {"peers", pe["/aoe/peers"]}};
        std::printf("%s\n", all.dump(2).c_str());
        return 0;
    }
    print_counters(prefix, st["/aoe/stats"]);
    print_exports(ex["/aoe/exports"]);
    print_clients(cl["/aoe/clients"]);
    print_peers(pe["/aoe/peers"]);
    return 0;
}

} // namespace aoehal
