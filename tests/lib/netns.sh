# shellcheck shell=bash
# Sourced (bash): the one way the tests and the e2e harness make network namespaces, links and
# bridges. The tests that run aoe-target in a pair of namespaces joined by a veth use the whole
# life cycle (netns_begin: unique names per run, one temp dir, one cleanup on every exit path);
# scripts/e2e/lib.sh and tests/metal/*.sh keep their own life cycle (logs kept on failure, QEMU
# to stop) and make their bridge, taps and teardown with the functions below.
#
#   netns_begin PREFIX   sets id, NT=<PREFIX>T<pid>, NC=<PREFIX>C<pid>, WORK (temp dir),
#                        pids=() (processes to stop), EXTRA_NS=() (more namespaces to delete),
#                        and traps EXIT INT TERM. A caller may define netns_on_cleanup (runs
#                        after the processes and namespaces are gone, before WORK is removed).
#   netns_no_ipv6 NS...  no IPv6 chatter (RS/NS) on those namespaces' links.
#   veth_link NS_A IF_A NS_B IF_B [MTU]   a veth between two namespaces, both ends up.
#   netns_bridge NS BR MTU   lo up, and bridge BR up in NS: STP off, forward delay 0, no
#                        multicast snooping, fixed MAC 02:ae:0b:00:00:01. No snooping: a snooping
#                        bridge joins 224.0.0.106 (all-snoopers) when it comes up and sends two
#                        IGMPv3 reports about 1 and 2 s later, stray frames for a test that
#                        counts every frame at the target (docs/testing.md). The fixed MAC: left
#                        alone a bridge takes its first port's MAC when a tap joins, and a target
#                        that read the bridge's MAC at start-up (vblade) then answers from an
#                        address the bridge no longer delivers locally.
#   netns_tap NS TAP BR MTU  a persistent tap made inside NS, at MTU, in bridge BR, up.
#   netns_remove NS...   kills what still runs in each namespace, deletes its taps and bridges
#                        (persistent taps outlive a namespace otherwise) and the namespace.

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
    netns_remove "$NT" "$NC" "${EXTRA_NS[@]}"
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

netns_bridge() {
    local nsx=(ip netns exec "$1")
    "${nsx[@]}" ip link set lo up &&
        "${nsx[@]}" ip link add "$2" type bridge stp_state 0 forward_delay 0 mcast_snooping 0 &&
        "${nsx[@]}" ip link set "$2" address 02:ae:0b:00:00:01 mtu "$3" &&
        "${nsx[@]}" ip link set "$2" up
}

netns_tap() {
    local nsx=(ip netns exec "$1")
    "${nsx[@]}" ip tuntap add dev "$2" mode tap &&
        "${nsx[@]}" ip link set "$2" mtu "$4" &&
        "${nsx[@]}" ip link set "$2" master "$3" &&
        "${nsx[@]}" ip link set "$2" up &&
        "${nsx[@]}" ip link set "$3" mtu "$4"
}

netns_remove() {
    local ns p
    for ns; do
        if [ -z "$ns" ] || ! ip netns list 2>/dev/null | grep -qw "^$ns"; then continue; fi
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        # shellcheck disable=SC2016 # expanded by the sh inside the namespace
        ip netns exec "$ns" sh -c 'for d in /sys/class/net/tap* /sys/class/net/br*; do [ -e "$d" ] && ip link del "${d##*/}"; done' \
            2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
}
