#include "hal/metal/cpu.hpp"

#include "hal/metal/console.hpp"
#include "hal/metal/io.hpp"

extern "C" {
void metal_timer_isr();
// start.S: one entry per exception vector 0-20 (pushes the vector), 255 for the rest.
void metal_fault_0();
void metal_fault_1();
void metal_fault_2();
void metal_fault_3();
void metal_fault_4();
void metal_fault_5();
void metal_fault_6();
void metal_fault_7();
void metal_fault_8();
void metal_fault_9();
void metal_fault_10();
void metal_fault_11();
void metal_fault_12();
void metal_fault_13();
void metal_fault_14();
void metal_fault_15();
void metal_fault_16();
void metal_fault_17();
void metal_fault_18();
void metal_fault_19();
void metal_fault_20();
void metal_fault_255();
}

namespace metal {
namespace {

struct [[gnu::packed]] Gate {
    std::uint16_t off0;
    std::uint16_t sel;
    std::uint8_t ist;
    std::uint8_t type;
    std::uint16_t off1;
    std::uint32_t off2;
    std::uint32_t zero;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] Idtr {
    std::uint16_t limit;
    std::uint64_t base;
};

alignas(16) Gate g_idt[256];

void set_gate(int v, void (*fn)()) {
    const auto a = reinterpret_cast<std::uint64_t>(fn);
    g_idt[v] = Gate{
        static_cast<std::uint16_t>(a),       0x08, 0, 0x8E, static_cast<std::uint16_t>(a >> 16),
        static_cast<std::uint32_t>(a >> 32), 0};
}

} // namespace

void cpu_init() {
    void (*faults[])() = {metal_fault_0,  metal_fault_1,  metal_fault_2,  metal_fault_3,
                          metal_fault_4,  metal_fault_5,  metal_fault_6,  metal_fault_7,
                          metal_fault_8,  metal_fault_9,  metal_fault_10, metal_fault_11,
                          metal_fault_12, metal_fault_13, metal_fault_14, metal_fault_15,
                          metal_fault_16, metal_fault_17, metal_fault_18, metal_fault_19,
                          metal_fault_20};
    for (int v = 0; v < 256; ++v) set_gate(v, metal_fault_255);
    for (int v = 0; v < 21; ++v) set_gate(v, faults[v]);
    set_gate(32, metal_timer_isr);
    Idtr idtr{sizeof g_idt - 1, reinterpret_cast<std::uint64_t>(g_idt)};
    asm volatile("lidt %0" ::"m"(idtr));

    // 8259A: ICW1..ICW4, master at vectors 32-39, slave at 40-47; mask all but IRQ 0.
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, 0x20);
    outb(0xA1, 0x28);
    outb(0x21, 0x04);
    outb(0xA1, 0x02);
    outb(0x21, 0x01);
    outb(0xA1, 0x01);
    outb(0x21, 0xFE);
    outb(0xA1, 0xFF);

    set_tick_hz(1000);
}

void set_tick_hz(std::uint32_t hz) {
    // PIT channel 0, mode 2 (rate generator): 1193182 / divisor interrupts per second.
    const std::uint32_t div = 1193182 / (hz ? hz : 1000);
    outb(0x43, 0x34);
    outb(0x40, static_cast<std::uint8_t>(div & 0xFF));
    outb(0x40, static_cast<std::uint8_t>(div >> 8));
}

[[noreturn]] void power_off(std::uint8_t code) {
    outb(0xF4, code);
    halt_forever();
}

[[noreturn]] void halt_forever() {
    for (;;) asm volatile("cli; hlt");
}

} // namespace metal

// Called by start.S's fault entries with the stack as the CPU left it, under our two words.
extern "C" [[noreturn]] void metal_fault(const std::uint64_t* frame) {
    metal::log() << "FATAL: CPU exception " << frame[0] << " error code 0x";
    metal::put_hex(frame[1]);
    metal::put(" at rip 0x");
    metal::put_hex(frame[2]);
    std::uint64_t cr2;
    asm volatile("mov %%cr2, %0" : "=r"(cr2));
    metal::put(" cr2 0x");
    metal::put_hex(cr2);
    metal::put("\n");
    metal::power_off(3);
}
