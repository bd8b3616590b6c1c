"""The C++ driver (C++17 and C++20): parses the tests' arguments from JSON, converts each to whatever type the
candidate's function declares (a conversion-operator proxy: long or long long, float or double, vector,
map, unordered_map, tuple, pair, optional, string), calls it and writes the result as JSON."""
from __future__ import annotations

import json

from sandbox.calltypes import Type

PRELUDE = r"""
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>
#include <unistd.h>
namespace vgdrv {
struct V { int k = 0; bool b = false; long long i = 0; double d = 0; std::string s; std::vector<V> a; };
inline void utf8(std::string& o, unsigned cp) {
  if (cp < 0x80) o += (char)cp;
  else if (cp < 0x800) { o += (char)(0xC0 | (cp >> 6)); o += (char)(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) { o += (char)(0xE0 | (cp >> 12)); o += (char)(0x80 | ((cp >> 6) & 0x3F)); o += (char)(0x80 | (cp & 0x3F)); }
  else { o += (char)(0xF0 | (cp >> 18)); o += (char)(0x80 | ((cp >> 12) & 0x3F)); o += (char)(0x80 | ((cp >> 6) & 0x3F)); o += (char)(0x80 | (cp & 0x3F)); }
}
struct Parser {
  const char* p;
  void ws() { while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') ++p; }
  V parse() {
    ws(); V v;
    if (*p == 'n') { p += 4; }
    else if (*p == 't') { p += 4; v.k = 1; v.b = true; }
    else if (*p == 'f') { p += 5; v.k = 1; }
    else if (*p == '"') {
      v.k = 4; ++p;
      while (*p != '"') {
        if (*p != '\\') { v.s += *p++; continue; }
        ++p; char c = *p++;
        if (c == 'n') v.s += '\n'; else if (c == 't') v.s += '\t'; else if (c == 'r') v.s += '\r';
        else if (c == 'b') v.s += '\b'; else if (c == 'f') v.s += '\f';
        else if (c == 'u') {
          unsigned cp = std::strtoul(std::string(p, 4).c_str(), nullptr, 16); p += 4;
          if (cp >= 0xD800 && cp < 0xDC00 && p[0] == '\\' && p[1] == 'u') {
            unsigned lo = std::strtoul(std::string(p + 2, 4).c_str(), nullptr, 16); p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          utf8(v.s, cp);
        } else v.s += c;
      }
      ++p;
    } else if (*p == '[') {
      v.k = 5; ++p; ws();
      if (*p == ']') { ++p; return v; }
      for (;;) { v.a.push_back(parse()); ws(); if (*p == ',') { ++p; continue; } ++p; break; }
    } else {
      const char* s = p; bool fl = false;
      if (*p == '-') ++p;
      while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-') {
        if (*p == '.' || *p == 'e' || *p == 'E') fl = true;
        ++p;
      }
      std::string t(s, p);
      if (fl) { v.k = 3; v.d = std::strtod(t.c_str(), nullptr); }
      else { v.k = 2; v.i = std::strtoll(t.c_str(), nullptr, 10); v.d = (double)v.i; }
    }
    return v;
  }
};
template <class T> struct Conv {
  static T from(const V& v) {
    if constexpr (std::is_same_v<T, bool>) return v.b;
    else if constexpr (std::is_integral_v<T>) return (T)v.i;
    else if constexpr (std::is_floating_point_v<T>) return (T)(v.k == 2 ? (double)v.i : v.d);
    else if constexpr (std::is_same_v<T, std::string>) return v.s;
    else static_assert(sizeof(T) == 0, "verigrade driver: unsupported parameter type");
  }
};
template <class T, class A> struct Conv<std::vector<T, A>> {
  static std::vector<T, A> from(const V& v) { std::vector<T, A> r; for (const V& x : v.a) r.push_back(Conv<T>::from(x)); return r; }
};
template <class K, class T, class C, class A> struct Conv<std::map<K, T, C, A>> {
  static std::map<K, T, C, A> from(const V& v) { std::map<K, T, C, A> r; for (const V& e : v.a) r.emplace(Conv<K>::from(e.a[0]), Conv<T>::from(e.a[1])); return r; }
};
template <class K, class T, class H, class E, class A> struct Conv<std::unordered_map<K, T, H, E, A>> {
  static std::unordered_map<K, T, H, E, A> from(const V& v) { std::unordered_map<K, T, H, E, A> r; for (const V& e : v.a) r.emplace(Conv<K>::from(e.a[0]), Conv<T>::from(e.a[1])); return r; }
};
template <class A, class B> struct Conv<std::pair<A, B>> {
  static std::pair<A, B> from(const V& v) { return {Conv<A>::from(v.a[0]), Conv<B>::from(v.a[1])}; }
};
template <class... Ts> struct Conv<std::tuple<Ts...>> {
  template <std::size_t... I> static std::tuple<Ts...> build(const V& v, std::index_sequence<I...>) { return std::tuple<Ts...>(Conv<Ts>::from(v.a[I])...); }
  static std::tuple<Ts...> from(const V& v) { return build(v, std::index_sequence_for<Ts...>{}); }
};
template <class T> struct Conv<std::optional<T>> {
  static std::optional<T> from(const V& v) { if (v.k == 0) return std::nullopt; return Conv<T>::from(v); }
};
struct Arg { const V& v; template <class T> operator T() const { return Conv<T>::from(v); } };

inline void out(std::string& o, bool b);
inline void out(std::string& o, const std::string& s);
inline void out(std::string& o, const char* s);
template <class T> std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>> out(std::string& o, T x);
template <class T> std::enable_if_t<std::is_floating_point_v<T>> out(std::string& o, T x);
template <class T, class A> void out(std::string& o, const std::vector<T, A>& v);
template <class K, class T, class C, class A> void out(std::string& o, const std::map<K, T, C, A>& m);
template <class K, class T, class H, class E, class A> void out(std::string& o, const std::unordered_map<K, T, H, E, A>& m);
template <class A, class B> void out(std::string& o, const std::pair<A, B>& p);
template <class... Ts> void out(std::string& o, const std::tuple<Ts...>& t);
template <class T> void out(std::string& o, const std::optional<T>& x);

inline void out(std::string& o, bool b) { o += b ? "true" : "false"; }
inline void out(std::string& o, const std::string& s) {
  o += '"';
  for (unsigned char c : s) {
    if (c == '"') o += "\\\""; else if (c == '\\') o += "\\\\";
    else if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); o += b; }
    else o += (char)c;
  }
  o += '"';
}
inline void out(std::string& o, const char* s) { out(o, std::string(s)); }
template <class T> std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>> out(std::string& o, T x) { o += std::to_string(x); }
template <class T> std::enable_if_t<std::is_floating_point_v<T>> out(std::string& o, T x) {
  if (std::isnan(x)) o += "NaN";
  else if (std::isinf(x)) o += x > 0 ? "Infinity" : "-Infinity";
  else { char b[64]; std::snprintf(b, sizeof b, "%.17g", (double)x); o += b; }
}
template <class T, class A> void out(std::string& o, const std::vector<T, A>& v) {
  o += '['; bool first = true;
  for (const auto& x : v) { if (!first) o += ','; first = false; out(o, (T)x); }
  o += ']';
}
template <class M> void out_map(std::string& o, const M& m) {
  o += '['; bool first = true;
  for (const auto& e : m) { if (!first) o += ','; first = false; o += '['; out(o, e.first); o += ','; out(o, e.second); o += ']'; }
  o += ']';
}
template <class K, class T, class C, class A> void out(std::string& o, const std::map<K, T, C, A>& m) { out_map(o, m); }
template <class K, class T, class H, class E, class A> void out(std::string& o, const std::unordered_map<K, T, H, E, A>& m) { out_map(o, m); }
template <class A, class B> void out(std::string& o, const std::pair<A, B>& p) { o += '['; out(o, p.first); o += ','; out(o, p.second); o += ']'; }
template <class... Ts> void out(std::string& o, const std::tuple<Ts...>& t) {
  o += '['; bool first = true;
  std::apply([&](const auto&... x) { ((o += first ? "" : ",", first = false, out(o, x)), ...); }, t);
  o += ']';
}
template <class T> void out(std::string& o, const std::optional<T>& x) { if (!x) o += "null"; else out(o, *x); }
}  // namespace vgdrv
"""

MAIN = r"""
int main(int argc, char** argv) {
  static const char* vg_args = R"%(delim)s(%(args)s)%(delim)s";
  vgdrv::V vg_all = vgdrv::Parser{vg_args}.parse();
  const vgdrv::V& vg_a = vg_all.a[std::atoi(argv[1])];
  int vg_fd = std::atoi(argv[argc - 1]);
  auto vg_result = %(fn)s(%(call)s);
  std::string vg_out;
  vgdrv::out(vg_out, vg_result);
  vg_out += '\n';
  std::size_t vg_off = 0;
  while (vg_off < vg_out.size()) {
    ssize_t n = write(vg_fd, vg_out.data() + vg_off, vg_out.size() - vg_off);
    if (n <= 0) return 1;
    vg_off += (std::size_t)n;
  }
  return 0;
}
"""


def driver(code: str, fn: str, params: list[Type], returns: Type, args: list[list]) -> str:
    text = json.dumps(args, ensure_ascii=False)
    delim = "VGJSON"
    while f"){delim}\"" in text:
        delim += "X"
    call = ", ".join(f"vgdrv::Arg{{vg_a.a[{i}]}}" for i in range(len(params)))
    return PRELUDE + "\n" + code + "\n" + MAIN % {"delim": delim, "args": text, "fn": fn, "call": call}
