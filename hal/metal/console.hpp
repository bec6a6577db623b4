// The serial console (16550 UART at COM1, 0x3F8, 115200 8N1, polled): the firmware's log and
// statistics, and its one input (a key: `s` prints the statistics, `q` prints them and stops).
#pragma once

#include <cstddef>
#include <cstdint>

namespace metal {

void console_init();
void put(char c);
void put(const char* s);
void put(const char* s, std::size_t n);
void put_dec(std::uint64_t v);
void put_hex(std::uint64_t v, int digits = 0);
// v / 10^decimals with `decimals` digits after the point (e.g. microseconds as ms).
void put_fixed(std::uint64_t v, unsigned decimals);
// -1 when no key is waiting.
int getc_nowait();

// The log's one line shape: "[   12.345678] text" (seconds since the first instruction).
void log_stamp();

// Minimal stream for log lines: log() << "x=" << 5 << '\n'.
struct Log {
    Log& operator<<(const char* s) {
        put(s);
        return *this;
    }
    Log& operator<<(char c) {
        put(c);
        return *this;
    }
    Log& operator<<(std::uint64_t v) {
        put_dec(v);
        return *this;
    }
    Log& operator<<(std::uint32_t v) {
        put_dec(v);
        return *this;
    }
    Log& operator<<(std::uint16_t v) {
        put_dec(v);
        return *this;
    }
    Log& operator<<(int v) {
        if (v < 0) {
            put('-');
            put_dec(static_cast<std::uint64_t>(-static_cast<long long>(v)));
        } else
            put_dec(static_cast<std::uint64_t>(v));
        return *this;
    }
};
inline Log log() {
    log_stamp();
    return Log{};
}

} // namespace metal
