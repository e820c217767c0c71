#pragma once

#include "sim/simmodel.h"

#include <optional>

namespace sextant::sim {

// A Kubernetes label selector: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`;
// commas join requirements with AND.
class LabelSelector {
public:
    // nullopt + error message when the text does not parse.
    static std::optional<LabelSelector> parse(const Str& text, Str* error);
    bool matches(const KV& labels) const;
    bool empty() const { return m_reqs.empty(); }

private:
    enum class Op { Eq, NotEq, Exists, NotExists, In, NotIn };
    struct Req {
        Str key;
        Op op;
        std::vector<Str> values;
    };
    std::vector<Req> m_reqs;
};

// Cron schedule matching for sync windows (minute hour day-of-month month day-of-week; `*`,
// lists, ranges and steps). Times are UTC.
bool cronMatches(const Str& schedule, long long epochSeconds);
// Whether a window with this schedule and duration covers `now`.
bool windowActive(const Str& schedule, const Str& duration, long long now);

} // namespace sextant::sim
