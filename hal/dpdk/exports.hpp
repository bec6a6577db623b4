// Exports at run time: publish one (start-up and reload), and SIGHUP's reload of the export
// list (docs/decisions.md: the control thread publishes into the fixed table with an RCU-style
// swap; lcores never wait on it). Control thread only.
#pragma once

#include <string>

#include "hal/dpdk/runtime.hpp"

namespace aoehal {

// Fills an Export for `s` (its image is open), registers a read-only image with DPDK as
// external memory and publishes it into the table. False with a message on failure.
bool publish_export(Runtime& rt, ExportSlot& s, std::string& error);

// Waits until every running lcore has passed a quiescent point after this call: from then
// on none holds a pointer to an export retired before it. False on timeout.
bool wait_grace(Runtime& rt, int timeout_ms = 2000);

// Re-reads the configuration (rt.cmdline: --config, --export-dir) and applies the new export
// list: new exports published, removed ones retired (after a grace period their images are
// unregistered and unmapped), changed ones (other file, rw) replaced, unchanged ones left
// alone. A configuration error, an image that does not open or a full table changes
// nothing. Messages go to stderr. Returns true when the new list is in force.
bool reload_exports(Runtime& rt);

// "e0.1" for messages.
std::string export_label(const ExportSpec& e);

} // namespace aoehal
