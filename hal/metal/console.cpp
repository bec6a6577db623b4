#include "hal/metal/console.hpp"

#include "hal/metal/clock.hpp"
#include "hal/metal/io.hpp"

namespace metal {
namespace {
constexpr std::uint16_t kCom1 = 0x3F8;
bool g_present = false;
} // namespace

void console_init() {
    outb(kCom1 + 1, 0x00); // no UART interrupts: the console is polled
    outb(kCom1 + 3, 0x80); // DLAB
    outb(kCom1 + 0, 0x01); // divisor 1: 115200 baud
    outb(kCom1 + 1, 0x00);
    outb(kCom1 + 3, 0x03);              // 8N1
    outb(kCom1 + 2, 0xC7);              // FIFO on, cleared, 14-byte threshold
    outb(kCom1 + 4, 0x03);              // DTR, RTS
    g_present = inb(kCom1 + 5) != 0xFF; // no UART: the line status reads all ones
}

void put(char c) {
    if (!g_present) return;
    if (c == '\n') put('\r');
    for (int i = 0; i < 100000 && !(inb(kCom1 + 5) & 0x20); ++i) {
    }
    outb(kCom1, static_cast<std::uint8_t>(c));
}

void put(const char* s) {
    while (*s) put(*s++);
}

void put(const char* s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) put(s[i]);
}

void put_dec(std::uint64_t v) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) put(buf[--n]);
}

void put_hex(std::uint64_t v, int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    char buf[16];
    int n = 0;
    do {
        buf[n++] = kHex[v & 0xF];
        v >>= 4;
    } while (v || n < digits);
    while (n) put(buf[--n]);
}

void put_fixed(std::uint64_t v, unsigned decimals) {
    std::uint64_t div = 1;
    for (unsigned i = 0; i < decimals; ++i) div *= 10;
    put_dec(v / div);
    if (!decimals) return;
    put('.');
    std::uint64_t frac = v % div;
    for (std::uint64_t d = div / 10; d; d /= 10) {
        put(static_cast<char>('0' + frac / d));
        frac %= d;
    }
}

int getc_nowait() {
    if (!g_present || !(inb(kCom1 + 5) & 0x01)) return -1;
    return inb(kCom1);
}

void log_stamp() {
    const std::uint64_t us = now_ns() / 1000;
    put('[');
    std::uint64_t s = us / 1'000'000;
    for (std::uint64_t w = 10000; w > 1 && s < w; w /= 10) put(' ');
    put_fixed(us, 6);
    put("] ");
}

} // namespace metal
