// aoe-client: a test initiator for aoe-target over an AF_PACKET socket (run it inside a
// network namespace; never on a real LAN). Commands:
//   discover                        broadcast config query, list the answers
//   identify                        IDENTIFY DEVICE of --target
//   read-all [--compare FILE]       read the whole device with --window requests in flight
//   write --lba N --count C         write C sectors (from --data FILE or a pattern)
//   flush                           FLUSH CACHE EXT (the target msyncs writable exports)
//   latency [--count N]             one 2-sector read at a time, report round trips
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "aoeboot_version.hpp"
#include "bench/initiator/aoe_client.hpp"
#include "bench/initiator/client_options.hpp"
#include "bench/initiator/raw_socket.hpp"
#include "hal/address.hpp"

using namespace aoeclient;

namespace {

int fail(const std::string& m) {
    std::fprintf(stderr, "aoe-client: %s\n", m.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    ClientParse p = parse_client_options(argc, argv);
    if (!p.options) {
        std::fprintf(stderr, "aoe-client: %s\nRun 'aoe-client --help' for usage.\n",
                     p.error.c_str());
        return 2;
    }
    const ClientOptions& c = *p.options;
    if (c.help) {
        std::fputs(client_usage().c_str(), stdout);
        return 0;
    }
    if (c.version) {
        std::printf("aoe-client %s\n", AOEBOOT_VERSION);
        return 0;
    }
    const std::string& cmd = c.command;

    RawSocket sock;
    std::string err;
    if (c.vlan > 0) sock.set_vlan(c.vlan);
    if (!sock.open(c.iface, err)) return fail(err);

    RunStats dstats;
    auto found = discover(sock, c.shelf, c.slot, std::int64_t{c.timeout_ms} * 1000, &dstats);
    if (cmd == "discover") {
        for (auto& t : found)
            std::printf("e%u.%u mac=%s bufcnt=%u scnt=%u fwver=0x%04x config=\"%s\"\n", t.shelf,
                        t.slot, aoehal::format_mac(t.mac).c_str(), t.buffer_count,
                        t.sectors_per_request, t.firmware, t.config.c_str());
        return found.empty() ? fail("no AoE target answered") : 0;
    }
    if (found.empty())
        return fail("no AoE target answered" +
                    (c.target.empty() ? std::string() : " for e" + c.target));
    TargetInfo t = found.front();
    Session<RawSocket> s(sock, t);

    std::vector<std::uint8_t> reply;
    Response r;
    if (!s.command(aoe::ata::kCmdIdentify, 0, 1, false, reply, r))
        return fail("IDENTIFY: no reply");
    if (r.error || (r.ata_status & 0xA9) || r.data_len < 512) return fail("IDENTIFY failed");
    IdentifyInfo id = parse_identify(r.data);
    if (cmd == "identify") {
        std::printf("e%u.%u model=\"%s\" serial=\"%s\" firmware=\"%s\" sectors=%llu lba48=%d\n",
                    t.shelf, t.slot, id.model.c_str(), id.serial.c_str(), id.firmware.c_str(),
                    (unsigned long long)id.sectors, id.lba48);
        return 0;
    }

    ReadWriteOptions o;
    unsigned scnt = t.sectors_per_request ? t.sectors_per_request : 2;
    unsigned mine = aoe::sectors_for_mtu(sock.mtu());
    o.sectors_per_request = c.sectors ? c.sectors : std::min(scnt, mine);
    o.window = std::min<unsigned>(c.window, t.buffer_count ? t.buffer_count : 1);
    o.lba48 = !c.lba28 && id.lba48;

    if (cmd == "read-all") {
        std::vector<std::uint8_t> buf(id.sectors * 512);
        if (!s.transfer(0, id.sectors, buf.data(), nullptr, o, err)) return fail("read: " + err);
        double mib = static_cast<double>(buf.size()) / (1 << 20);
        std::printf("read %llu sectors (%.1f MiB) in %.3f s: %.1f MiB/s, window %u, %u "
                    "sectors/request, requests %llu, "
                    "retransmits %llu, stray %llu, socket drops %llu\n",
                    (unsigned long long)id.sectors, mib, s.stats.seconds, mib / s.stats.seconds,
                    o.window, o.sectors_per_request, (unsigned long long)s.stats.requests,
                    (unsigned long long)s.stats.retransmits, (unsigned long long)s.stats.stray,
                    (unsigned long long)sock.drops());
        if (!c.compare.empty()) {
            int fd = open(c.compare.c_str(), O_RDONLY);
            if (fd < 0) return fail(c.compare + ": " + std::strerror(errno));
            struct stat st {};
            fstat(fd, &st);
            std::uint64_t expect = static_cast<std::uint64_t>(st.st_size) / 512 * 512;
            if (expect != buf.size()) {
                close(fd);
                return fail("size differs: target " + std::to_string(buf.size()) + " bytes, " +
                            c.compare + " " + std::to_string(expect) + " whole-sector bytes");
            }
            std::vector<std::uint8_t> file(expect);
            std::size_t got = 0;
            while (got < expect) {
                ssize_t n = read(fd, file.data() + got, expect - got);
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            close(fd);
            auto mm = std::mismatch(buf.begin(), buf.end(), file.begin());
            if (mm.first != buf.end())
                return fail("data differs from " + c.compare + " at byte " +
                            std::to_string(mm.first - buf.begin()));
            std::printf("compare: identical to %s\n", c.compare.c_str());
        }
        return 0;
    }
    if (cmd == "write") {
        std::vector<std::uint8_t> data(static_cast<std::size_t>(c.count) * 512);
        if (!c.data_file.empty()) {
            int fd = open(c.data_file.c_str(), O_RDONLY);
            if (fd < 0 || read(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()))
                return fail(c.data_file + ": cannot read " + std::to_string(data.size()) +
                            " bytes");
            close(fd);
        } else {
            for (std::size_t i = 0; i < data.size(); ++i)
                data[i] = static_cast<std::uint8_t>(i * 7 + c.lba);
        }
        bool ok = s.transfer(c.lba, c.count, nullptr, data.data(), o, err);
        if (c.expect_error) {
            if (ok) return fail("write was accepted, expected a refusal");
            std::printf("write refused as expected: %s\n", err.c_str());
            return 0;
        }
        if (!ok) return fail("write: " + err);
        std::printf("wrote %llu sectors at LBA %llu\n", (unsigned long long)c.count,
                    (unsigned long long)c.lba);
        return 0;
    }
    if (cmd == "flush") {
        // FLUSH CACHE EXT (0xEA); on a writable export the target replies after msync.
        auto t0 = Session<RawSocket>::now_us();
        if (!s.command(aoe::ata::kCmdFlushCacheExt, 0, 0, true, reply, r))
            return fail("FLUSH: no reply");
        if (r.error || (r.ata_status & 0xA9))
            return fail("FLUSH failed: status 0x" + std::to_string(r.ata_status));
        std::printf("flush ok in %lld us\n",
                    static_cast<long long>(Session<RawSocket>::now_us() - t0));
        return 0;
    }
    if (cmd == "latency") {
        std::vector<double> us;
        std::vector<std::uint8_t> buf(1024);
        ReadWriteOptions one = o;
        one.window = 1;
        one.sectors_per_request = 2;
        for (std::uint64_t i = 0; i < c.count; ++i) {
            if (c.pause_ms > 0) usleep(c.pause_ms * 1000); // let the target go idle
            auto t0 = Session<RawSocket>::now_us();
            if (!s.transfer(i % (id.sectors - 1), 2, buf.data(), nullptr, one, err))
                return fail("read: " + err);
            us.push_back(static_cast<double>(Session<RawSocket>::now_us() - t0));
        }
        std::vector<double> sorted = us;
        std::sort(sorted.begin(), sorted.end());
        std::printf(
            "latency: first %.0f us, min %.0f us, median %.0f us, max %.0f us over %zu reads\n",
            us.front(), sorted.front(), sorted[sorted.size() / 2], sorted.back(), us.size());
        return 0;
    }
    std::fprintf(stderr, "aoe-client: unknown command '%s'\n", cmd.c_str());
    return 2;
}
