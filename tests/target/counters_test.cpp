// The counters' names (target/counters.hpp): every counter of EngineCounters and
// ExportCounters is walked once, under a name of its own, so no platform needs a list.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "target/counters.hpp"

TEST_CASE("for_each_counter: every engine counter once, each name once") {
    aoe::EngineCounters c;
    // A distinct value in every counter, so each walked value says which counter it read.
    auto* all = reinterpret_cast<aoe::Counter*>(&c);
    constexpr int kCounters = sizeof c / sizeof(aoe::Counter);
    static_assert(sizeof c == kCounters * sizeof(aoe::Counter), "EngineCounters is only Counters");
    for (int i = 0; i < kCounters; ++i) all[i].add(std::uint64_t{1} << i % 40);
    std::set<std::string> names;
    std::set<std::uint64_t> values;
    int walked = 0;
    aoe::for_each_counter(c, [&](const char* prefix, const char* name, std::uint64_t v) {
        ++walked;
        CHECK(names.insert(std::string(prefix) + name).second);
        if (std::string(name) != "dropped" && std::string(name) != "silent") values.insert(v);
    });
    // Every counter but aoe_errors[0] (code 0 is never sent), plus the two sums.
    CHECK(walked == kCounters - 1 + 2);
    CHECK(values.size() == static_cast<std::size_t>(kCounters - 1));
    CHECK(names.count("drop_no_buffer") == 1);
    CHECK(names.count("silent_looped") == 1);
    CHECK(names.count("aoe_error_6") == 1);
    CHECK(names.count("peer_table_full") == 1);
}

TEST_CASE("for_each_counter: every export counter once, each name once") {
    aoe::ExportCounters c;
    constexpr int kCounters = sizeof c / sizeof(aoe::Counter);
    static_assert(sizeof c == kCounters * sizeof(aoe::Counter), "ExportCounters is only Counters");
    std::set<std::string> names;
    aoe::for_each_counter(c, [&](const char* name, std::uint64_t) { names.insert(name); });
    CHECK(names.size() == static_cast<std::size_t>(kCounters));
}

TEST_CASE("the error-code names are the codes") {
    for (int i = 0; i < aoe::kAoeErrorCodes; ++i)
        CHECK(std::string(aoe::kAoeErrorCodeNames[i]) == std::to_string(i));
}
