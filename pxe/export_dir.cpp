#include "export_dir.hpp"

#include "atomic_file.hpp"
#include "target/export_line.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <vector>

namespace aoe::pxe {

namespace fs = std::filesystem;

std::map<std::string, ForeignExport> foreign_exports(const fs::path& dir, const Manifest& man,
                                                     const std::string& label) {
    std::map<std::string, ForeignExport> out;
    std::set<fs::path> ours{fs::absolute(dir / (label + ".conf")).lexically_normal()};
    for (const auto& [l, e] : man.images)
        if (!e.export_file.empty()) ours.insert(fs::path(e.export_file).lexically_normal());
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& d : fs::directory_iterator(dir, ec)) {
        const std::string n = d.path().filename().string();
        if (n.size() < 6 || n[0] == '.' || n.compare(n.size() - 5, 5, ".conf") != 0) continue;
        if (!ours.count(fs::absolute(d.path()).lexically_normal())) files.push_back(d.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::string text;
        if (!read_file(f, text)) continue;
        std::istringstream in(text);
        std::string line;
        for (int n = 1; std::getline(in, line); ++n) {
            ExportLine l;
            if (parse_export_line(line.data(), line.size(), ExportSource::file, l) !=
                    ExportLineError::none ||
                !l.is_export)
                continue;
            AoeAddress a{l.shelf, l.slot};
            out.emplace(a.client_name(), ForeignExport{f.string() + ":" + std::to_string(n),
                                                       std::string(l.file, l.file_len)});
        }
    }
    return out;
}

std::string export_file_text(const std::string& label, const AoeAddress& aoe, const fs::path& iso) {
    return "# written by stage-pxe for entry '" + label +
           "'; same syntax as aoe-target --export\n" + aoe.dotted() + "=" + iso.string() + "\n";
}

} // namespace aoe::pxe
