# Sourced (bash) by the tests that run aoe-target in a pair of network namespaces joined by a
# veth: unique names per run, one temp dir, and one cleanup that runs on every exit path.
#
#   netns_begin PREFIX   sets id, NT=<PREFIX>T<pid>, NC=<PREFIX>C<pid>, WORK (temp dir),
#                        pids=() (processes to stop), EXTRA_NS=() (more namespaces to delete),
#                        and traps EXIT INT TERM. A caller may define netns_on_cleanup (runs
#                        after the processes and namespaces are gone, before WORK is removed).
#   netns_no_ipv6 NS...  no IPv6 chatter (RS/NS) on those namespaces' links.
#   veth_link NS_A IF_A NS_B IF_B [MTU]   a veth between two namespaces, both ends up.

netns_begin() {
    id=$$
    NT=${1}T$id NC=${1}C$id
    WORK=$(mktemp -d "/tmp/aoe-$1.XXXXXX")
    pids=() EXTRA_NS=()
    trap netns_cleanup EXIT INT TERM
    ip netns add "$NT"
    ip netns add "$NC"
}

netns_cleanup() {
    local rc=$? p ns
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.3
    for ns in "$NT" "$NC" "${EXTRA_NS[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    if declare -F netns_on_cleanup >/dev/null; then netns_on_cleanup || true; fi
    rm -rf "$WORK"
    exit "$rc"
}

netns_no_ipv6() {
    local ns
    for ns; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
}

veth_link() {
    local mtu=()
    [ -n "${5:-}" ] && mtu=(mtu "$5")
    ip link add "$2" "${mtu[@]}" type veth peer name "$4" "${mtu[@]}"
    ip link set "$2" netns "$1"
    ip link set "$4" netns "$3"
    ip -n "$1" link set "$2" up
    ip -n "$3" link set "$4" up
}
