// A small AoE r11 initiator: request building, tag matching, retransmits with fresh tags (as
// Linux does: a retransmission gets a new tag) and a window of N outstanding requests.
// The transport is a template parameter (RawSocket here; aoe-bench can plug in DPDK), with
//   bool send(const uint8_t*, size_t); long recv(uint8_t*, size_t, int64_t timeout_us);
//   const aoe::Mac& mac() const;
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "target/wire.hpp"

namespace aoeclient {

struct TargetInfo {
    aoe::Mac mac{};
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0;
    std::uint16_t buffer_count = 0;
    std::uint16_t firmware = 0;
    std::uint8_t sectors_per_request = 0; // Query Config Sector Count (0 means 2)
    std::string config;
};

struct IdentifyInfo {
    std::string model, serial, firmware;
    std::uint64_t sectors = 0;
    bool lba48 = false;
};

struct RunStats {
    std::uint64_t requests = 0, responses = 0, retransmits = 0, stray = 0, errors = 0;
    double seconds = 0;
};

// ---- frame building and parsing (no I/O) ---------------------------------------------------
std::size_t build_config_query(std::uint8_t* out, const aoe::Mac& src, const aoe::Mac& dst,
                               std::uint16_t shelf, std::uint8_t slot, std::uint32_t tag);
// ATA request: cmd is the ATA opcode; data/len for writes (W flag set when data != nullptr).
std::size_t build_ata(std::uint8_t* out, const aoe::Mac& src, const aoe::Mac& dst,
                      std::uint16_t shelf, std::uint8_t slot, std::uint32_t tag, std::uint8_t cmd,
                      std::uint64_t lba, std::uint8_t count, bool lba48,
                      const std::uint8_t* data = nullptr, std::size_t data_len = 0);
bool parse_config_response(const std::uint8_t* f, std::size_t len, TargetInfo& out);
IdentifyInfo parse_identify(const std::uint8_t* data512);

// A parsed response header (untagged frames only: the client does not use VLANs).
struct Response {
    bool ok = false;    // AoE response with R set
    bool error = false; // E flag
    std::uint8_t aoe_error = 0;
    std::uint16_t shelf = 0;
    std::uint8_t slot = 0;
    std::uint8_t command = 0;
    std::uint32_t tag = 0;
    std::uint8_t ata_status = 0, ata_error = 0;
    const std::uint8_t* data = nullptr; // after the ATA arg
    std::size_t data_len = 0;
};
Response parse_response(const std::uint8_t* f, std::size_t len);

// Linux-style tag: sequence in bits 16..30 (bit 31 stays clear: userland tools own it),
// send time in ms in the low 16 bits.
class TagSource {
  public:
    std::uint32_t next() {
        seq_ = (seq_ + 1) & 0x7fff;
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count();
        return (std::uint32_t{seq_} << 16) | static_cast<std::uint32_t>(ms & 0xffff);
    }

  private:
    std::uint16_t seq_ = 0;
};

struct ReadWriteOptions {
    unsigned window = 64; // outstanding requests (never above the target's bufcnt)
    unsigned sectors_per_request = 2;
    bool lba48 = true;
    std::int64_t rto_us = 200000; // retransmit after this long without a response
    unsigned max_retries = 20;
};

template <class Transport> class Session {
  public:
    Session(Transport& t, const TargetInfo& target) : t_(t), tgt_(target) {}

    // Single ATA command (IDENTIFY, FLUSH, ...) with retransmits. Returns the response frame.
    // A late answer to an earlier attempt counts too (each attempt has a fresh tag): a FLUSH
    // is answered only after msync, which can outlast the retransmit timeout on a busy disk,
    // and then every attempt's answer would arrive after its own deadline.
    bool command(std::uint8_t cmd, std::uint64_t lba, std::uint8_t count, bool lba48,
                 std::vector<std::uint8_t>& reply, Response& r, const std::uint8_t* data = nullptr,
                 std::size_t data_len = 0, std::int64_t rto_us = 250000, unsigned retries = 8) {
        std::uint8_t frame[9216];
        reply.resize(9216);
        std::vector<std::uint32_t> sent;
        for (unsigned attempt = 0; attempt <= retries; ++attempt) {
            std::uint32_t tag = tags_.next();
            sent.push_back(tag);
            std::size_t n = build_ata(frame, t_.mac(), tgt_.mac, tgt_.shelf, tgt_.slot, tag, cmd,
                                      lba, count, lba48, data, data_len);
            if (!t_.send(frame, n)) return false;
            ++stats.requests;
            if (attempt) ++stats.retransmits;
            auto deadline = now_us() + rto_us;
            for (;;) {
                std::int64_t left = deadline - now_us();
                if (left <= 0) break;
                long got = t_.recv(reply.data(), reply.size(), left);
                if (got <= 0) break;
                r = parse_response(reply.data(), static_cast<std::size_t>(got));
                if (!r.ok || r.command != 0 ||
                    std::find(sent.begin(), sent.end(), r.tag) == sent.end()) {
                    ++stats.stray;
                    continue;
                }
                ++stats.responses;
                reply.resize(static_cast<std::size_t>(got));
                return true;
            }
        }
        return false;
    }

    // Reads (or writes, when `write_src` is set) `count` sectors from `lba` with a window of
    // outstanding requests. Fails on an ATA error or after max_retries for one request.
    bool transfer(std::uint64_t lba, std::uint64_t count, std::uint8_t* read_dst,
                  const std::uint8_t* write_src, const ReadWriteOptions& o, std::string& error) {
        struct Slot {
            std::uint64_t lba = 0;
            std::uint8_t n = 0;
            std::uint32_t tag = 0;
            std::int64_t sent = 0;
            unsigned tries = 0;
            bool busy = false;
        };
        const unsigned window = o.window ? o.window : 1;
        std::vector<Slot> slots(window);
        std::vector<std::int32_t> by_seq(0x8000, -1); // tag sequence -> slot
        std::uint64_t next = lba, end = lba + count, done = 0;
        std::uint8_t frame[9216], rx[9216];
        auto t0 = now_us();
        const std::uint8_t rd = o.lba48 ? aoe::ata::kCmdReadSectorsExt : aoe::ata::kCmdReadSectors;
        const std::uint8_t wr =
            o.lba48 ? aoe::ata::kCmdWriteSectorsExt : aoe::ata::kCmdWriteSectors;

        auto issue = [&](unsigned i) -> bool {
            Slot& s = slots[i];
            if (s.tag) by_seq[(s.tag >> 16) & 0x7fff] = -1;
            s.tag = tags_.next();
            by_seq[(s.tag >> 16) & 0x7fff] = static_cast<std::int32_t>(i);
            const std::uint8_t* data = write_src ? write_src + (s.lba - lba) * 512 : nullptr;
            std::size_t n =
                build_ata(frame, t_.mac(), tgt_.mac, tgt_.shelf, tgt_.slot, s.tag,
                          write_src ? wr : rd, s.lba, s.n, o.lba48, data, data ? s.n * 512u : 0);
            s.sent = now_us();
            ++stats.requests;
            return t_.send(frame, n);
        };

        while (done < count) {
            for (unsigned i = 0; i < window && next < end; ++i) {
                if (slots[i].busy) continue;
                Slot& s = slots[i];
                s.busy = true;
                s.lba = next;
                s.n = static_cast<std::uint8_t>(
                    std::min<std::uint64_t>(o.sectors_per_request, end - next));
                s.tries = 0;
                next += s.n;
                if (!issue(i)) {
                    error = "send failed";
                    return false;
                }
            }
            // Oldest deadline among outstanding requests.
            std::int64_t now = now_us(), wait = o.rto_us;
            for (auto& s : slots)
                if (s.busy) wait = std::min(wait, s.sent + o.rto_us - now);
            long got = wait > 0 ? t_.recv(rx, sizeof rx, wait) : 0;
            if (got < 0) {
                error = "receive failed";
                return false;
            }
            if (got > 0) {
                Response r = parse_response(rx, static_cast<std::size_t>(got));
                std::int32_t i = r.ok ? by_seq[(r.tag >> 16) & 0x7fff] : -1;
                if (i < 0 || slots[static_cast<unsigned>(i)].tag != r.tag ||
                    !slots[static_cast<unsigned>(i)].busy || r.command != 0 ||
                    r.shelf != tgt_.shelf || r.slot != tgt_.slot) {
                    ++stats.stray; // late reply to a superseded tag, an advert, ...
                    continue;
                }
                Slot& s = slots[static_cast<unsigned>(i)];
                ++stats.responses;
                if (r.error || (r.ata_status & 0xA9) != 0) {
                    ++stats.errors;
                    error = "ATA error at LBA " + std::to_string(s.lba) + ": " +
                            (r.error ? "AoE error " + std::to_string(r.aoe_error)
                                     : "status 0x" + hex(r.ata_status) + " error 0x" +
                                           hex(r.ata_error));
                    return false;
                }
                if (!write_src) {
                    if (r.data_len < s.n * 512u) {
                        error = "runt read reply at LBA " + std::to_string(s.lba);
                        return false;
                    }
                    std::memcpy(read_dst + (s.lba - lba) * 512, r.data, s.n * 512u);
                }
                by_seq[(s.tag >> 16) & 0x7fff] = -1;
                s.tag = 0;
                s.busy = false;
                done += s.n;
                continue;
            }
            now = now_us();
            for (unsigned i = 0; i < window; ++i) {
                Slot& s = slots[i];
                if (!s.busy || now - s.sent < o.rto_us) continue;
                if (++s.tries > o.max_retries) {
                    error = "no reply for LBA " + std::to_string(s.lba) + " after " +
                            std::to_string(o.max_retries) + " retransmits";
                    return false;
                }
                ++stats.retransmits;
                if (!issue(i)) {
                    error = "send failed";
                    return false;
                }
            }
        }
        stats.seconds += static_cast<double>(now_us() - t0) / 1e6;
        return true;
    }

    RunStats stats;

    static std::int64_t now_us() {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

  private:
    static std::string hex(unsigned v) {
        const char* d = "0123456789abcdef";
        return std::string{d[(v >> 4) & 15], d[v & 15]};
    }
    Transport& t_;
    TargetInfo tgt_;
    TagSource tags_;
};

// Broadcast (or addressed) config query; collects responses for `timeout_us`. The query is
// sent again every quarter of the timeout, 50 to 250 ms apart (real clients re-send discovery
// too; the Linux driver's is periodic): one lost query or reply (a full ring on a busy target, a
// lossy link) must not make the target look absent. Answers are deduplicated by MAC and shelf.slot.
template <class Transport>
std::vector<TargetInfo> discover(Transport& t, std::uint16_t shelf, std::uint8_t slot,
                                 std::int64_t timeout_us, RunStats* stats = nullptr) {
    std::uint8_t frame[64], rx[9216];
    TagSource tags;
    std::uint32_t tag = tags.next();
    std::size_t n = build_config_query(frame, t.mac(), aoe::kBroadcastMac, shelf, slot, tag);
    std::vector<TargetInfo> found;
    if (!t.send(frame, n)) return found;
    const std::int64_t resend_us = std::clamp<std::int64_t>(timeout_us / 4, 50'000, 250'000);
    auto start = Session<Transport>::now_us();
    std::int64_t next_send = start + resend_us;
    for (;;) {
        const std::int64_t now = Session<Transport>::now_us();
        std::int64_t left = timeout_us - (now - start);
        if (left <= 0) break;
        if (now >= next_send) {
            if (!t.send(frame, n)) break;
            next_send = now + resend_us;
        }
        long got = t.recv(rx, sizeof rx, std::min(left, next_send - now));
        if (got < 0) break;
        if (got == 0) continue; // timed out: time to send again, or to stop
        TargetInfo ti;
        Response r = parse_response(rx, static_cast<std::size_t>(got));
        // Only answers to our query (adverts carry tag 0 and are counted as stray).
        if (!r.ok || r.tag != tag ||
            !parse_config_response(rx, static_cast<std::size_t>(got), ti)) {
            if (stats) ++stats->stray;
            continue;
        }
        bool dup = false;
        for (auto& f : found) dup |= f.mac == ti.mac && f.shelf == ti.shelf && f.slot == ti.slot;
        if (!dup) found.push_back(ti);
    }
    return found;
}

} // namespace aoeclient
