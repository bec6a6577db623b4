#include "hal/dpdk/flow_steer.hpp"

#include <rte_ethdev.h>
#include <rte_flow.h>

#include <vector>

#include "target/wire.hpp"

namespace aoehal {

bool install_flow_steering(std::uint16_t port, std::uint16_t nq, std::string& why) {
    rte_flow_attr attr{};
    attr.ingress = 1;

    rte_flow_item_eth spec{};
    rte_flow_item_eth mask{};
    spec.hdr.ether_type = rte_cpu_to_be_16(aoe::kEtherTypeAoe);
    mask.hdr.ether_type = 0xFFFF;
    rte_flow_item pattern[2]{};
    pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH;
    pattern[0].spec = &spec;
    pattern[0].mask = &mask;
    pattern[1].type = RTE_FLOW_ITEM_TYPE_END;

    // One client's frames stay on one queue (its tags and retransmit memo stay together).
    std::vector<std::uint16_t> queues(nq);
    for (std::uint16_t q = 0; q < nq; ++q) queues[q] = q;
    rte_flow_action_rss rss{};
    rss.func = RTE_ETH_HASH_FUNCTION_DEFAULT;
    rss.types = RTE_ETH_RSS_ETH | RTE_ETH_RSS_L2_SRC_ONLY;
    rss.queue_num = nq;
    rss.queue = queues.data();
    rte_flow_action actions[2]{};
    actions[0].type = RTE_FLOW_ACTION_TYPE_RSS;
    actions[0].conf = &rss;
    actions[1].type = RTE_FLOW_ACTION_TYPE_END;

    rte_flow_error err{};
    if (rte_flow_validate(port, &attr, pattern, actions, &err) != 0 ||
        rte_flow_create(port, &attr, pattern, actions, &err) == nullptr) {
        why = err.message ? err.message : "rte_flow not supported";
        return false;
    }
    return true;
}

} // namespace aoehal
