#include "fixtures.hpp"

#include <cstdint>
// Without libburn.h, libisofs.h declares struct burn_source itself only on request.
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs.h>

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <openssl/evp.h>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fixtures {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/aoeboot-test.XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    path = buf.data();
    fs::permissions(path, fs::perms(0755));
}

TempDir::~TempDir() {
    std::error_code ec;
    // Undo read-only test directories first so removal works.
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_directory(ec))
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
    return s;
}

void write_file(const fs::path& p, const std::string& data) {
    if (p.has_parent_path()) fs::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!f) throw std::runtime_error("cannot write " + p.string());
}

std::string read_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string sha256(const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += d[md[i] >> 4];
        out += d[md[i] & 15];
    }
    return out;
}

std::string sha256_of_file(const fs::path& p) {
    return sha256(read_file(p));
}

void make_tree(const fs::path& root, const Tree& t) {
    fs::create_directories(root);
    for (const auto& [rel, data] : t.files) write_file(root / rel, data);
    for (const auto& [rel, target] : t.links) {
        fs::create_directories((root / rel).parent_path());
        fs::create_symlink(target, root / rel);
    }
}

RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    char out_t[] = "/tmp/aoeboot-run-out.XXXXXX";
    char err_t[] = "/tmp/aoeboot-run-err.XXXXXX";
    int fo = ::mkstemp(out_t), fe = ::mkstemp(err_t);
    if (fo < 0 || fe < 0) throw std::runtime_error("mkstemp failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(fo, 1);
        ::dup2(fe, 2);
        int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, 0);
        for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        std::perror(args[0]);
        ::_exit(127);
    }
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0) {
    }
    RunResult r;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = read_file(out_t);
    r.err = read_file(err_t);
    ::close(fo);
    ::close(fe);
    ::unlink(out_t);
    ::unlink(err_t);
    return r;
}

fs::path xorriso_iso(const fs::path& out, const fs::path& dir, const std::string& volid,
                     const std::vector<std::string>& extra) {
    std::vector<std::string> argv{"xorriso", "-as", "mkisofs", "-R", "-J", "-V", volid};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"-o", out.string(), dir.string()});
    auto r = run(argv);
    if (r.status != 0)
        throw std::runtime_error("xorriso failed (" + std::to_string(r.status) + "): " + r.err);
    return out;
}

namespace {
void need(int rc, const char* what) {
    if (rc < 0)
        throw std::runtime_error(std::string("libisofs writer: ") + what + ": " +
                                 iso_error_to_msg(rc));
}

IsoDir* dir_for(IsoImage* img, const std::string& rel) {
    IsoDir* cur = iso_image_get_root(img);
    std::stringstream ss(rel);
    std::string part;
    std::vector<std::string> parts;
    while (std::getline(ss, part, '/'))
        if (!part.empty()) parts.push_back(part);
    for (const auto& p : parts) {
        IsoNode* n = nullptr;
        if (iso_dir_get_node(cur, p.c_str(), &n) == 1 && ISO_NODE_IS_DIR(n)) {
            cur = ISO_DIR(n);
            continue;
        }
        IsoDir* nd = nullptr;
        need(iso_tree_add_new_dir(cur, p.c_str(), &nd), "add dir");
        cur = nd;
    }
    return cur;
}
} // namespace

fs::path libisofs_iso(const fs::path& out, const Tree& t, const std::string& volid) {
    need(iso_init(), "init");
    IsoImage* img = nullptr;
    need(iso_image_new(volid.c_str(), &img), "image");
    for (const auto& [rel, data] : t.files) {
        auto slash = rel.rfind('/');
        IsoDir* parent = dir_for(img, slash == std::string::npos ? "" : rel.substr(0, slash));
        auto* buf = static_cast<unsigned char*>(std::malloc(data.size() ? data.size() : 1));
        std::copy(data.begin(), data.end(), buf);
        IsoStream* st = nullptr;
        need(iso_memory_stream_new(buf, data.size(), &st), "memory stream");
        IsoFile* f = nullptr;
        // The new file takes over our reference to the stream.
        need(iso_tree_add_new_file(parent, rel.substr(slash + 1).c_str(), st, &f), "add file");
    }
    for (const auto& [rel, target] : t.links) {
        auto slash = rel.rfind('/');
        IsoDir* parent = dir_for(img, slash == std::string::npos ? "" : rel.substr(0, slash));
        IsoSymlink* s = nullptr;
        need(iso_tree_add_new_symlink(parent, rel.substr(slash + 1).c_str(), target.c_str(), &s),
             "add symlink");
    }
    IsoWriteOpts* wo = nullptr;
    need(iso_write_opts_new(&wo, 1), "write opts"); // profile 1: Rock Ridge
    iso_write_opts_set_joliet(wo, 1);
    burn_source* bs = nullptr;
    need(iso_image_create_burn_source(img, wo, &bs), "burn source");
    iso_write_opts_free(wo);
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    unsigned char block[2048];
    while (bs->read_xt(bs, block, sizeof block) == static_cast<int>(sizeof block))
        f.write(reinterpret_cast<const char*>(block), sizeof block);
    bs->free_data(bs);
    std::free(bs);
    iso_image_unref(img);
    iso_finish();
    if (!f) throw std::runtime_error("cannot write " + out.string());
    return out;
}

Tree kiwi_tree(const std::string& arch, std::uint32_t seed) {
    Tree t;
    t.files["boot/" + arch + "/loader/linux"] = random_bytes(4096 + seed % 977, seed);
    t.files["boot/" + arch + "/loader/initrd"] = random_bytes(6144 + seed % 1231, seed + 1);
    t.files["LiveOS/squashfs.img"] = random_bytes(2048, seed + 2);
    return t;
}

} // namespace fixtures
