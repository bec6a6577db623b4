#!/usr/bin/env python3
"""Classifies one sanitizer/libFuzzer report (the replay of a crash, leak, timeout or OOM artifact)
by its stack, for run_fuzz_iso.sh (docs/decisions.md, "stage-pxe": faults inside Debian's
libisofs are findings, not hidden; faults in our code fail).

    classify_fault.py SRC_DIR REPORT_FILE [MORE_SAMPLES...]

Prints one line "OWNER<TAB>KIND<TAB>TOP_FRAME" and then the top frames, indented:
  OWNER ours        the first frame that is ours-or-libisofs is in SRC_DIR (iso/, pxe/, tests/...),
                    or a UBSan runtime error (libisofs is not instrumented, so UBSan is always ours)
        libisofs    that first frame is in libisofs.so; for a leak, every direct leak's first
                    such frame is in libisofs
                    A timeout is a sample of where the program was when the alarm struck, so it
                    takes more than one: it is libisofs' only if every sample is inside libisofs
                    called from the same line of ours (one libisofs call that never returns);
                    samples that differ mean the loop is ours (it keeps calling in)
        none        the replay reported nothing (e.g. a timeout that needed a loaded machine)
        unknown     a report without any frame of ours or libisofs (counted as a failure)
Frames of the C/C++ runtime, the sanitizers and libFuzzer are skipped: they are neither ours nor
libisofs'. Inline std:: templates (/usr/include/c++) are skipped too, so the caller decides.
"""
import os
import re
import sys

src_dir = ""

FRAME = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+\s*(?:in )?(.*)$")


def frame_owner(text, src):
    if "libisofs.so" in text:
        return "libisofs"
    # "in func /path/file.cpp:line:col" (symbolized) or "(/path/module+0x...)".
    m = re.search(r" (/[^ :()]+)(?::\d+)*(?::\d+)?\s*$", text)
    path = m.group(1) if m else ""
    if path.startswith(src + "/") and "/build/" not in path[len(src):]:
        return "ours"
    return None


def stacks(lines):
    """Yields (header, frames) for every stack in the report, header = the line before it."""
    header, frames = "", []
    for line in lines:
        m = FRAME.match(line)
        if m:
            if m.group(1) == "0" and frames:
                yield header, frames
                frames = []
            frames.append(m.group(2) or line.strip())
        else:
            if frames:
                yield header, frames
                frames = []
            if line.strip():
                header = line.strip()
    if frames:
        yield header, frames


def first_owned(frames, src):
    for i, f in enumerate(frames):
        o = frame_owner(f, src)
        if o:
            return o, i
    return None, -1


def short(frame):
    frame = re.sub(r" \(BuildId: [0-9a-f]+\)", "", frame)
    frame = re.sub(r"\(/[^ ]*/(lib[^/ ]+\+0x[0-9a-f]+)\)", r"(\1)", frame)  # module+offset
    return re.sub(r"\s+", " ", frame)[:200]


def chain(frames, i, n=8):
    """From the first owned frame down to (and including) the first frame of ours."""
    out = []
    for f in frames[max(i, 0):]:
        if frame_owner(f, src_dir) is None:
            continue
        out.append(short(f))
        if frame_owner(f, src_dir) == "ours" or len(out) >= n:
            break
    return " <- ".join(out)


# libisofs calls that hand the caller memory to free (libisofs.h): a leak allocated under one of
# them is a missing free/unref of ours, even though every allocating frame is libisofs'.
CALLER_OWNS = {
    "iso_tree_get_node_path", "iso_image_get_bootcat", "iso_image_get_all_boot_imgs",
    "iso_read_opts_new", "iso_data_source_new_from_file", "iso_image_new", "iso_dir_get_children",
}


def api_entry(frames, i):
    """The libisofs function our code called (the last libisofs frame before ours)."""
    entry = None
    for f in frames[i:]:
        o = frame_owner(f, src_dir)
        if o == "ours":
            break
        if o == "libisofs":
            entry = f.split(" ", 1)[0]
    return entry


def caller_of(frames, i):
    """The first frame of ours below position i: the line that called into libisofs."""
    return next((f for f in frames[i:] if frame_owner(f, src_dir) == "ours"), "-")


def main():
    global src_dir
    src = src_dir = os.path.realpath(sys.argv[1])
    report = sys.argv[2]
    with open(report, errors="replace") as f:
        lines = f.read().splitlines()

    kind = None
    for line in lines:
        m = re.search(r"ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer|MemorySanitizer): (.*)", line)
        if m:
            what = m.group(2)
            what = re.sub(r" on (unknown )?address.*| \(used:.*| after \d+ seconds.*", "", what)
            kind = f"{m.group(1)}: {what.strip()}"
            break
        if "runtime error:" in line:
            kind = "UBSan: " + line.split("runtime error:", 1)[1].strip()[:120]
            break
    if kind is None:
        print("none\tno report\t-")
        return

    all_stacks = list(stacks(lines))
    if kind.startswith("UBSan"):
        top = next((f for _, fr in all_stacks for f in fr if frame_owner(f, src)), "-")
        print(f"ours\t{kind}\t{short(top)}")
        return

    if kind.startswith("LeakSanitizer"):
        leaks = [(h, fr) for h, fr in all_stacks if h.startswith("Direct leak")]
        if not leaks:
            leaks = [(h, fr) for h, fr in all_stacks if "leak of" in h]
        owners, tops, shown = [], [], []
        for h, fr in leaks:
            o, i = first_owned(fr, src)
            entry = api_entry(fr, max(i, 0)) if o == "libisofs" else None
            # iso_image_import also returns the features struct it allocates itself.
            if entry in CALLER_OWNS or (entry == "iso_image_import" and
                                         fr[i].split(" ", 1)[0] == entry):
                o = "ours"
                h += f" [{entry} returns it to the caller to free]"
            owners.append(o)
            tops.append(fr[i] if i >= 0 else "-")
            # The line of ours whose libisofs call allocated it.
            caller = caller_of(fr, max(i, 0))
            shown.append(f"{h}\n      {chain(fr, i)}")
            del caller
        if not owners:
            owner = "unknown"
        elif "ours" in owners:
            owner = "ours"
        elif all(o == "libisofs" for o in owners):
            owner = "libisofs"
        else:
            owner = "unknown"
        top = tops[owners.index(owner)] if owner in owners else (tops[0] if tops else "-")
        print(f"{owner}\t{kind}\t{short(top)}")
        for s in shown[:6]:
            print("    " + s)
        return

    # Crash, timeout, OOM: the first stack after the ERROR line is where it happened.
    fr = all_stacks[0][1] if all_stacks else []
    o, i = first_owned(fr, src)
    if "timeout" in kind:
        # The first sample may be "<empty stack>" (dropped below like any other).
        samples = [(o, fr[i] if i >= 0 else "-", caller_of(fr, max(i, 0)), fr)]
        for extra in sys.argv[3:]:
            with open(extra, errors="replace") as f:
                st = list(stacks(f.read().splitlines()))
            efr = st[0][1] if st else []
            eo, ei = first_owned(efr, src)
            samples.append((eo, efr[ei] if ei >= 0 else "-", caller_of(efr, max(ei, 0)), efr))
        # The unwinder sometimes gets nothing out of a signal frame ("<empty stack>"): such a
        # sample is dropped; two real ones are needed.
        samples = [x for x in samples if x[0] is not None]
        same_call = len({c for _, _, c, _ in samples}) == 1
        if len(samples) < 2:
            o = "unknown"  # one sample cannot tell a hang inside libisofs from a loop of ours
        elif all(so == "libisofs" for so, _, _, _ in samples) and same_call:
            o = "libisofs"
        else:
            o = "ours"
        # Named by the innermost function of ours that every sample is in (the loop), so the
        # same hang sampled at different moments counts as one.
        def ours_funcs(frames):
            return [re.sub(r" /\S+$", "", f) for f in frames if frame_owner(f, src) == "ours"]
        common = [f for f in ours_funcs(samples[0][3])
                  if all(f in ours_funcs(x[3]) for x in samples[1:])]
        top = samples[0][1] if o == "libisofs" else (common[0] if common else samples[0][2])
        print(f"{o}\t{kind}\t{short(top)}")
        for n, (so, t, caller, _) in enumerate(samples):
            print(f"    sample {n}: {so}: {short(t)} | called from: {short(caller)}")
        if common:
            print("    every sample inside: " + " <- ".join(short(f) for f in common[:4]))
        return
    if o is None:
        print(f"unknown\t{kind}\t-")
    else:
        print(f"{o}\t{kind}\t{short(fr[i])}")
    start = max(i, 0)
    for f in fr[start:start + 8]:
        print("    " + short(f))


if __name__ == "__main__":
    main()
