// The per-lcore run-to-completion loop, in the shape of DPDK's l2fwd: receive a burst on each
// port, hand every frame to the engine (or to another lcore's ring), buffer the replies,
// flush the TX buffers, and back off when idle. Nothing here allocates, frees or locks:
// mbufs come from pools made at start-up and rings are fixed-size and lock-free.
#pragma once

#include "hal/dpdk/runtime.hpp"

namespace aoehal {

// rte_eal_remote_launch entry point; `arg` is a LcoreCtx*.
int lcore_main(void* arg);

} // namespace aoehal

// Hook for the allocation probe (hal/probe): resolved only when the LD_PRELOAD library that
// counts malloc/free/locks on armed threads is loaded; a null weak symbol otherwise.
extern "C" void aoe_probe_thread_arm(int armed) __attribute__((weak));
