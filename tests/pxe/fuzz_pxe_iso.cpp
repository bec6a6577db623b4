// libFuzzer harness for stage-pxe's whole read of an untrusted ISO: the input bytes are the image.
// It runs what `stage-pxe image.iso` does before it writes anything (pxe/stage.cpp up to the
// first write): precheck, open through the iso/ wrapper (libisofs import with Rock Ridge and
// Joliet), kernel/initrd discovery (layouts, the ISO's isolinux and GRUB configs, the El Torito
// catalog), then streams the found files to a counting sink. Expected errors (aoe::iso::Error,
// stage-pxe's Failure, discovery's NotFoundError) end the input; any other exception or a broken
// invariant aborts, so libFuzzer saves it. Faults inside libisofs (not instrumented, Debian's
// libisofs.so) are told apart from ours by tests/fuzz/run_fuzz_iso.sh from the stack.
#include "discovery.hpp"
#include "error.hpp"
#include "errors.hpp"
#include "image.hpp"
#include "open_iso.hpp"
#include "precheck.hpp"
#include "session.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

using namespace aoe;

namespace {

// FUZZ_PXE_ISO_VERBOSE=1: say per input how far it got (run_fuzz_iso.sh checks that every seed
// reaches its layout, so the seeds keep covering what they are meant to).
const bool kVerbose = std::getenv("FUZZ_PXE_ISO_VERBOSE") != nullptr;

// Streaming budget per input: zisofs or overlapping extents can turn a small image into far more
// bytes than it holds; the cap keeps one input to milliseconds.
constexpr std::uint64_t kStreamCap = std::uint64_t{4} << 20;

// Thrown by the sink when the budget is spent; caught below (not an error of the image).
struct CapReached {};

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_pxe_iso: broken invariant: %s: %s\n", what, detail.c_str());
    std::abort();
}

// The image lives in a memfd, named by its /proc path: libisofs opens files by name, and the
// precheck stats that name like any ISO on disk. Nothing is left behind when the process ends.
const std::string& image_path() {
    static const std::string path = [] {
        int fd = ::memfd_create("fuzz.iso", MFD_CLOEXEC);
        if (fd < 0) fail("memfd_create", "failed");
        return "/proc/self/fd/" + std::to_string(fd);
    }();
    return path;
}

void put_image(const std::uint8_t* data, std::size_t size) {
    const std::string& path = image_path();
    const int fd = std::stoi(path.substr(path.rfind('/') + 1));
    if (::ftruncate(fd, 0) != 0) fail("ftruncate", path);
    std::size_t done = 0;
    while (done < size) {
        ssize_t k = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
        if (k <= 0) fail("pwrite", path);
        done += static_cast<std::size_t>(k);
    }
}

// Streams one file to a counting sink and checks that what came out is what was reported.
void stream_checked(const iso::Image& img, const iso::FileInfo& fi, std::uint64_t& budget) {
    if (fi.path.empty() || fi.resolved_path.empty() || fi.resolved_path[0] != '/')
        fail("file info", "path '" + fi.path + "' resolved '" + fi.resolved_path + "'");
    // The same lookup again gives the same answer (discovery relies on it).
    auto again = img.find_file(fi.path);
    if (!again || again->size != fi.size || again->resolved_path != fi.resolved_path)
        fail("find_file not repeatable", fi.path);
    std::uint64_t seen = 0;
    std::uint64_t chunks = 0;
    try {
        const std::uint64_t n = img.stream_file(
            fi.path,
            [&](std::span<const std::byte> c) {
                if (c.empty()) fail("empty chunk", fi.path);
                seen += c.size();
                ++chunks;
                if (seen > fi.size) fail("more bytes than reported", fi.path);
                if (seen > budget) throw CapReached{};
            },
            64 * 1024);
        if (n != fi.size || seen != fi.size)
            fail("streamed size", fi.path + ": reported " + std::to_string(fi.size) +
                                      ", returned " + std::to_string(n) + ", delivered " +
                                      std::to_string(seen));
        budget -= seen;
    } catch (const CapReached&) {
        budget = 0;
    }
    (void)chunks;
}

void run(const std::uint8_t* data, std::size_t size) {
    put_image(data, size);
    const std::string& path = image_path();

    // stage-pxe: open_iso() = Image::open = precheck + libisofs import; called separately first
    // so its own invariants are checked on every input that reaches it.
    const iso::PvdInfo pvd = iso::precheck_iso_file(path);
    if (pvd.file_bytes != size) fail("precheck file size", std::to_string(pvd.file_bytes));
    if (pvd.volume_blocks * iso::kBlockSize > size)
        fail("precheck passed a truncated image", std::to_string(pvd.volume_blocks));
    iso::Image img = pxe::open_iso(path);
    if (img.pvd().file_bytes != size || img.pvd().volume_blocks != pvd.volume_blocks ||
        img.pvd().volume_id != pvd.volume_id)
        fail("Image::open pvd differs from precheck", img.pvd().volume_id);
    (void)pxe::identity_of(img.file());
    (void)img.rock_ridge();
    (void)img.volume_id();

    std::uint64_t budget = kStreamCap;
    // El Torito: the catalog and every boot image that is a file in the tree.
    const iso::BootCatalog bc = img.boot_catalog();
    if (!bc.present && !bc.images.empty()) fail("boot images without a catalog", "");
    for (const auto& b : bc.images) {
        if (b.path.empty()) continue;
        if (auto fi = img.find_file(b.path)) stream_checked(img, *fi, budget);
    }

    // Discovery, for the arch stage-pxe uses on this host's build machine (x86_64 seeds).
    pxe::BootFiles bf;
    try {
        bf = pxe::find_boot_files(img, "x86_64");
    } catch (const pxe::NotFoundError& e) {
        // The message lists what was looked for; it must name the image.
        if (std::string(e.what()).find(img.file().string()) == std::string::npos)
            fail("NotFoundError without the image's name", e.what());
        if (kVerbose) std::fprintf(stderr, "fuzz_pxe_iso: result: not-found: %s\n", e.what());
        return;
    }
    if (bf.layout.empty()) fail("empty layout", bf.kernel.path);
    // stage-pxe extracts the kernel, then the initrd.
    stream_checked(img, bf.kernel, budget);
    if (!bf.kernel_only) stream_checked(img, bf.initrd, budget); // none: a kernel alone
    if (kVerbose)
        std::fprintf(
            stderr, "fuzz_pxe_iso: result: layout '%s' kernel %s (%llu) initrd %s (%llu)%s%s\n",
            bf.layout.c_str(), bf.kernel.resolved_path.c_str(),
            static_cast<unsigned long long>(bf.kernel.size), bf.initrd.resolved_path.c_str(),
            static_cast<unsigned long long>(bf.initrd.size), img.rock_ridge() ? " rr" : "",
            bc.present ? " eltorito" : "");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // One libisofs session for the whole process, as in one stage-pxe run (iso_init once, not
    // per input). Reachable for the leak checker, so it is not reported.
    static const std::shared_ptr<iso::Session> session = iso::Session::acquire();
    try {
        run(data, size);
    } catch (const iso::Error& e) {
        if (kVerbose) std::fprintf(stderr, "fuzz_pxe_iso: result: iso::Error %s\n", e.what());
    } catch (const pxe::Failure& e) {
        if (kVerbose) std::fprintf(stderr, "fuzz_pxe_iso: result: Failure %s\n", e.what());
    } catch (const pxe::NotFoundError&) {
    } catch (const std::exception& e) {
        // Anything else (bad_alloc, regex_error, out_of_range, ...) is a bug in our code.
        std::fprintf(stderr, "fuzz_pxe_iso: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
