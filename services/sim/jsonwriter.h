#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace sextant::sim {

// A minimal streaming JSON writer into a std::string. The simulator serialises tens of
// thousands of Applications per list call; building nlohmann trees for that costs seconds and
// gigabytes, appending bytes costs milliseconds.
class JsonWriter {
public:
    explicit JsonWriter(std::string& out)
        : m_out(out) {
        m_first.reserve(32);
    }

    void beginObject() {
        separator();
        m_out.push_back('{');
        m_first.push_back(true);
    }
    void endObject() {
        m_out.push_back('}');
        m_first.pop_back();
    }
    void beginArray() {
        separator();
        m_out.push_back('[');
        m_first.push_back(true);
    }
    void endArray() {
        m_out.push_back(']');
        m_first.pop_back();
    }
    void key(std::string_view k) {
        separator();
        appendString(k);
        m_out.push_back(':');
        m_afterKey = true;
    }
    void value(std::string_view v) {
        separator();
        appendString(v);
    }
    void value(const char* v) { value(std::string_view(v)); }
    void value(const std::string& v) { value(std::string_view(v)); }
    void value(bool v) {
        separator();
        m_out.append(v ? "true" : "false");
    }
    void value(int v) { value(static_cast<long long>(v)); }
    void value(long v) { value(static_cast<long long>(v)); }
    void value(long long v) {
        separator();
        char buf[24];
        int n = std::snprintf(buf, sizeof buf, "%lld", v);
        m_out.append(buf, static_cast<size_t>(n));
    }
    void value(unsigned long long v) { value(static_cast<long long>(v)); }
    void value(unsigned long v) { value(static_cast<long long>(v)); }
    void null() {
        separator();
        m_out.append("null");
    }
    // Already-serialised JSON.
    void raw(std::string_view json) {
        separator();
        m_out.append(json);
    }

    // Helpers: key + value; the "opt" forms skip empty strings (Go omitempty).
    template <typename T>
    void kv(std::string_view k, const T& v) {
        key(k);
        value(v);
    }
    void opt(std::string_view k, std::string_view v) {
        if (!v.empty()) {
            key(k);
            value(v);
        }
    }
    void optTrue(std::string_view k, bool v) {
        if (v) {
            key(k);
            value(true);
        }
    }
    void optInt(std::string_view k, long long v) {
        if (v != 0) {
            key(k);
            value(v);
        }
    }
    template <typename Vec>
    void stringArray(std::string_view k, const Vec& items) {
        key(k);
        beginArray();
        for (const auto& s : items)
            value(std::string_view(s));
        endArray();
    }
    template <typename Vec>
    void optStringArray(std::string_view k, const Vec& items) {
        if (!items.empty())
            stringArray(k, items);
    }

    void appendString(std::string_view s) {
        m_out.push_back('"');
        size_t start = 0;
        for (size_t i = 0; i < s.size(); ++i) {
            const unsigned char c = static_cast<unsigned char>(s[i]);
            if (c >= 0x20 && c != '"' && c != '\\')
                continue;
            m_out.append(s.data() + start, i - start);
            switch (c) {
            case '"':
                m_out.append("\\\"");
                break;
            case '\\':
                m_out.append("\\\\");
                break;
            case '\n':
                m_out.append("\\n");
                break;
            case '\r':
                m_out.append("\\r");
                break;
            case '\t':
                m_out.append("\\t");
                break;
            default: {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                m_out.append(buf);
            }
            }
            start = i + 1;
        }
        m_out.append(s.data() + start, s.size() - start);
        m_out.push_back('"');
    }

private:
    void separator() {
        if (m_afterKey) {
            m_afterKey = false;
            return;
        }
        if (m_first.empty())
            return;
        if (m_first.back())
            m_first.back() = false;
        else
            m_out.push_back(',');
    }

    std::string& m_out;
    std::vector<bool> m_first;
    bool m_afterKey = false;
};

} // namespace sextant::sim
