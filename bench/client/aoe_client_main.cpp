// aoe-client: a test initiator for aoe-target over an AF_PACKET socket (run it inside a
// network namespace; never on a real LAN). Commands:
//   discover                        broadcast config query, list the answers
//   identify                        IDENTIFY DEVICE of --target
//   read-all [--compare FILE]       read the whole device with --window requests in flight
//   write --lba N --count C         write C sectors (from --data FILE or a pattern)
//   flush                           FLUSH CACHE EXT (the target msyncs writable exports)
//   latency [--count N]             one 2-sector read at a time, report round trips
#include <fcntl.h>
#include <getopt.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "aoeboot_version.hpp"
#include "bench/client/aoe_client.hpp"
#include "bench/client/raw_socket.hpp"
#include "hal/address.hpp"

using namespace aoeclient;

namespace {

void usage(FILE* f) {
    std::fputs(
        "Usage: aoe-client --iface IFACE [options] COMMAND\n"
        "Commands: discover | identify | read-all | write | flush | latency\n"
        "Options:\n"
        "  --iface IFACE        interface to use (required)\n"
        "  --target SHELF.SLOT  export to talk to (default: the first one discovered)\n"
        "  --timeout MS         discovery wait (default 1000)\n"
        "  --window N           requests in flight (default 64, capped by the buffer count)\n"
        "  --sectors N          sectors per request (default: the target's Sector Count)\n"
        "  --lba28              use 28-bit LBA commands (default: LBA48)\n"
        "  --compare FILE       read-all: compare with FILE byte for byte\n"
        "  --lba N --count C    write: where and how much\n"
        "  --data FILE          write: data source (default: a pattern)\n"
        "  --expect-error       write: succeed only if the target refuses (ATA ERR)\n"
        "  --vlan ID            send 802.1Q-tagged requests, accept only VLAN ID replies\n"
        "  --pause MS           latency: idle time before each read (first reply after idling)\n"
        "  --help, --version\n"
        "Exit status: 0 ok, 1 failure, 2 usage error.\n",
        f);
}

int fail(const std::string& m) {
    std::fprintf(stderr, "aoe-client: %s\n", m.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    std::string iface, target, compare, data_file;
    long timeout_ms = 1000, window = 64, sectors = 0, count = 1, pause_ms = 0, vlan = 0;
    unsigned long long lba = 0;
    bool lba28 = false, expect_error = false;
    enum {
        kIface = 256,
        kTarget,
        kTimeout,
        kWindow,
        kSectors,
        kLba28,
        kCompare,
        kLba,
        kCount,
        kData,
        kExpectErr,
        kPause,
        kVlan,
        kHelp,
        kVersion
    };
    static const option opts[] = {{"iface", required_argument, nullptr, kIface},
                                  {"target", required_argument, nullptr, kTarget},
                                  {"timeout", required_argument, nullptr, kTimeout},
                                  {"window", required_argument, nullptr, kWindow},
                                  {"sectors", required_argument, nullptr, kSectors},
                                  {"lba28", no_argument, nullptr, kLba28},
                                  {"compare", required_argument, nullptr, kCompare},
                                  {"lba", required_argument, nullptr, kLba},
                                  {"count", required_argument, nullptr, kCount},
                                  {"data", required_argument, nullptr, kData},
                                  {"expect-error", no_argument, nullptr, kExpectErr},
                                  {"pause", required_argument, nullptr, kPause},
                                  {"vlan", required_argument, nullptr, kVlan},
                                  {"help", no_argument, nullptr, kHelp},
                                  {"version", no_argument, nullptr, kVersion},
                                  {nullptr, 0, nullptr, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, nullptr)) != -1) {
        switch (c) {
        case kIface:
            iface = optarg;
            break;
        case kTarget:
            target = optarg;
            break;
        case kTimeout:
            timeout_ms = std::atol(optarg);
            break;
        case kWindow:
            window = std::atol(optarg);
            break;
        case kSectors:
            sectors = std::atol(optarg);
            break;
        case kLba28:
            lba28 = true;
            break;
        case kCompare:
            compare = optarg;
            break;
        case kLba:
            lba = std::strtoull(optarg, nullptr, 0);
            break;
        case kCount:
            count = std::atol(optarg);
            break;
        case kData:
            data_file = optarg;
            break;
        case kExpectErr:
            expect_error = true;
            break;
        case kPause:
            pause_ms = std::atol(optarg);
            break;
        case kVlan:
            vlan = std::atol(optarg);
            break;
        case kHelp:
            usage(stdout);
            return 0;
        case kVersion:
            std::printf("aoe-client %s\n", AOEBOOT_VERSION);
            return 0;
        default:
            std::fprintf(stderr, "aoe-client: bad option %s\n", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1 || iface.empty() || window < 1 || window > 4096 || sectors < 0 ||
        sectors > 255 || count < 1) {
        usage(stderr);
        return 2;
    }
    std::string cmd = argv[optind];

    RawSocket sock;
    std::string err;
    if (vlan > 0 && vlan < 4095) sock.set_vlan(static_cast<std::uint16_t>(vlan));
    if (!sock.open(iface, err)) return fail(err);

    std::uint16_t shelf = aoe::kShelfBroadcast;
    std::uint8_t slot = aoe::kSlotBroadcast;
    if (!target.empty()) {
        auto a = aoehal::parse_address(target, err);
        if (!a) {
            std::fprintf(stderr, "aoe-client: --target: %s\n", err.c_str());
            return 2;
        }
        shelf = a->first;
        slot = a->second;
    }
    RunStats dstats;
    auto found = discover(sock, shelf, slot, timeout_ms * 1000, &dstats);
    if (cmd == "discover") {
        for (auto& t : found)
            std::printf("e%u.%u mac=%s bufcnt=%u scnt=%u fwver=0x%04x config=\"%s\"\n", t.shelf,
                        t.slot, aoehal::format_mac(t.mac).c_str(), t.buffer_count,
                        t.sectors_per_request, t.firmware, t.config.c_str());
        return found.empty() ? fail("no AoE target answered") : 0;
    }
    if (found.empty())
        return fail("no AoE target answered" +
                    (target.empty() ? std::string() : " for e" + target));
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
    o.sectors_per_request = sectors ? static_cast<unsigned>(sectors) : std::min(scnt, mine);
    o.window =
        std::min<unsigned>(static_cast<unsigned>(window), t.buffer_count ? t.buffer_count : 1);
    o.lba48 = !lba28 && id.lba48;

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
        if (!compare.empty()) {
            int fd = open(compare.c_str(), O_RDONLY);
            if (fd < 0) return fail(compare + ": " + std::strerror(errno));
            struct stat st {};
            fstat(fd, &st);
            std::uint64_t expect = static_cast<std::uint64_t>(st.st_size) / 512 * 512;
            if (expect != buf.size()) {
                close(fd);
                return fail("size differs: target " + std::to_string(buf.size()) + " bytes, " +
                            compare + " " + std::to_string(expect) + " whole-sector bytes");
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
                return fail("data differs from " + compare + " at byte " +
                            std::to_string(mm.first - buf.begin()));
            std::printf("compare: identical to %s\n", compare.c_str());
        }
        return 0;
    }
    if (cmd == "write") {
        std::vector<std::uint8_t> data(static_cast<std::size_t>(count) * 512);
        if (!data_file.empty()) {
            int fd = open(data_file.c_str(), O_RDONLY);
            if (fd < 0 || read(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()))
                return fail(data_file + ": cannot read " + std::to_string(data.size()) + " bytes");
            close(fd);
        } else {
            for (std::size_t i = 0; i < data.size(); ++i)
                data[i] = static_cast<std::uint8_t>(i * 7 + lba);
        }
        bool ok = s.transfer(lba, static_cast<std::uint64_t>(count), nullptr, data.data(), o, err);
        if (expect_error) {
            if (ok) return fail("write was accepted, expected a refusal");
            std::printf("write refused as expected: %s\n", err.c_str());
            return 0;
        }
        if (!ok) return fail("write: " + err);
        std::printf("wrote %ld sectors at LBA %llu\n", count, lba);
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
        for (long i = 0; i < count; ++i) {
            if (pause_ms > 0)
                usleep(static_cast<useconds_t>(pause_ms) * 1000); // let the target go idle
            auto t0 = Session<RawSocket>::now_us();
            if (!s.transfer(static_cast<std::uint64_t>(i) % (id.sectors - 1), 2, buf.data(),
                            nullptr, one, err))
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
