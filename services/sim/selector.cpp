#include "sim/selector.h"

#include "sim/scenario.h"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace sextant::sim {

static Str trim(const Str& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    return s.substr(b, e - b);
}

static bool validKey(const Str& k) {
    if (k.empty() || k.size() > 317)
        return false;
    for (char c : k)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
              c == '/'))
            return false;
    return true;
}

std::optional<LabelSelector> LabelSelector::parse(const Str& text, Str* error) {
    LabelSelector sel;
    std::vector<Str> terms;
    Str cur;
    int depth = 0;
    for (char c : text) {
        if (c == '(')
            ++depth;
        if (c == ')')
            --depth;
        if (c == ',' && depth == 0) {
            terms.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    terms.push_back(cur);
    auto bad = [&](const Str& why) -> std::optional<LabelSelector> {
        if (error)
            *error = "couldn't parse the selector string \"" + text + "\": " + why;
        return std::nullopt;
    };
    if (depth != 0)
        return bad("unbalanced parentheses");
    for (const auto& raw : terms) {
        const Str t = trim(raw);
        if (t.empty()) {
            if (terms.size() == 1)
                return sel;
            return bad("found ',', expected: identifier");
        }
        Req r;
        auto setPair = [&](size_t at, size_t oplen, Op op) {
            r.key = trim(t.substr(0, at));
            r.op = op;
            r.values = {trim(t.substr(at + oplen))};
        };
        const size_t paren = t.find('(');
        if (paren != Str::npos) {
            const size_t close = t.rfind(')');
            if (close == Str::npos || close < paren)
                return bad("expected ')'");
            const Str head = trim(t.substr(0, paren));
            const size_t sp = head.find_last_of(" \t");
            if (sp == Str::npos)
                return bad("expected 'in' or 'notin' in '" + t + "'");
            const Str op = trim(head.substr(sp + 1));
            r.key = trim(head.substr(0, sp));
            if (op == "in")
                r.op = Op::In;
            else if (op == "notin")
                r.op = Op::NotIn;
            else
                return bad("unknown operator '" + op + "'");
            Str inner = t.substr(paren + 1, close - paren - 1);
            size_t pos = 0;
            while (pos <= inner.size()) {
                size_t c = inner.find(',', pos);
                if (c == Str::npos)
                    c = inner.size();
                const Str v = trim(inner.substr(pos, c - pos));
                if (!v.empty())
                    r.values.push_back(v);
                pos = c + 1;
            }
            if (r.values.empty())
                return bad("for 'in', 'notin' operators, values set can't be empty");
        } else if (size_t p = t.find("!="); p != Str::npos) {
            setPair(p, 2, Op::NotEq);
        } else if (size_t q = t.find("=="); q != Str::npos) {
            setPair(q, 2, Op::Eq);
        } else if (size_t e = t.find('='); e != Str::npos) {
            setPair(e, 1, Op::Eq);
        } else if (t[0] == '!') {
            r.key = trim(t.substr(1));
            r.op = Op::NotExists;
        } else {
            r.key = t;
            r.op = Op::Exists;
        }
        if (!validKey(r.key))
            return bad("invalid label key \"" + r.key + "\"");
        sel.m_reqs.push_back(r);
    }
    return sel;
}

bool LabelSelector::matches(const KV& labels) const {
    for (const auto& r : m_reqs) {
        const Str* value = nullptr;
        for (const auto& [k, v] : labels)
            if (k == r.key)
                value = &v;
        switch (r.op) {
        case Op::Eq:
            if (!value || *value != r.values.front())
                return false;
            break;
        case Op::NotEq:
            if (value && *value == r.values.front())
                return false;
            break;
        case Op::Exists:
            if (!value)
                return false;
            break;
        case Op::NotExists:
            if (value)
                return false;
            break;
        case Op::In:
            if (!value || std::find(r.values.begin(), r.values.end(), *value) == r.values.end())
                return false;
            break;
        case Op::NotIn:
            if (value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end())
                return false;
            break;
        }
    }
    return true;
}

static bool fieldMatches(const Str& field, int value, int lo, int hi) {
    size_t pos = 0;
    while (pos <= field.size()) {
        size_t c = field.find(',', pos);
        if (c == Str::npos)
            c = field.size();
        Str item = field.substr(pos, c - pos);
        pos = c + 1;
        int step = 1;
        if (size_t s = item.find('/'); s != Str::npos) {
            step = std::max(1, std::atoi(item.c_str() + s + 1));
            item = item.substr(0, s);
        }
        int a = lo, b = hi;
        if (item != "*") {
            if (size_t d = item.find('-'); d != Str::npos) {
                a = std::atoi(item.substr(0, d).c_str());
                b = std::atoi(item.substr(d + 1).c_str());
            } else {
                a = b = std::atoi(item.c_str());
                if (step > 1)
                    b = hi;
            }
        }
        if (value >= a && value <= b && (value - a) % step == 0)
            return true;
    }
    return false;
}

bool cronMatches(const Str& schedule, long long t) {
    std::vector<Str> f;
    Str cur;
    for (char c : schedule + " ") {
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!cur.empty())
                f.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (f.size() != 5)
        return false;
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return fieldMatches(f[0], tm.tm_min, 0, 59) && fieldMatches(f[1], tm.tm_hour, 0, 23) &&
           fieldMatches(f[2], tm.tm_mday, 1, 31) && fieldMatches(f[3], tm.tm_mon + 1, 1, 12) &&
           (fieldMatches(f[4], tm.tm_wday, 0, 6) ||
            (tm.tm_wday == 0 && fieldMatches(f[4], 7, 0, 7)));
}

bool windowActive(const Str& schedule, const Str& duration, long long now) {
    const long long ms = parseDurationMs(duration);
    if (ms <= 0)
        return false;
    const long long minutes = std::min<long long>(ms / 60000 + 1, 7 * 24 * 60);
    const long long start = now - now % 60;
    for (long long i = 0; i < minutes; ++i) {
        const long long t = start - i * 60;
        if (cronMatches(schedule, t) && t + ms / 1000 > now)
            return true;
    }
    return false;
}

} // namespace sextant::sim
