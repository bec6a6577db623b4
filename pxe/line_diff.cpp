#include "line_diff.hpp"

#include "text_util.hpp"

#include <algorithm>
#include <vector>

namespace aoe::pxe {

std::string unified_diff(std::string_view before, std::string_view after, std::string_view name) {
    if (before == after) return {};
    auto a = text::lines(before);
    auto b = text::lines(after);
    const std::size_t n = a.size(), m = b.size();
    // Edit script from an LCS table; configs are small. Very large inputs fall back to
    // "everything removed, everything added", which is still a correct diff.
    std::vector<char> ops; // ' ', '-', '+'
    std::vector<std::size_t> ia, ib;
    if (n * m <= 4'000'000) {
        std::vector<std::vector<unsigned>> L(n + 1, std::vector<unsigned>(m + 1, 0));
        for (std::size_t i = n; i-- > 0;)
            for (std::size_t j = m; j-- > 0;)
                L[i][j] = a[i] == b[j] ? L[i + 1][j + 1] + 1 : std::max(L[i + 1][j], L[i][j + 1]);
        std::size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[i] == b[j]) {
                ops.push_back(' ');
                ia.push_back(i++);
                ib.push_back(j++);
            } else if (j < m && (i == n || L[i][j + 1] > L[i + 1][j])) {
                ops.push_back('+');
                ia.push_back(i);
                ib.push_back(j++);
            } else {
                ops.push_back('-');
                ia.push_back(i++);
                ib.push_back(j);
            }
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            ops.push_back('-');
            ia.push_back(i);
            ib.push_back(0);
        }
        for (std::size_t j = 0; j < m; ++j) {
            ops.push_back('+');
            ia.push_back(n);
            ib.push_back(j);
        }
    }
    std::string out = "--- a/" + std::string(name) + "\n+++ b/" + std::string(name) + "\n";
    const std::size_t ctx = 3;
    std::size_t k = 0;
    while (k < ops.size()) {
        if (ops[k] == ' ') {
            ++k;
            continue;
        }
        std::size_t start = k >= ctx ? k - ctx : 0;
        std::size_t end = k;
        // Extend the hunk while changes are within 2*ctx of each other.
        std::size_t last_change = k;
        while (end < ops.size()) {
            if (ops[end] != ' ')
                last_change = end;
            else if (end - last_change > 2 * ctx)
                break;
            ++end;
        }
        end = std::min(ops.size(), last_change + ctx + 1);
        std::size_t a_start = ia[start], b_start = ib[start], a_len = 0, b_len = 0;
        for (std::size_t x = start; x < end; ++x) {
            if (ops[x] != '+') ++a_len;
            if (ops[x] != '-') ++b_len;
        }
        out += "@@ -" + std::to_string(a_len ? a_start + 1 : a_start) + "," +
               std::to_string(a_len) + " +" + std::to_string(b_len ? b_start + 1 : b_start) + "," +
               std::to_string(b_len) + " @@\n";
        for (std::size_t x = start; x < end; ++x) {
            out += ops[x];
            out += ops[x] == '+' ? std::string(b[ib[x]]) : std::string(a[ia[x]]);
            out += '\n';
        }
        k = end;
    }
    return out;
}

} // namespace aoe::pxe
