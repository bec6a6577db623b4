// What differs between the three boot-config formats stage-pxe manages (pxelinux, GRUB for
// UEFI PXE, iPXE): how an entry looks, how a label is declared, how the default is chosen.
// Pure functions on text; the managed-block editor does the splicing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aoe::pxe {

enum class ConfigKind { Pxelinux, Grub, Ipxe };

inline constexpr std::string_view kDefaultBlockId = "@default";
inline constexpr std::string_view kDisabledPrefix = "# stage-pxe --default: ";

struct EntrySpec {
    std::string label;  // LABEL / menuentry id / iPXE label
    std::string kernel; // path relative to the TFTP root ("boot/linux") or an http:// URL
    std::string initrd; // likewise; empty: a kernel-only entry (--kernel-only)
    std::string args;   // kernel arguments, without initrd=
};

const char* kind_name(ConfigKind k);

// Why `url` cannot be --http's base URL ("" when it can): http:// (the scheme all three loaders
// fetch), a host, an optional port 1-65535, and no character that a pxelinux, GRUB or iPXE
// line would split or expand. GRUB gets (http,HOST)/path, or (http,HOST,PORT)/path.
std::string http_base_problem(std::string_view url);

// Kernel arguments: [rd.kiwi.live.pxe rd.neednet=1 ip=dhcp] root=live:AOEINTERFACE=eS.L [extra]
std::string compose_args(bool kiwi_net, std::string_view aoe_client_name, std::string_view extra);

// What a KIWI KIS initrd (kiwi-overlay) needs to come up alone, in the order they are written:
// rd.driver.pre=aoe loads the aoe module before udev (kiwi-overlay installs it, nothing loads
// it), rd.neednet=1 ip=dhcp make dracut configure the NIC. The one place to adjust them.
inline constexpr std::string_view kKisNetArgs = "rd.driver.pre=aoe rd.neednet=1 ip=dhcp";
// Kernel arguments of a dracut livenet entry: rd.neednet=1 ip=dhcp root=live:URL [extra].
std::string compose_livenet_args(std::string_view url, std::string_view extra);
// Kernel arguments of a KIS entry: [kKisNetArgs] root=overlay:aoe=eS.L [extra]. kiwi_net false:
// KIWI's documented line to the letter (root=overlay:aoe=eS.L alone).
std::string compose_kis_args(bool kiwi_net, std::string_view aoe_client_name,
                             std::string_view extra);

// The body of an image's managed block. For pxelinux with the seed's arguments this is the
// seed's entry to the letter. Without an initrd: the kernel and e.args only (pxelinux
// "append -" when there are none, so the file's global APPEND is not passed either).
std::string render_entry(ConfigKind k, const EntrySpec& e);

// The body of the @default block. `previous` is the old body (settings such as PROMPT/TIMEOUT
// are kept; only the line that names the default changes). fresh: the file is being created.
std::string render_default(ConfigKind k, std::string_view label, std::string_view previous,
                           bool fresh);
// Which label the @default block names ("" if none).
std::string default_label_of(ConfigKind k, std::string_view body);

// Text of a config file we create (before any block).
std::string fresh_file(ConfigKind k);
// Where the @default block goes when absent: the top, after iPXE's "#!ipxe" line.
std::size_t default_block_offset(ConfigKind k, std::string_view text);

// Labels declared outside our blocks (pxelinux LABEL, GRUB menuentry title and --id, iPXE :label).
std::vector<std::string> foreign_labels(ConfigKind k, std::string_view text);
// --default: comment out the admin's own default choice outside our blocks (pxelinux DEFAULT
// and ONTIMEOUT, GRUB "set default="), with a prefix that restore_foreign_defaults undoes.
std::string disable_foreign_defaults(ConfigKind k, std::string_view text);
std::string restore_foreign_defaults(std::string_view text);

// --adopt: comment out the admin's own entry for `label` (pxelinux LABEL stanza, GRUB
// menuentry, iPXE :label section) so ours can take the name; release_adopted undoes it when our
// entry is removed.
std::string adopt_foreign(ConfigKind k, std::string_view text, std::string_view label);
std::string release_adopted(std::string_view text, std::string_view label);
std::string adopted_prefix(std::string_view label);

} // namespace aoe::pxe
