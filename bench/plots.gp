# Plots for bench/results/results.md (scripts/bench writes the .dat files from raw/*.json, then runs this).
set terminal pngcairo size 900,560 font "DejaVu Sans,10" noenhanced
set xrange [0.8:180]
set logscale x 2
set xtics (1, 8, 32, 128)
set xlabel "requests in flight (depth)"
set grid
set key top left

set output "throughput.png"
set title "AoE 2-sector/17-sector reads over veth (net_af_packet client): commands/s"
set ylabel "commands/s"
plot "veth-aoe-target-1500.dat" using 1:2 with linespoints lw 2 title "aoe-target MTU 1500", \
     "veth-vblade-1500.dat" using 1:2 with linespoints lw 2 title "vblade -b 128 MTU 1500", \
     "veth-aoe-target-9000.dat" using 1:2 with linespoints lw 2 dt 2 title "aoe-target MTU 9000", \
     "veth-vblade-9000.dat" using 1:2 with linespoints lw 2 dt 2 title "vblade -b 128 MTU 9000"

set output "latency.png"
set title "Latency over veth: p50 (solid) and p99 (dashed)"
set ylabel "microseconds"
set logscale y 10
plot "veth-aoe-target-1500.dat" using 1:4 with linespoints lw 2 lc 1 title "aoe-target 1500 p50", \
     "veth-vblade-1500.dat" using 1:4 with linespoints lw 2 lc 2 title "vblade 1500 p50", \
     "veth-aoe-target-9000.dat" using 1:4 with linespoints lw 2 lc 3 title "aoe-target 9000 p50", \
     "veth-vblade-9000.dat" using 1:4 with linespoints lw 2 lc 4 title "vblade 9000 p50", \
     "veth-aoe-target-1500.dat" using 1:5 with linespoints lw 1 lc 1 dt 2 title "aoe-target 1500 p99", \
     "veth-vblade-1500.dat" using 1:5 with linespoints lw 1 lc 2 dt 2 title "vblade 1500 p99", \
     "veth-aoe-target-9000.dat" using 1:5 with linespoints lw 1 lc 3 dt 2 title "aoe-target 9000 p99", \
     "veth-vblade-9000.dat" using 1:5 with linespoints lw 1 lc 4 dt 2 title "vblade 9000 p99"
