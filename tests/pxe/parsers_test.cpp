#include "aoe_address.hpp"
#include "boot_config.hpp"
#include "grub_cfg.hpp"
#include "isolinux_cfg.hpp"
#include "line_diff.hpp"

#include <doctest/doctest.h>

using namespace aoe::pxe;

TEST_CASE("isolinux.cfg: labels, kernel/linux, initrd= in append, INITRD, includes") {
    auto cfg = parse_isolinux_cfg("default vesamenu.c32\r\n"
                                  "INCLUDE menu.cfg\n"
                                  "  # comment\n"
                                  "label live\n"
                                  "  menu label ^Live\n"
                                  "  kernel /live/vmlinuz\n"
                                  "  append initrd=/live/initrd.img boot=live components quiet\n"
                                  "LABEL two\n"
                                  "  LINUX vmlinuz\n"
                                  "  INITRD ucode.img,initrd.gz\n"
                                  "  APPEND root=live:CDLABEL=X\n"
                                  "label hd\n"
                                  "  localboot 0x80\n");
    CHECK(cfg.default_label == "vesamenu.c32");
    CHECK(cfg.includes == std::vector<std::string>{"menu.cfg"});
    REQUIRE(cfg.entries.size() == 2);
    CHECK(cfg.entries[0].label == "live");
    CHECK(cfg.entries[0].kernel == "/live/vmlinuz");
    CHECK(cfg.entries[0].initrds == std::vector<std::string>{"/live/initrd.img"});
    CHECK(cfg.entries[0].args == "boot=live components quiet");
    CHECK(cfg.entries[1].kernel == "vmlinuz");
    CHECK(cfg.entries[1].initrds == std::vector<std::string>{"ucode.img", "initrd.gz"});
    CHECK(parse_isolinux_cfg("").entries.empty());
    CHECK(parse_isolinux_cfg("kernel x\nappend y\n").entries.empty()); // no LABEL
}

TEST_CASE("grub.cfg: menuentry, linuxefi, device prefixes, unresolved variables") {
    auto es = parse_grub_cfg(
        "set timeout=5\n"
        "menuentry 'Live (x86_64)' --class os {\n"
        "    set gfxpayload=keep\n"
        "    linuxefi ($root)/boot/x86_64/loader/linux root=live:CDLABEL=KIWI rd.live.image\n"
        "    initrdefi ($root)/boot/x86_64/loader/initrd\n"
        "}\n"
        "menuentry \"var\" {\n"
        "  linux ${kernel} quiet\n"
        "  initrd ${initrd}\n"
        "}\n"
        "submenu 'more' {\n"
        "  menuentry 'nested' {\n"
        "    linux /casper/vmlinuz boot=casper\n"
        "  initrd /casper/ucode /casper/initrd\n"
        "  }\n"
        "}\n"
        "linux (cd0)/arch/vmlinuz\n"
        "initrd (cd0)/arch/initrd.img\n");
    REQUIRE(es.size() == 3);
    CHECK(es[0].label == "Live (x86_64)");
    CHECK(es[0].kernel == "/boot/x86_64/loader/linux");
    CHECK(es[0].initrds == std::vector<std::string>{"/boot/x86_64/loader/initrd"});
    CHECK(es[0].args == "root=live:CDLABEL=KIWI rd.live.image");
    CHECK(es[1].label == "nested");
    CHECK(es[1].initrds == std::vector<std::string>{"/casper/ucode", "/casper/initrd"});
    CHECK(es[2].kernel == "/arch/vmlinuz");
    CHECK(parse_grub_cfg("}}}{{{").empty());
}

TEST_CASE("--aoe accepts eS.L and S.L and refuses broadcast values") {
    auto a = parse_aoe_address("e0.1");
    REQUIRE(a);
    CHECK(a->shelf == 0);
    CHECK(a->slot == 1);
    CHECK(a->client_name() == "e0.1");
    CHECK(a->dotted() == "0.1");
    CHECK(parse_aoe_address("7.12")->client_name() == "e7.12");
    CHECK(parse_aoe_address("E65534.254"));
    std::string why;
    CHECK_FALSE(parse_aoe_address("e65535.1", &why));
    CHECK(why.find("broadcast") != std::string::npos);
    CHECK_FALSE(parse_aoe_address("4095.1"));
    CHECK_FALSE(parse_aoe_address("0.255"));
    for (const char* bad : {"", "e", "e0", "e0.", "e.1", "x0.1", "0.1.2", "-1.1", "0x1.1", "0. 1"})
        CHECK_MESSAGE(!parse_aoe_address(bad), bad);
}

TEST_CASE("the default pxelinux entry is the seed's, plus the KIWI network arguments") {
    EntrySpec seed{"Live-Boot", "boot/linux", "boot/initrd", compose_args(false, "e0.1", "")};
    // docs/seed-procedure.md step 3, to the letter.
    CHECK(render_entry(ConfigKind::Pxelinux, seed) ==
          "LABEL Live-Boot\n"
          "    kernel boot/linux\n"
          "    append initrd=boot/initrd root=live:AOEINTERFACE=e0.1\n");
    EntrySpec def = seed;
    def.args = compose_args(true, "e0.1", "  console=ttyS0 ");
    CHECK(render_entry(ConfigKind::Pxelinux, def) ==
          "LABEL Live-Boot\n"
          "    kernel boot/linux\n"
          "    append initrd=boot/initrd rd.kiwi.live.pxe rd.neednet=1 ip=dhcp "
          "root=live:AOEINTERFACE=e0.1 console=ttyS0\n");
    auto g = render_entry(ConfigKind::Grub, seed);
    CHECK(g.find("linux (tftp)/boot/linux root=live:AOEINTERFACE=e0.1\n") != std::string::npos);
    CHECK(g.find("initrd (tftp)/boot/initrd\n") != std::string::npos);
    auto i = render_entry(ConfigKind::Ipxe, seed);
    CHECK(i == ":Live-Boot\nkernel tftp://${next-server}/boot/linux initrd=initrd "
               "root=live:AOEINTERFACE=e0.1\ninitrd --name initrd "
               "tftp://${next-server}/boot/initrd\nboot\n");
    EntrySpec http = seed;
    http.kernel = "http://10.0.0.1/tftp/boot/linux";
    CHECK(render_entry(ConfigKind::Grub, http).find("linux (http,10.0.0.1)/tftp/boot/linux") !=
          std::string::npos);
}

TEST_CASE("--http entries: every loader names kernel and initrd by HTTP, in its own syntax") {
    EntrySpec e{"Live-Boot", "http://10.77.0.1/boot/linux", "http://10.77.0.1/boot/initrd",
                compose_args(true, "e0.1", "")};
    // lpxelinux.0: URLs in KERNEL and in initrd= (syslinux's "pxelinux" wiki, HTTP and FTP).
    CHECK(render_entry(ConfigKind::Pxelinux, e) ==
          "LABEL Live-Boot\n"
          "    kernel http://10.77.0.1/boot/linux\n"
          "    append initrd=http://10.77.0.1/boot/initrd rd.kiwi.live.pxe rd.neednet=1 "
          "ip=dhcp root=live:AOEINTERFACE=e0.1\n");
    // GRUB: the http device, (http,SERVER)/path.
    CHECK(render_entry(ConfigKind::Grub, e) ==
          "menuentry 'Live-Boot' --id Live-Boot {\n"
          "    linux (http,10.77.0.1)/boot/linux rd.kiwi.live.pxe rd.neednet=1 ip=dhcp "
          "root=live:AOEINTERFACE=e0.1\n"
          "    initrd (http,10.77.0.1)/boot/initrd\n}\n");
    // iPXE: the URLs as they are.
    CHECK(render_entry(ConfigKind::Ipxe, e) ==
          ":Live-Boot\nkernel http://10.77.0.1/boot/linux initrd=initrd rd.kiwi.live.pxe "
          "rd.neednet=1 ip=dhcp root=live:AOEINTERFACE=e0.1\n"
          "initrd --name initrd http://10.77.0.1/boot/initrd\nboot\n");
    // A port is GRUB's third field: "(http,host:8080)" would be looked up as a host name.
    e.kernel = "http://boot.example:8080/tftp/boot/linux";
    e.initrd = "http://boot.example:8080/tftp/boot/initrd";
    auto g = render_entry(ConfigKind::Grub, e);
    CHECK(g.find("    linux (http,boot.example,8080)/tftp/boot/linux ") != std::string::npos);
    CHECK(g.find("    initrd (http,boot.example,8080)/tftp/boot/initrd\n") != std::string::npos);
    CHECK(render_entry(ConfigKind::Pxelinux, e)
              .find("kernel http://boot.example:8080/tftp/boot/linux\n") != std::string::npos);
    CHECK(render_entry(ConfigKind::Ipxe, e)
              .find("kernel http://boot.example:8080/tftp/boot/linux ") != std::string::npos);
    // An IPv6 literal keeps its brackets; its colons are not a port.
    e.kernel = "http://[fd99::1]/boot/linux";
    CHECK(render_entry(ConfigKind::Grub, e).find("linux (http,[fd99::1])/boot/linux ") !=
          std::string::npos);
}

TEST_CASE("--http's base URL: http:// with a host, an optional port, nothing the configs split") {
    for (const char* ok : {"http://10.0.0.1", "http://10.0.0.1/", "http://10.0.0.1/tftp",
                           "http://boot.example:8080/a/b", "http://[fd99::1]:80/tftp"})
        CHECK_MESSAGE(http_base_problem(ok).empty(), ok);
    auto why = http_base_problem("10.0.0.1/tftp");
    CHECK(why.find("not an http:// URL") != std::string::npos);
    CHECK(http_base_problem("https://10.0.0.1/").find("not an http:// URL") != std::string::npos);
    CHECK(http_base_problem("tftp://10.0.0.1/").find("not an http:// URL") != std::string::npos);
    CHECK(http_base_problem("http:///tftp").find("names no host") != std::string::npos);
    CHECK(http_base_problem("http://h:0/").find("port '0'") != std::string::npos);
    CHECK(http_base_problem("http://h:65536/").find("port '65536'") != std::string::npos);
    CHECK(http_base_problem("http://h:x/").find("port 'x'") != std::string::npos);
    CHECK(http_base_problem("http://h/a b").find("a space") != std::string::npos);
    for (const char* bad : {"http://h/a?x=1", "http://h/a#f", "http://${next-server}/",
                            "http://h/a'b", "http://h/a\"b", "http://h/a;b", "http://h/a\tb"})
        CHECK_MESSAGE(!http_base_problem(bad).empty(), bad);
}

TEST_CASE(
    "a kernel-only entry (--kernel-only): no initrd, no AoE root, only --append's arguments") {
    // The parser keeps an entry without an initrd (iPXE's isolinux.cfg, to the letter).
    auto cfg = parse_isolinux_cfg("SAY iPXE ISO boot image\nTIMEOUT 0\nDEFAULT ipxe.lkrn\n"
                                  "LABEL ipxe.lkrn\n KERNEL ipxe.krn\n");
    CHECK(cfg.default_label == "ipxe.lkrn");
    REQUIRE(cfg.entries.size() == 1);
    CHECK(cfg.entries[0].label == "ipxe.lkrn");
    CHECK(cfg.entries[0].kernel == "ipxe.krn");
    CHECK(cfg.entries[0].initrds.empty());

    EntrySpec ko{"ipxe", "boot/ipxe/linux", "", ""};
    // "append -": nothing, not even a global APPEND of the admin's file.
    CHECK(render_entry(ConfigKind::Pxelinux, ko) ==
          "LABEL ipxe\n    kernel boot/ipxe/linux\n    append -\n");
    CHECK(render_entry(ConfigKind::Grub, ko) ==
          "menuentry 'ipxe' --id ipxe {\n    linux (tftp)/boot/ipxe/linux\n}\n");
    CHECK(render_entry(ConfigKind::Ipxe, ko) ==
          ":ipxe\nkernel tftp://${next-server}/boot/ipxe/linux\nboot\n");
    ko.args = "console=ttyS0";
    CHECK(render_entry(ConfigKind::Pxelinux, ko) ==
          "LABEL ipxe\n    kernel boot/ipxe/linux\n    append console=ttyS0\n");
    CHECK(render_entry(ConfigKind::Grub, ko) ==
          "menuentry 'ipxe' --id ipxe {\n    linux (tftp)/boot/ipxe/linux console=ttyS0\n}\n");
    CHECK(render_entry(ConfigKind::Ipxe, ko) ==
          ":ipxe\nkernel tftp://${next-server}/boot/ipxe/linux console=ttyS0\nboot\n");
}

TEST_CASE("unified diff") {
    CHECK(unified_diff("a\nb\n", "a\nb\n", "f").empty());
    auto d = unified_diff("a\nb\nc\n", "a\nB\nc\nd\n", "pxelinux.cfg/default");
    CHECK(d == "--- a/pxelinux.cfg/default\n+++ b/pxelinux.cfg/default\n@@ -1,3 +1,4 @@\n "
               "a\n-b\n+B\n c\n+d\n");
    auto created = unified_diff("", "x\n", "new");
    CHECK(created.find("@@ -0,0 +1,1 @@\n+x\n") != std::string::npos);
}
