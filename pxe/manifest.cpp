#include "manifest.hpp"

#include "atomic_file.hpp"
#include "errors.hpp"

#include <nlohmann/json.hpp>

namespace aoe::pxe {

using nlohmann::json;

namespace {

json to_json(const StagedFile& f) {
    return json{{"path", f.path}, {"source", f.source}, {"size", f.size}, {"sha256", f.sha256}};
}
StagedFile staged_from(const json& j) {
    StagedFile f;
    f.path = j.at("path").get<std::string>();
    f.source = j.value("source", "");
    f.size = j.at("size").get<std::uint64_t>();
    f.sha256 = j.at("sha256").get<std::string>();
    return f;
}

} // namespace

Manifest load_manifest(const std::filesystem::path& file) {
    Manifest m;
    std::string text;
    if (!read_file(file, text)) return m;
    try {
        auto j = json::parse(text);
        for (const auto& [label, e] : j.at("images").items()) {
            ManifestEntry me;
            me.label = label;
            me.iso = e.at("iso").get<std::string>();
            me.iso_size = e.at("iso_size").get<std::uint64_t>();
            me.iso_mtime_ns = e.at("iso_mtime_ns").get<std::int64_t>();
            me.volume_id = e.value("volume_id", "");
            me.layout = e.value("layout", "");
            me.aoe = e.at("aoe").get<std::string>();
            me.args = e.value("args", "");
            me.kernel = staged_from(e.at("kernel"));
            me.initrd = staged_from(e.at("initrd"));
            me.configs = e.value("configs", std::vector<std::string>{});
            me.export_file = e.value("export_file", "");
            me.kernel_only = e.value("kernel_only", false);
            if (e.contains("kis")) {
                const auto& k = e.at("kis");
                me.kind = "kis";
                me.kis_from = k.at("from").get<std::string>();
                me.kis_source = k.at("source").get<std::string>();
                me.kis_source_size = k.value("source_size", std::uint64_t{0});
                me.kis_source_mtime_ns = k.value("source_mtime_ns", std::int64_t{0});
                me.image_unpacked = k.value("image_unpacked", false);
            }
            m.images[label] = me;
        }
    } catch (const json::exception& ex) {
        throw Failure("'" + file.string() + "': damaged manifest (" + ex.what() +
                      "); move it away to start over");
    }
    return m;
}

std::string dump_manifest(const Manifest& m) {
    json images = json::object();
    for (const auto& [label, e] : m.images) {
        images[label] = json{{"iso", e.iso},
                             {"iso_size", e.iso_size},
                             {"iso_mtime_ns", e.iso_mtime_ns},
                             {"volume_id", e.volume_id},
                             {"layout", e.layout},
                             {"aoe", e.aoe},
                             {"args", e.args},
                             {"kernel", to_json(e.kernel)},
                             {"initrd", to_json(e.initrd)},
                             {"configs", e.configs},
                             {"export_file", e.export_file}};
        if (e.kernel_only) images[label]["kernel_only"] = true;
        if (e.kind == "kis")
            images[label]["kis"] = json{{"from", e.kis_from},
                                        {"source", e.kis_source},
                                        {"source_size", e.kis_source_size},
                                        {"source_mtime_ns", e.kis_source_mtime_ns},
                                        {"image_unpacked", e.image_unpacked}};
    }
    json j{{"format", "stage-pxe manifest 1"}, {"images", images}};
    return j.dump(2) + "\n";
}

} // namespace aoe::pxe
