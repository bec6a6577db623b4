// The identity of an image (the IDENTIFY serial and peer comparison, docs/aoe-protocol.md §1.2.1):
// a 64-bit FNV-1a over the image's size and a sample of its content, the same in every HAL so
// that aoe-target and aoe-firmware serving one ISO give it one identity (multipath peers agree).
//
// The sample: the first 64 KiB (system area and volume descriptors, where an ISO keeps its
// volume id and creation time), 64 blocks of 4 KiB spread evenly and the last 4 KiB. Content
// only, no inode or mtime, so two hosts with copies of one ISO agree and any rebuild shows;
// cheap: at most ~324 KiB read, never a multi-second full hash. Freestanding.
#pragma once

#include <cstdint>

namespace aoe {

namespace detail {
inline std::uint64_t fnv1a(std::uint64_t h, const void* p, std::uint64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    for (std::uint64_t i = 0; i < n; ++i) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
} // namespace detail

inline std::uint64_t image_identity(const std::uint8_t* base, std::uint64_t bytes) {
    constexpr std::uint64_t kHead = 64 << 10, kSample = 4096, kSamples = 64;
    std::uint64_t h = 0xcbf29ce484222325ULL;
    h = detail::fnv1a(h, &bytes, sizeof bytes);
    h = detail::fnv1a(h, base, bytes < kHead ? bytes : kHead);
    if (bytes > kHead + kSample) {
        for (std::uint64_t i = 0; i < kSamples; ++i) {
            std::uint64_t off = bytes / kSamples * i;
            if (off + kSample > bytes) off = bytes - kSample;
            h = detail::fnv1a(h, base + off, kSample);
        }
        h = detail::fnv1a(h, base + bytes - kSample, kSample);
    }
    return h;
}

} // namespace aoe
