// The four functions the freestanding core (and GCC itself, for struct copies) may call:
// memcpy, memmove, memset, memcmp. Nothing else of a C library exists in the image
// (tests/metal/check_image.sh checks the link). String instructions, so the compiler cannot
// turn these loops back into calls to themselves.
#include <cstddef>
#include <cstdint>

extern "C" {

void* memcpy(void* dst, const void* src, std::size_t n) {
    void* d = dst;
    std::size_t q = n / 8;
    asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q)::"memory");
    std::size_t r = n % 8;
    asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(r)::"memory");
    return dst;
}

void* memmove(void* dst, const void* src, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    if (d <= s || d >= s + n) return memcpy(dst, src, n);
    // Overlapping, destination above the source: copy backwards.
    const unsigned char* sl = s + n - 1;
    unsigned char* dl = d + n - 1;
    asm volatile("std\n\trep movsb\n\tcld" : "+D"(dl), "+S"(sl), "+c"(n)::"memory");
    return dst;
}

void* memset(void* dst, int c, std::size_t n) {
    void* d = dst;
    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

int memcmp(const void* a, const void* b, std::size_t n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (std::size_t i = 0; i < n; ++i)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

} // extern "C"
