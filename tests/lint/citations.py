#!/usr/bin/env python3
"""lint.citations: every Markdown document the tree cites must be in the tree.

Usage: citations.py ROOT          check the repository at ROOT; exit 1 on any bad citation
       citations.py --self-test   check the rule itself on a scratch repository

Which files are read: the files git would carry, `git ls-files --cached --others
--exclude-standard` (tracked ones and new ones not ignored), minus binary files (a NUL byte in
the first 8 KiB) and the data folders bench/results/raw/ and tests/fuzz/corpus/.

What a citation is: on one line, a word made of letters, digits and `_ - . /`, ending in `.md`
with a non-empty file name before it, and not preceded by a letter, digit or one of
`_ - . / ~ $ { } % * @ \\` (so shell and template expansions such as `$OUT/x` + `.md`, globs
and URLs are not citations). Examples: `decisions` + `.md`, `docs/testing` + `.md`,
`../shared/docs/x` + `.md`, `/abs/path/x` + `.md`.

How it must resolve:
  - an absolute path never resolves (a clone holds only the tree);
  - any other name is taken relative to the citing file's folder, then relative to the
    repository root; it must name a file of the set above, inside the repository.
    A bare name therefore works for a sibling file (`results` + `.md` next to bench/README.md)
    or a file at the root (`ARCHITECTURE` + `.md`); a document in docs/ is cited from elsewhere
    as `docs/NAME` + `.md`.
  - A section written right after the name (`docs/aoe-protocol.md §3`, also `§1.2, §3`) must
    exist in that file as a Markdown heading starting with that number (`## 3. ...`,
    `### 1.2 ...`).

Every failure is printed as `FILE:LINE: NAME` (with the missing section, if that is what fails).

Folder READMEs (the second rule): a folder's README.md must name every file of that folder
(the files directly in it, by their file name, a path ending in it, or a glob such as
`*.json` that matches it; CMakeLists.txt, the build file of every folder, need not be named),
and every file name it writes must exist: a word ending in a source extension (SOURCE_EXTS
below: `.cpp`, `.hpp`, `.py`, `.sh`, ...) is taken relative to the README's folder, then to the
root; a bare name may also be a file anywhere in the repository (a README names its
neighbours' files by their names). So a new file its README does not mention, or a README that
still names a file that was renamed or removed, fails. Failures print as
`README:0: omits NAME` and `README:LINE: no file NAME`. The root README.md, the admin's manual,
names files of the admin's machine and of other projects too: it is held to the first half only. Folders in NOT_YET_HELD are reported
with what they omit but do not fail (their READMEs are brought up to the rule separately).
"""
import fnmatch
import os
import re
import subprocess
import sys
import tempfile

DATA_DIRS = ("bench/results/raw/", "tests/fuzz/corpus/")
EXT = ".md"
_name = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
CITE = re.compile(r"(?<![A-Za-z0-9_./~${}%*@\\-])(/?(?:[A-Za-z0-9_.-]+/)*" + _name +
                  re.escape(EXT) + r")(?![A-Za-z0-9_]|\.[A-Za-z0-9_])")
SECTION_FIRST = re.compile(r"[`'\"]?\s*§\s*(\d+(?:\.\d+)*)")
SECTION_MORE = re.compile(r"\s*,\s*§\s*(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?(?:\s|$)")

README = "README" + EXT
UNNAMED = ("CMakeLists.txt",)
SOURCE_EXTS = ("cpp", "hpp", "h", "c", "S", "py", "sh", "cmake", "scd", "ld")
FILE_NAME = re.compile(r"(?<![A-Za-z0-9_./~${}%*@\\<-])((?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9][A-Za-z0-9_.-]*"
                       r"\.(?:" + "|".join(SOURCE_EXTS) + r"))(?![A-Za-z0-9_*>-]|\.[A-Za-z0-9_])")
WORD = re.compile(r"[A-Za-z0-9_.*/-]+")
NOT_YET_HELD = ()


def repo_files(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"], check=True, capture_output=True).stdout
    return sorted({p for p in out.decode().split("\0") if p and os.path.isfile(os.path.join(root, p))})


def is_text(path):
    with open(path, "rb") as fh:
        return b"\0" not in fh.read(8192)


def sections(path, cache):
    if path not in cache:
        found = set()
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                m = HEADING.match(line)
                if m:
                    found.add(m.group(1))
        cache[path] = found
    return cache[path]


def resolve(name, citing, files):
    """The repository path `name` names when cited from file `citing`, or None."""
    if name.startswith("/"):
        return None
    for base in (os.path.dirname(citing), ""):
        p = os.path.normpath(os.path.join(base, name))
        if not p.startswith("..") and p in files:
            return p
    return None


def check(root):
    root = os.path.abspath(root)
    files = repo_files(root)
    fileset = set(files)
    cache, bad, count, scanned = {}, [], 0, 0
    for rel in files:
        if rel.startswith(DATA_DIRS):
            continue
        full = os.path.join(root, rel)
        if not is_text(full):
            continue
        scanned += 1
        with open(full, encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                for m in CITE.finditer(line):
                    count += 1
                    name = m.group(1)
                    target = resolve(name, rel, fileset)
                    if target is None:
                        bad.append(f"{rel}:{lineno}: {name}")
                        continue
                    rest = line[m.end():]
                    s = SECTION_FIRST.match(rest)
                    cited = []
                    while s:
                        cited.append(s.group(1))
                        rest = rest[s.end():]
                        s = SECTION_MORE.match(rest)
                    have = sections(os.path.join(root, target), cache) if cited else set()
                    for sec in cited:
                        if sec not in have:
                            bad.append(f"{rel}:{lineno}: {name} §{sec} (no such section in {target})")
    readme_bad, held, pending = check_readmes(root, files, fileset)
    for b in bad + readme_bad:
        print(b)
    for p in pending:
        print(f"note (not yet held to the README rule): {p}")
    print(f"lint: {count} citations of {EXT} files in {scanned} files checked, "
          f"{len(bad)} unresolved; {held} folder READMEs checked, {len(readme_bad)} failures")
    return 1 if bad or readme_bad else 0


def check_readmes(root, files, fileset):
    """The folder README rule (module header): (failures, READMEs checked, notes)."""
    basenames = {os.path.basename(f) for f in files}
    bad, pending, held = [], [], 0
    for readme in files:
        if os.path.basename(readme) != README or readme.startswith(DATA_DIRS):
            continue
        folder = os.path.dirname(readme)
        with open(os.path.join(root, readme), encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
        words = {w.rstrip(".") for line in lines for w in WORD.findall(line)}
        globs = [w for w in words if "*" in w]
        fails = []
        for f in files:
            name = os.path.basename(f)
            if os.path.dirname(f) != folder or f == readme or name in UNNAMED:
                continue
            if name in words or any(w.endswith("/" + name) for w in words) or \
                    any(fnmatch.fnmatchcase(name, os.path.basename(g)) for g in globs):
                continue
            fails.append(f"{readme}:0: omits {name}")
        # The root README is the admin's manual: it also names files on the admin's machine
        # and inside other projects' images (KIWI's dracut scripts), so only its first half holds.
        for lineno, line in enumerate(lines if folder else [], 1):
            for m in FILE_NAME.finditer(line):
                name = m.group(1)
                if resolve(name, readme, fileset) or ("/" not in name and name in basenames):
                    continue
                fails.append(f"{readme}:{lineno}: no file {name}")
        if folder in NOT_YET_HELD:
            pending += fails
        else:
            held += 1
            bad += fails
    return bad, held, pending


def self_test():
    """A scratch repository with one good and one bad citation of each kind."""
    md = EXT
    docs = {
        "docs/proto" + md: "# Proto\n## 1. One\n### 1.2 One two\n## 3. Three\n",
        "docs/README" + md: "see proto" + md + " and ../README" + md + "\n",
        "README" + md: "see docs/proto" + md + " §1.2, §3 and ARCH" + md + "; .gitignore\n",
        "lib/README" + md: "\n".join([
            "- `x.cpp`, `sub/deep.hpp`: named",     # good: x.cpp is here, sub/deep.hpp below
            "- `*.json`: results",                  # good: a glob names r.json
            "- `gone.hpp`: renamed since",          # bad: no such file
            "- see `docs/proto" + md + "` and a.cpp",  # good: files elsewhere, a bare name too
            "- `$OUT/x.py`, <name>.sh, CMakeLists.txt",  # not file names; the build file
        ]) + "\n",
        "lib/x.cpp": "\n", "lib/r.json": "{}\n", "lib/CMakeLists.txt": "\n",
        "lib/omitted.sh": "\n",                    # bad: its README does not name it
        "lib/sub/deep.hpp": "\n",
        "ARCH" + md: "root file\n",
        "src/a.cpp": "\n".join([
            "// docs/proto" + md + " §3",              # good
            "// `docs/proto" + md + "` §1.2",          # good
            "// proto" + md + " §1",                   # bad: bare name of a docs/ file
            "// docs/proto" + md + " §2",              # bad: no section 2
            "// docs/proto" + md + " §1.2, §4",        # bad: §4
            "// ../../outside/docs/x" + md,            # bad: leaves the repository
            "// /abs/docs/x" + md,                     # bad: absolute
            "// see README" + md + " and ARCH" + md,   # good: root files
            "// $OUT/results" + md + " ${D}/x" + md,   # not citations
            "// https://example.org/x/README" + md,   # not a citation
            "// *" + md + " files, a" + md + ".bak",  # not citations
            "// ignored/x" + md,                       # bad: the file is git-ignored
        ]) + "\n",
        "ignored/x" + md: "an ignored file\n",
        ".gitignore": "/ignored/\n",
    }
    expect = sorted([
        "src/a.cpp:3: proto" + md,
        "src/a.cpp:4: docs/proto" + md + " §2 (no such section in docs/proto" + md + ")",
        "src/a.cpp:5: docs/proto" + md + " §4 (no such section in docs/proto" + md + ")",
        "src/a.cpp:6: ../../outside/docs/x" + md,
        "src/a.cpp:7: /abs/docs/x" + md,
        "src/a.cpp:12: ignored/x" + md,
        "lib/README" + md + ":0: omits omitted.sh",
        "lib/README" + md + ":3: no file gone.hpp",
    ])
    with tempfile.TemporaryDirectory() as d:
        for rel, text in docs.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)) or d, exist_ok=True)
            with open(os.path.join(d, rel), "w") as fh:
                fh.write(text)
        subprocess.run(["git", "init", "-q", d], check=True)
        r = subprocess.run([sys.executable, __file__, d], capture_output=True, text=True)
        got = sorted(l for l in r.stdout.splitlines() if not l.startswith("lint: "))
        if r.returncode != 1 or got != expect:
            print("self-test FAILED\nexpected:\n  " + "\n  ".join(expect) +
                  f"\ngot (exit {r.returncode}):\n  " + "\n  ".join(got))
            return 1
    print(f"lint: citations self-test passed ({len(expect)} bad citations and README names found, "
          "no false ones)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    sys.exit(check(sys.argv[1]))
