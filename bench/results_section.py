"""What storm_report.py and wholeboot_report.py share: drawing a plot with gnuplot and putting
their section into bench/results/results.md between its markers (appended when the markers
are missing), so that a run of one section leaves the rest of the file as it was."""
import os
import subprocess


def plot(out, name, lines, dats):
    """Runs the gnuplot script LINES in OUT (where the .dat files DATS are), then removes the
    script and the data files: the plot is what stays."""
    gpf = os.path.join(out, f"{name}.gp.tmp")
    with open(gpf, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    subprocess.run(["gnuplot", os.path.basename(gpf)], cwd=out, check=True)
    os.remove(gpf)
    for p in dats:
        os.remove(p)


def replace(out, begin, end, section):
    """Writes SECTION between the markers BEGIN and END of the results file in OUT."""
    res = f"{out}/results.md"
    text = open(res).read() if os.path.exists(res) else "# aoe-target benchmark results\n"
    if begin in text and end in text:
        a, b = text.index(begin), text.index(end) + len(end)
        text = text[:a] + section.rstrip("\n") + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(res, "w") as fh:
        fh.write(text)
