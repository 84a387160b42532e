// bvlived.toml -> Settings, with toml++ (built with exceptions: toml::parse throws
// toml::parse_error). Every problem becomes one ConfigError line "FILE:LINE:COLUMN: what; fix".
#include "config/config_loader.hpp"
#include "core/drm/drm_system.hpp"

#include "live/json_reader.hpp"
#include "util/byte_size.hpp"
#include "core/security/client_address.hpp"
#include "core/security/geo_database.hpp"

#include <toml++/toml.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>
#include <tuple>

#if !TOML_EXCEPTIONS
#error "the config loader expects toml++ with exceptions (toml::parse throwing toml::parse_error)"
#endif

namespace bvlive {
namespace {

// One problem found while walking the document; the earliest one in the file is reported.
struct Problem {
  SourcePos pos;
  std::string message;
};

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s;
}

std::string json_quoted(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// A scalar as it would be written in TOML, for messages.
std::string show(const toml::node& n) {
  if (auto s = n.as_string()) return json_quoted(s->get());
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  if (auto f = n.as_floating_point()) {
    // The shortest form that reads back as the same double: 0.1, not 0.10000000000000001.
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, f->get());
    return std::string(buf, r.ptr);
  }
  std::ostringstream out;
  n.visit([&](const auto& v) { out << v; });
  return one_line(out.str());
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

bool valid_custom_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// "2026-11-29T10:00:00.250" (no zone) for a toml++ date-time.
std::string local_text(const toml::date_time& dt) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u", unsigned{dt.date.year},
                unsigned{dt.date.month}, unsigned{dt.date.day}, unsigned{dt.time.hour},
                unsigned{dt.time.minute}, unsigned{dt.time.second});
  std::string out = buf;
  if (dt.time.nanosecond) {
    std::snprintf(buf, sizeof buf, ".%09u", static_cast<unsigned>(dt.time.nanosecond));
    out += buf;
  }
  return out;
}

// x264's presets, fastest first.
const std::initializer_list<std::string_view> kX264Presets = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                                              "medium", "slow", "slower", "veryslow"};

// One key of a table: its name and how its value is read. Each table's keys are listed
// once, here in the reader, which is also what `bvlived --config-keys` prints.
struct KeyReader {
  std::string_view key;
  std::function<void(const toml::node& n, const std::string& name)> read;
};

class Loader {
 public:
  explicit Loader(const std::string& file) : file_(file) {}

  Settings load(const toml::table& root) {
    Settings s;
    s.config_file = file_;
    tables(root, s);
    guard([&] { check_api_exposure(s); });
    if (!problems_.empty()) {
      const auto first = std::min_element(problems_.begin(), problems_.end(), [](auto& a, auto& b) {
        return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
      });
      throw ConfigError(one_line(first->pos.str() + ": " + first->message));
    }
    return s;
  }

 private:
  struct Bad {
    SourcePos pos;
    std::string message;
  };

  SourcePos at(const toml::source_region& r) const {
    return SourcePos{file_, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
  }
  SourcePos at(const toml::node& n) const { return at(n.source()); }
  SourcePos at(const toml::key& k) const { return at(k.source()); }

  [[noreturn]] void fail(const SourcePos& pos, std::string message) const {
    throw Bad{pos, std::move(message)};
  }

  // Runs one step; a problem is recorded and the walk goes on, so the first one in the
  // file can be reported whatever the (sorted by name) order of toml++ tables.
  template <typename F>
  void guard(F&& step) {
    try {
      step();
    } catch (Bad& b) {
      problems_.push_back(Problem{std::move(b.pos), std::move(b.message)});
    }
  }

  [[noreturn]] void wrong_type(const toml::node& n, const std::string& name,
                               std::string_view expected) const {
    fail(at(n), name + ": expected " + std::string(expected) + ", got " +
                    std::string(type_name(n.type())) +
                    (n.is_table() || n.is_array() ? std::string() : " (" + show(n) + ")"));
  }

  void unknown(const toml::key& key, const std::string& table, const std::vector<std::string_view>& known,
               std::string_view otherwise) const {
    const std::string k(key.str());
    const std::string full = table.empty() ? k : table + "." + k;
    std::string_view best;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    for (auto cand : known) {
      const std::size_t d = edit_distance(k, cand);
      if (d < best_d) {
        best_d = d;
        best = cand;
      }
    }
    std::string msg = "unknown key '" + full + "'; ";
    if (!best.empty() && best_d <= std::max<std::size_t>(2, best.size() / 3))
      msg += "did you mean '" + (table.empty() ? std::string(best) : table + "." + std::string(best)) +
             "'?";
    else
      msg += std::string(otherwise);
    fail(at(key), msg);
  }

  // "[daemon], [defaults], ..., [[live]]".
  static std::string top_level_list(const std::vector<std::string_view>& tables) {
    std::string out;
    for (auto t : tables) out += (out.empty() ? "" : ", ") + (t == "live" ? "[[live]]" : "[" + std::string(t) + "]");
    return out;
  }

  template <typename List>
  static std::string key_list(const List& keys) {
    std::string out;
    for (auto k : keys) {
      if (!out.empty()) out += ", ";
      out += k;
    }
    return out;
  }

  const toml::table& section(const toml::node& n, const std::string& name, std::string_view header) {
    if (auto t = n.as_table()) return *t;
    wrong_type(n, name, "a table (" + std::string(header) + ")");
  }

  std::string string_value(const toml::node& n, const std::string& name) const {
    if (auto s = n.as_string()) return s->get();
    wrong_type(n, name, "a string");
  }

  bool bool_value(const toml::node& n, const std::string& name) const {
    if (auto b = n.as_boolean()) return b->get();
    wrong_type(n, name, "true or false");
  }

  DurationMs duration(const toml::node& n, const std::string& name) const {
    if (auto i = n.as_integer()) {
      const std::int64_t v = i->get();
      if (v < 0)
        fail(at(n), name + ": " + show(n) + " is negative; use a duration like \"12h\" or 0");
      if (v > std::numeric_limits<std::int64_t>::max() / 1000)
        fail(at(n), name + ": " + show(n) + " seconds is too long; use a duration like \"12h\"");
      return v * 1000;
    }
    if (auto s = n.as_string()) {
      if (auto d = parse_duration(s->get())) return *d;
      fail(at(n), name + ": " + show(n) + " is not a duration; use e.g. \"12h\", \"90m\", \"45s\"");
    }
    wrong_type(n, name, "a duration such as \"12h\", \"90m\", \"45s\" or a number of seconds");
  }

  void daemon(const toml::table& t, Settings& s) {
    read_section(t, "daemon", {
        {"socket", [&](auto& n, auto& name) { s.socket_path = string_value(n, name); }},
        {"socket_group", [&](auto& n, auto& name) { s.socket_group = string_value(n, name); }},
        {"socket_mode", [&](auto& n, auto& name) { s.socket_mode = socket_mode(n, name); }},
        {"state_dir", [&](auto& n, auto& name) { s.state_dir = string_value(n, name); }},
        {"log_level", [&](auto& n, auto& name) {
          const std::string v = string_value(n, name);
          auto l = parse_log_level(v);
          if (!l)
            fail(at(n), name + ": " + json_quoted(v) +
                            " is not a log level; use \"debug\", \"info\", \"warn\" or \"error\"");
          s.log_level = *l;
        }},
        {"max_request_bytes", [&](auto& n, auto& name) {
          auto i = n.as_integer();
          if (!i) wrong_type(n, name, "an integer number of bytes (at least 1024)");
          if (i->get() < 1024) fail(at(n), name + ": " + show(n) + " is too small; use at least 1024 (bytes)");
          if (static_cast<std::uint64_t>(i->get()) > std::numeric_limits<std::size_t>::max())
            fail(at(n), name + ": " + show(n) + " is too large");
          s.max_request_bytes = static_cast<std::size_t>(i->get());
        }},
        {"sync", [&](auto& n, auto& name) {
          const std::string v = string_value(n, name);
          std::string lower;
          for (char c : v) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
          if (lower == "full") s.sync_full = true;
          else if (lower == "normal") s.sync_full = false;
          else fail(at(n), name + ": " + json_quoted(v) + " is not a sync mode; use \"full\" or \"normal\"");
        }},
        {"public_host", [&](auto& n, auto& name) {
          s.public_host = string_value(n, name);
          if (s.public_host.find_first_of("/ ?#") != std::string::npos)
            fail(at(n), name + ": " + show(n) + " is not a host name; use e.g. \"live.example.com\" or an address");
        }},
    });
  }

  unsigned socket_mode(const toml::node& n, const std::string& name) const {
    const std::string fix = "; write an octal mode such as \"0660\" or 0o660 (at most 0777)";
    if (auto i = n.as_integer()) {
      const std::int64_t v = i->get();
      if (v < 0 || v > 0777) {
        char oct[32];
        std::snprintf(oct, sizeof oct, "%llo", static_cast<unsigned long long>(v < 0 ? 0 : v));
        fail(at(n), name + ": " + show(n) +
                        (v < 0 ? std::string(" is negative")
                               : " is 0o" + std::string(oct) + " in octal, more than 0777") +
                        fix);
      }
      return static_cast<unsigned>(v);
    }
    if (auto s = n.as_string()) {
      const std::string& v = s->get();
      std::uint64_t mode = 0;
      bool ok = !v.empty() && v.size() <= 12;
      for (char c : v) {
        if (c < '0' || c > '7') ok = false;
        else mode = mode * 8 + static_cast<unsigned>(c - '0');
      }
      if (!ok) fail(at(n), name + ": " + json_quoted(v) + " is not octal digits" + fix);
      if (mode > 0777) fail(at(n), name + ": " + json_quoted(v) + " is more than 0777" + fix);
      return static_cast<unsigned>(mode);
    }
    wrong_type(n, name, "an octal mode such as \"0660\" or 0o660");
  }

  void defaults(const toml::table& t, Settings& s) {
    read_section(t, "defaults", {
        {"prepare_lead", [&](auto& n, auto& name) { s.prepare_lead = duration(n, name); }},
        {"close_after", [&](auto& n, auto& name) { s.close_after = duration(n, name); }},
    });
  }

  std::int64_t int_in(const toml::node& n, const std::string& name, std::int64_t lo, std::int64_t hi,
                      std::string_view what) const {
    auto i = n.as_integer();
    if (!i) wrong_type(n, name, "an integer (" + std::string(what) + ")");
    if (i->get() < lo || i->get() > hi)
      fail(at(n), name + ": " + show(n) + " is out of range; use " + std::to_string(lo) + " to " +
                      std::to_string(hi) + " (" + std::string(what) + ")");
    return i->get();
  }

  int port(const toml::node& n, const std::string& name) const {
    return static_cast<int>(int_in(n, name, 0, 65535, "a port number; 0 picks a free one"));
  }

  // A listen address: an IPv4 or IPv6 literal (no host names: the daemon binds before DNS is up).
  std::string address(const toml::node& n, const std::string& name) const {
    const std::string v = string_value(n, name);
    const bool ok = !v.empty() && v.find_first_not_of("0123456789abcdefABCDEF.:") == std::string::npos &&
                    (v.find('.') != std::string::npos || v.find(':') != std::string::npos);
    if (!ok)
      fail(at(n), name + ": " + json_quoted(v) +
                      " is not an IP address; use e.g. \"0.0.0.0\" (all IPv4), \"::\" (all) or \"127.0.0.1\"");
    return v;
  }

  // Reads a table's keys with their readers; a key without one is an error that suggests
  // the nearest. In listing mode, records "table.key" for each reader instead.
  void read_section(const toml::table& t, const std::string& table, const std::vector<KeyReader>& readers) {
    std::vector<std::string_view> known;
    for (const auto& r : readers) known.push_back(r.key);
    if (listing_) {
      const toml::table empty;
      for (const auto& r : readers) {
        if (table.empty()) r.read(empty, std::string(r.key));  // a table: list its keys in turn
        else listing_->push_back(table + "." + std::string(r.key));
      }
      return;
    }
    for (auto&& entry : t) {  // named, not a structured binding: lambdas capture it (clang < 16)
      const toml::key& key = entry.first;
      const std::string k(key.str());
      const toml::node& n = entry.second;
      guard([&] {
        for (const auto& r : readers) {
          if (r.key != k) continue;
          reading_key_ = &key;
          return r.read(n, table.empty() ? k : table + "." + k);
        }
        unknown(key, table, known,
                table.empty() ? "the top-level tables are " + top_level_list(known)
                              : "the keys of [" + table + "] are " + key_list(known));
      });
    }
  }

  // The top level: one reader per table.
  void tables(const toml::table& root, Settings& s) {
    auto table = [&](auto&& read) {
      return [this, read](const toml::node& n, const std::string& name) { read(section(n, name, "[" + name + "]")); };
    };
    read_section(root, "", {
        {"daemon", table([&](const toml::table& t) { daemon(t, s); })},
        {"defaults", table([&](const toml::table& t) { defaults(t, s); })},
        {"rtmp", table([&](const toml::table& t) { rtmp(t, s.rtmp); })},
        {"srt", table([&](const toml::table& t) { srt(t, s.srt); })},
        {"http", table([&](const toml::table& t) { http(t, s.http); })},
        {"api", table([&](const toml::table& t) { api(t, s.api); })},
        {"tls", table([&](const toml::table& t) { tls(t, s.tls); })},
        {"webrtc", table([&](const toml::table& t) { webrtc(t, s.webrtc); })},
        {"media", table([&](const toml::table& t) { media(t, s.media); })},
        {"transcode", table([&](const toml::table& t) { transcode(t, s.media.transcode); })},
        {"security", table([&](const toml::table& t) { security(t, s.security); })},
        {"drm", table([&](const toml::table& t) { drm(t, s.drm); })},
        {"chat", table([&](const toml::table& t) { chat(t, s.chat); })},
        {"live", [&](const toml::node& n, const std::string&) { lives(n, s); }},  // [[live]]
    });
  }

 public:
  // Every key of every table, as "table.key" ("live.auto_start" for [[live]]'s schedule keys).
  std::vector<std::string> keys() {
    std::vector<std::string> out;
    listing_ = &out;
    Settings s;
    tables(toml::table{}, s);
    listing_ = nullptr;
    return out;
  }

 private:

  void rtmp(const toml::table& t, RtmpSettings& r) {
    read_section(t, "rtmp", {
        {"enabled", [&](auto& n, auto& name) { r.enabled = bool_value(n, name); }},
        {"listen", [&](auto& n, auto& name) { r.listen = address(n, name); }},
        {"port", [&](auto& n, auto& name) { r.port = port(n, name); }},
        {"handshake_timeout", [&](auto& n, auto& name) { r.handshake_timeout = positive_duration(n, name); }},
    });
  }

  void srt(const toml::table& t, SrtSettings& r) {
    read_section(t, "srt", {
        {"enabled", [&](auto& n, auto& name) { r.enabled = bool_value(n, name); }},
        {"listen", [&](auto& n, auto& name) { r.listen = address(n, name); }},
        {"port", [&](auto& n, auto& name) { r.port = port(n, name); }},
        {"latency", [&](auto& n, auto& name) { r.latency = duration(n, name); }},
        {"passphrase", [&](auto& n, auto& name) {
          r.passphrase = string_value(n, name);
          if (!r.passphrase.empty() && (r.passphrase.size() < 10 || r.passphrase.size() > 79))
            fail(at(n), name + ": SRT passphrases are 10 to 79 characters (this one has " +
                            std::to_string(r.passphrase.size()) + "); use \"\" for no encryption");
        }},
    });
  }

  void http(const toml::table& t, HttpSettings& r) {
    read_section(t, "http", {
        {"enabled", [&](auto& n, auto& name) { r.enabled = bool_value(n, name); }},
        {"listen", [&](auto& n, auto& name) { r.listen = address(n, name); }},
        {"port", [&](auto& n, auto& name) { r.port = port(n, name); }},
        {"idle_timeout", [&](auto& n, auto& name) { r.idle_timeout = positive_duration(n, name); }},
        {"web_root", [&](auto& n, auto& name) {
          r.web_root = string_value(n, name);
          std::error_code ec;
          if (!r.web_root.empty() && !std::filesystem::is_directory(r.web_root, ec))
            fail(at(n), name + ": " + show(n) + " is not a directory; give the folder share/scripts/install-web.sh "
                        "installed hls.js into (bash share/scripts/install-web.sh DIR)");
        }},
        {"public_url", [&](auto& n, auto& name) {
          r.public_url = string_value(n, name);
          while (!r.public_url.empty() && r.public_url.back() == '/') r.public_url.pop_back();
          if (!r.public_url.empty() && r.public_url.rfind("http://", 0) != 0 && r.public_url.rfind("https://", 0) != 0)
            fail(at(n), name + ": " + show(n) + " is not an http(s) URL; use e.g. \"https://live.example.com\"");
        }},
    });
  }

  void api(const toml::table& t, ApiSettings& r) {
    read_section(t, "api", {
        {"enabled", [&](auto& n, auto& name) { r.enabled = bool_value(n, name); }},
        {"listen", [&](auto& n, auto& name) {
          r.listen = address(n, name);
          api_listen_ = at(n);
          api_listen_text_ = show(n);
        }},
        {"port", [&](auto& n, auto& name) { r.port = port(n, name); }},
        {"insecure_remote", [&](auto& n, auto& name) { r.insecure_remote = bool_value(n, name); }},
        {"max_upload_bytes", [&](auto& n, auto& name) { r.max_upload_bytes = static_cast<std::uint64_t>(int_in(n, name, 1024, std::int64_t{1} << 50, "bytes")); }},
        {"rate_limit", [&](auto& n, auto& name) { r.rate_limit = number_in(n, name, 0.1, 1e6, "requests per second per key"); }},
        {"rate_burst", [&](auto& n, auto& name) { r.rate_burst = static_cast<int>(int_in(n, name, 1, 1000000, "requests at once")); }},
    });
  }

  // API keys would cross the network in the clear: only over TLS or by an explicit choice.
  // Checked once every table is read, as [tls] may come after [api].
  void check_api_exposure(const Settings& s) const {
    const ApiSettings& r = s.api;
    if (!r.enabled || !api_listen_ || is_loopback_address(r.listen) || r.insecure_remote) return;
    if (s.tls.enabled() && s.tls.api) return;
    fail(*api_listen_, "api.listen: " + api_listen_text_ +
                           " is not a loopback address, and the API speaks plain HTTP: keys would cross the "
                           "network in the clear. Set tls.api = true (with [tls] certificate and key), keep "
                           "127.0.0.1 behind a TLS proxy, or set api.insecure_remote = true to accept that");
  }

  void tls(const toml::table& t, TlsSettings& r) {
    // Nodes are noted before their files are checked, so a file that fails is reported as
    // itself, not as a missing half of the pair.
    const toml::node* cert_node = nullptr;
    const toml::node* key_node = nullptr;
    std::vector<const toml::node*> needs_certificate;  // keys that mean nothing without TLS
    read_section(t, "tls", {
        {"certificate", [&](auto& n, auto& name) {
          cert_node = &n;
          r.certificate = readable_file(n, name, "the certificate chain in PEM (certbot's fullchain.pem)");
        }},
        {"key", [&](auto& n, auto& name) {
          key_node = &n;
          r.key = readable_file(n, name, "the private key in PEM (certbot's privkey.pem)");
        }},
        {"https", [&](auto& n, auto& name) { r.https = bool_value(n, name); }},
        {"https_port", [&](auto& n, auto& name) { r.https_port = port(n, name); }},
        {"rtmps", [&](auto& n, auto& name) { r.rtmps = bool_value(n, name); }},
        {"rtmps_port", [&](auto& n, auto& name) { r.rtmps_port = port(n, name); }},
        {"api", [&](auto& n, auto& name) {
          r.api = bool_value(n, name);
          if (r.api) needs_certificate.push_back(&n);
        }},
        {"redirect_http", [&](auto& n, auto& name) {
          r.redirect_http = bool_value(n, name);
          if (r.redirect_http) needs_certificate.push_back(&n);
        }},
        {"hsts_max_age", [&](auto& n, auto& name) { r.hsts_max_age = int_in(n, name, 0, 2LL * 365 * 86400, "seconds (0 = no HSTS)"); }},
    });
    if ((cert_node == nullptr) != (key_node == nullptr)) {
      const toml::node* given = cert_node ? cert_node : key_node;
      fail(at(*given), std::string("[tls] has a ") + (cert_node ? "certificate but no key" : "key but no certificate") +
                           "; give both certificate and key (PEM files), or neither for no TLS");
    }
    if (!cert_node && !needs_certificate.empty())
      fail(at(*needs_certificate.front()),
           "[tls] has no certificate, so there is no HTTPS for this to use; give certificate and key (PEM files)");
  }

  // A file the daemon must read (at start and on every reload): named now, checked now.
  std::string readable_file(const toml::node& n, const std::string& name, const std::string& what) const {
    const std::string path = string_value(n, name);
    if (path.empty()) fail(at(n), name + ": empty; give " + what + ", or leave [tls] out for no TLS");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      fail(at(n), name + ": " + show(n) + " is not a file; give " + what);
    if (::access(path.c_str(), R_OK) != 0)
      fail(at(n), name + ": " + show(n) + " cannot be read by this user (" + std::strerror(errno) +
                      "); let the daemon's user read it (e.g. a certbot deploy hook copying it, or group bvlive)");
    return path;
  }

  void webrtc(const toml::table& t, WebrtcSettings& r) {
    read_section(t, "webrtc", {
        {"enabled", [&](auto& n, auto& name) { r.enabled = bool_value(n, name); }},
        {"listen", [&](auto& n, auto& name) { r.listen = address(n, name); }},
        {"port", [&](auto& n, auto& name) { r.port = port(n, name); }},
        {"consent_timeout", [&](auto& n, auto& name) { r.consent_timeout = positive_duration(n, name); }},
        {"candidates", [&](auto& n, auto& name) {
          const toml::array* arr = n.as_array();
          if (!arr) wrong_type(n, name, "an array of IP addresses, e.g. [\"203.0.113.7\"]");
          r.candidates.clear();
          for (const auto& item : *arr) r.candidates.push_back(address(item, name));
        }},
    });
  }

  // "allow" or "deny", as a bool.
  bool allow_or_deny(const toml::node& n, const std::string& name) const {
    const std::string v = string_value(n, name);
    if (v != "allow" && v != "deny") fail(at(n), name + ": " + json_quoted(v) + " is not \"allow\" or \"deny\"");
    return v == "allow";
  }

  void security(const toml::table& t, SecuritySettings& r) {
    read_section(t, "security", {
        {"device_idle", [&](auto& n, auto& name) { r.device_idle = positive_duration(n, name); }},
        {"missing_origin", [&](auto& n, auto& name) { r.allow_missing_origin = allow_or_deny(n, name); }},
        {"key_rotation", [&](auto& n, auto& name) {
          r.key_rotation = positive_duration(n, name);
          if (r.key_rotation < 10'000) fail(at(n), name + ": " + show(n) + " is shorter than 10s; keys change at most every 10s");
        }},
        {"geo_database", [&](auto& n, auto& name) {
          r.geo_database = string_value(n, name);
          // Opened here too, so --check-config and a reload catch a wrong path.
          try {
            if (!r.geo_database.empty()) security::GeoDatabase check(r.geo_database);
          } catch (const std::runtime_error& e) {
            fail(at(n), name + ": " + e.what());
          }
        }},
        {"unknown_country", [&](auto& n, auto& name) { r.allow_unknown_country = allow_or_deny(n, name); }},
        {"edge_secret", [&](auto& n, auto& name) {
          r.edge_secret = string_value(n, name);
          const bool usable = std::all_of(r.edge_secret.begin(), r.edge_secret.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._~+/=-").find(c) != std::string_view::npos;
          });
          // Not shown in the message: it is a secret.
          if (!r.edge_secret.empty() && (r.edge_secret.size() < 16 || r.edge_secret.size() > 256 || !usable))
            fail(at(n), name + ": use 16 to 256 of A-Z a-z 0-9 . _ ~ + / = - (e.g. the output of `openssl rand -hex 32`)");
        }},
        {"trusted_proxies", [&](auto& n, auto& name) {
          const toml::array* arr = n.as_array();
          if (!arr) wrong_type(n, name, "an array of addresses or networks, e.g. [\"127.0.0.1\", \"10.0.0.0/8\"]");
          r.trusted_proxies.clear();
          for (const auto& item : *arr) {
            const std::string text = string_value(item, name);
            const auto range = security::parse_address_range(text);
            if (const auto* why = std::get_if<std::string>(&range)) fail(at(item), name + ": " + *why);
            r.trusted_proxies.push_back(std::get<security::AddressRange>(range).to_string());
          }
        }},
    });
  }

  void drm(const toml::table& t, DrmSettings& r) {
    read_section(t, "drm", {
        {"key_server", [&](auto& n, auto& name) {
          r.key_server = string_value(n, name);
          if (!r.key_server.empty() && !r.key_server.starts_with("https://") && !r.key_server.starts_with("http://"))
            fail(at(n), name + ": " + json_quoted(r.key_server) + " is not an http:// or https:// URL of a SPEKE v2 key server");
        }},
        {"username", [&](auto& n, auto& name) { r.username = string_value(n, name); }},
        // Not shown in messages: it is a secret.
        {"password", [&](auto& n, auto& name) { r.password = string_value(n, name); }},
        {"headers", [&](auto& n, auto& name) {
          const toml::array* arr = n.as_array();
          if (!arr) wrong_type(n, name, "an array of \"Name: value\" strings, e.g. [\"X-Api-Key: ...\"]");
          r.headers.clear();
          for (const auto& item : *arr) {
            const std::string h = string_value(item, name);
            const auto colon = h.find(':');
            const bool clean = h.find_first_of("\r\n") == std::string::npos;
            if (colon == std::string::npos || colon == 0 || !clean)
              fail(at(item), name + ": each entry is one \"Name: value\" header line");
            r.headers.push_back(h);
          }
        }},
        {"systems", [&](auto& n, auto& name) {
          const toml::array* arr = n.as_array();
          if (!arr) wrong_type(n, name, "an array of DRM systems, e.g. [\"widevine\", \"playready\", \"fairplay\"]");
          r.systems.clear();
          for (const auto& item : *arr) {
            const std::string v = string_value(item, name);
            if (!drm::system_named(v))
              fail(at(item), name + ": " + json_quoted(v) + " is not a DRM system; use \"clearkey\", \"widevine\", \"playready\" or \"fairplay\"");
            if (std::find(r.systems.begin(), r.systems.end(), v) != r.systems.end())
              fail(at(item), name + ": " + json_quoted(v) + " is listed twice");
            r.systems.push_back(v);
          }
        }},
        {"timeout", [&](auto& n, auto& name) {
          r.timeout = positive_duration(n, name);
          if (r.timeout > 120'000) fail(at(n), name + ": " + show(n) + " is longer than 2m");
        }},
    });
    // Licences for the commercial systems come from their vendors, who need the keys.
    if (r.key_server.empty())
      for (const auto& system : r.systems)
        if (system != "clearkey")
          fail(at(t), "drm.systems: " + json_quoted(system) +
                           " needs a key server ([drm] key_server, SPEKE v2); without one only \"clearkey\" is possible");
  }

  void chat(const toml::table& t, ChatSettings& r) {
    read_section(t, "chat", {
        {"max_length", [&](auto& n, auto& name) { r.max_length = static_cast<int>(int_in(n, name, 1, 5000, "characters in a message")); }},
        {"history", [&](auto& n, auto& name) { r.history = static_cast<int>(int_in(n, name, 0, 1000, "messages a page opens with")); }},
        {"rate_burst", [&](auto& n, auto& name) { r.rate_burst = static_cast<int>(int_in(n, name, 1, 1000, "messages posted at once")); }},
        {"rate_interval", [&](auto& n, auto& name) {
          r.rate_interval = duration(n, name);
          if (r.rate_interval < 100 || r.rate_interval > 3'600'000)
            fail(at(n), name + ": " + show(n) + " is out of range; use \"100ms\" to \"1h\" (one message per that long)");
        }},
    });
  }

  void media(const toml::table& t, MediaSettings& r) {
    read_section(t, "media", {
        {"ffmpeg", [&](auto& n, auto& name) {
          r.ffmpeg = string_value(n, name);
          if (r.ffmpeg.empty()) fail(at(n), name + ": empty; use \"ffmpeg\" or a path to the binary");
        }},
        {"remux", [&](auto& n, auto& name) {
          const std::string v = string_value(n, name);
          if (v == "bvlived") r.remux = RemuxMode::bvlived;
          else if (v == "ffmpeg") r.remux = RemuxMode::ffmpeg;
          else fail(at(n), name + ": " + json_quoted(v) + " is not a remuxer; use \"bvlived\" (in-process) or \"ffmpeg\" (a child per push)");
        }},
        {"ffprobe", [&](auto& n, auto& name) {
          r.ffprobe = string_value(n, name);
          if (r.ffprobe.empty()) fail(at(n), name + ": empty; use \"ffprobe\" or a path to the binary");
        }},
        {"segment_duration", [&](auto& n, auto& name) {
          r.segment_duration = seconds_in(n, name, 0.5, 30);
        }},
        {"ull_segment_duration", [&](auto& n, auto& name) {
          r.ull_segment_duration = seconds_in(n, name, 0.5, 30);
        }},
        {"ull_part_target", [&](auto& n, auto& name) {
          r.ull_part_target = duration(n, name);
          if (r.ull_part_target < 100 || r.ull_part_target > 1000)
            fail(at(n), name + ": " + show(n) + " is out of range; use \"100ms\" to \"1s\" (Apple advises 200ms to 500ms)");
        }},
        {"live_window", [&](auto& n, auto& name) {
          r.live_window = static_cast<int>(int_in(n, name, 2, 1000, "segments in a live playlist"));
        }},
        {"keep_segments", [&](auto& n, auto& name) {
          r.keep_segments = static_cast<int>(int_in(n, name, 2, 100000, "segments kept on disk per live"));
        }},
        {"session_max_duration", [&](auto& n, auto& name) {
          r.session_max_duration = positive_duration(n, name);
        }},
        {"first_segment_timeout", [&](auto& n, auto& name) {
          r.first_segment_timeout = positive_duration(n, name);
        }},
        {"signal_timeout", [&](auto& n, auto& name) {
          r.signal_timeout = positive_duration(n, name);
        }},
        {"slate", [&](auto& n, auto& name) { r.slate = bool_value(n, name); }},
        {"min_free_space", [&](auto& n, auto& name) { r.min_free_space = byte_size(n, name); }},
    });
    if (static_cast<double>(r.ull_part_target) / 1000 > r.ull_segment_duration)
      fail(at(t), "media.ull_part_target is longer than media.ull_segment_duration; a part is a piece of a segment");
    if (r.keep_segments < r.live_window)
      fail(at(t), "media.keep_segments (" + std::to_string(r.keep_segments) + ") is smaller than media.live_window (" +
                      std::to_string(r.live_window) + "); keep at least the segments a playlist lists");
  }

  double number_in(const toml::node& n, const std::string& name, double lo, double hi, std::string_view what) const {
    if (!n.is_integer() && !n.is_floating_point()) wrong_type(n, name, "a number (" + std::string(what) + ")");
    const double v = n.is_integer() ? static_cast<double>(n.as_integer()->get()) : n.as_floating_point()->get();
    if (!(v >= lo && v <= hi))
      fail(at(n), name + ": " + show(n) + " is out of range; use " + show_number(lo) + " to " + show_number(hi) + " (" +
                      std::string(what) + ")");
    return v;
  }

  static std::string show_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }

  void transcode(const toml::table& t, TranscodeSettings& r) {
    read_section(t, "transcode", {
        {"abr", [&](auto& n, auto& name) { r.abr = bool_value(n, name); }},
        {"preset", [&](auto& n, auto& name) {
          r.preset = string_value(n, name);
          if (std::find(kX264Presets.begin(), kX264Presets.end(), r.preset) == kX264Presets.end())
            fail(at(n), name + ": " + json_quoted(r.preset) + " is not an x264 preset; use one of " + key_list(kX264Presets));
        }},
        {"keyframe_interval", [&](auto& n, auto& name) {
          const DurationMs d = positive_duration(n, name);
          if (d < 250 || d > 10'000) fail(at(n), name + ": " + show(n) + " is out of range; use \"250ms\" to \"10s\"");
          r.keyframe_interval = static_cast<double>(d) / 1000;
        }},
        {"audio_kbps", [&](auto& n, auto& name) {
          r.audio_kbps = static_cast<int>(int_in(n, name, 16, 512, "kbit/s of re-encoded AAC audio"));
        }},
        {"watermark_width", [&](auto& n, auto& name) {
          r.watermark_width = number_in(n, name, 0.01, 1, "the watermark's width as a fraction of the frame's");
        }},
        {"watermark_margin", [&](auto& n, auto& name) {
          r.watermark_margin = number_in(n, name, 0, 0.4, "the margin as a fraction of the frame's height");
        }},
        {"ladder", [&](auto& n, auto& name) {
          r.ladder = ladder_table(n, name);
        }},
    });
  }

  // [transcode.ladder]: "1080p" = 5000, one rung per line, video kbit/s.
  std::vector<ladder::LadderRung> ladder_table(const toml::node& n, const std::string& name) const {
    const toml::table* t = n.as_table();
    if (!t) wrong_type(n, name, "a table of heights to kbit/s, e.g. [transcode.ladder] with 720p = 2800");
    std::vector<ladder::LadderRung> rungs;
    for (auto&& [key, value] : *t) {
      const std::string k(key.str());
      const std::string rung = name + "." + k;
      int height = 0;
      const bool named = k.size() >= 2 && k.back() == 'p' && k.find_first_not_of("0123456789") == k.size() - 1;
      if (named) height = std::atoi(k.c_str());
      if (!named || height < 144 || height > 4320 || height % 2 != 0)
        fail(at(key), rung + ": not a rendition height; name rungs like 1080p, 720p or 360p (an even number of lines, 144 to 4320)");
      rungs.push_back({height, static_cast<int>(int_in(value, rung, 100, 100'000, "video kbit/s"))});
    }
    if (rungs.empty()) fail(at(n), name + ": empty; list at least one rung, e.g. 720p = 2800");
    std::sort(rungs.begin(), rungs.end(), [](const auto& a, const auto& b) { return a.height > b.height; });
    return rungs;
  }

  // A number of seconds (integer or not) within [lo, hi].
  double seconds_in(const toml::node& n, const std::string& name, double lo, double hi) const {
    if (!n.is_integer() && !n.is_floating_point()) wrong_type(n, name, "a number of seconds");
    const double v = n.is_integer() ? static_cast<double>(n.as_integer()->get()) : n.as_floating_point()->get();
    if (!(v >= lo && v <= hi)) {
      char range[64];
      std::snprintf(range, sizeof range, "%g to %g", lo, hi);
      fail(at(n), name + ": " + show(n) + " is out of range; use " + range + " (seconds)");
    }
    return v;
  }

  // Bytes: an integer, or a string with a unit ("256MiB", "2GB").
  std::uint64_t byte_size(const toml::node& n, const std::string& name) const {
    if (auto i = n.as_integer()) {
      if (i->get() < 0) fail(at(n), name + ": " + show(n) + " is negative; use a size like \"256MiB\" or 0");
      return static_cast<std::uint64_t>(i->get());
    }
    if (auto s = n.as_string()) {
      if (auto v = parse_byte_size(s->get())) return *v;
      fail(at(n), name + ": " + show(n) + " is not a size; use e.g. \"256MiB\", \"2GB\" or a number of bytes");
    }
    wrong_type(n, name, "a size such as \"256MiB\" or a number of bytes");
  }

  DurationMs positive_duration(const toml::node& n, const std::string& name) const {
    const DurationMs d = duration(n, name);
    if (d <= 0) fail(at(n), name + ": must be longer than 0; use e.g. \"10s\"");
    return d;
  }

  void lives(const toml::node& node, Settings& s) {
    if (listing_) {  // [[live]] takes any create-body field; the schedule keys are its own
      LiveDecl d;
      for (const auto& r : schedule_readers(d)) listing_->push_back("live." + std::string(r.key));
      return;
    }
    const toml::array* arr = node.as_array();
    if (!arr) {
      if (node.is_table())
        fail(reading_key_ ? at(*reading_key_) : at(node),
             "'live' is a single table; declare each live with [[live]] (two brackets)");
      wrong_type(node, "live", "[[live]] tables");
    }
    std::map<std::string, SourcePos> seen;  // custom_id -> where it was first declared
    for (const toml::node& elem : *arr) {
      guard([&] {
        const toml::table* t = elem.as_table();
        if (!t) wrong_type(elem, "live", "[[live]] tables");
        if (auto d = live(*t, seen)) s.lives.push_back(std::move(*d));
      });
    }
  }

  // The keys of a [[live]] table that are not create-body fields: its automation.
  std::vector<KeyReader> schedule_readers(LiveDecl& d) const {
    return {
        {"auto_preview", [&](const toml::node& n, const std::string& name) {
          if (auto b = n.as_boolean()) {
            if (b->get()) d.schedule.auto_preview = 0;
            else d.schedule.auto_preview.reset();
          } else if (n.is_string() || n.is_integer()) {
            d.schedule.auto_preview = duration(n, name);
          } else {
            wrong_type(n, name, "a duration such as \"15m\", or true (as soon as possible)");
          }
        }},
        {"auto_start", [&](const toml::node& n, const std::string& name) { d.schedule.auto_start = bool_value(n, name); }},
        {"auto_end", [&](const toml::node& n, const std::string& name) { d.schedule.auto_end = duration(n, name); }},
        {"close_after", [&](const toml::node& n, const std::string& name) { d.schedule.close_after = duration(n, name); }},
    };
  }

  std::optional<LiveDecl> live(const toml::table& t, std::map<std::string, SourcePos>& seen) {
    LiveDecl d;
    d.pos = at(t);
    const std::vector<KeyReader> schedule = schedule_readers(d);
    const std::size_t before = problems_.size();
    if (!t.contains("custom_id"))
      fail(d.pos, "[[live]] has no custom_id; add a line such as custom_id = \"sunday-service\"");
    for (auto&& entry : t) {  // named, not a structured binding: lambdas capture it (clang < 16)
      const toml::key& key = entry.first;
      const std::string k(key.str());
      const std::string name = "live." + k;
      const toml::node& n = entry.second;
      d.key_pos[k] = at(key);
      record_positions(n, k, d.key_pos);
      guard([&] {
        if (k == "custom_id") {
          const std::string id = string_value(n, name);
          if (!valid_custom_id(id))
            fail(at(n), name + ": " + json_quoted(id) +
                            " is not valid; use 1 to 64 letters, digits, '.', '_' or '-'");
          if (auto it = seen.find(id); it != seen.end())
            fail(at(n), name + ": " + json_quoted(id) + " is already declared at " + it->second.str() +
                            "; each [[live]] needs its own custom_id");
          seen.emplace(id, at(n));
          d.custom_id = id;
          d.body["custom_id"] = id;
        } else if (k == "scheduled_at") {
          d.body[k] = scheduled_at(n, name);
        } else if (const auto r = std::find_if(schedule.begin(), schedule.end(), [&](auto& r) { return r.key == k; });
                   r != schedule.end()) {
          r->read(n, name);
        } else {
          // A near miss of a schedule key would silently become a body field.
          for (const auto& sk : schedule)
            if (edit_distance(k, sk.key) <= 2)
              fail(at(key), "unknown key 'live." + k + "'; did you mean 'live." + std::string(sk.key) + "'?");
          d.body[k] = to_json(n, name);
        }
      });
    }
    if (problems_.size() != before) return std::nullopt;
    return d;
  }

  void record_positions(const toml::node& n, const std::string& path,
                        std::map<std::string, SourcePos>& out) const {
    if (auto t = n.as_table()) {
      for (auto&& [key, child] : *t) {
        const std::string p = path + "." + std::string(key.str());
        out[p] = at(key);
        record_positions(child, p, out);
      }
    } else if (auto a = n.as_array()) {
      for (std::size_t i = 0; i < a->size(); ++i) {
        const std::string p = indexed_path(path, i);
        out[p] = at((*a)[i]);
        record_positions((*a)[i], p, out);
      }
    }
  }

  std::string offset_date_time(const toml::date_time& dt, const toml::node& n,
                               const std::string& name) const {
    const std::string local = local_text(dt);
    if (!dt.offset)
      fail(at(n), name + ": " + local + " has no time zone; add Z or an offset, e.g. " + local + "Z");
    std::string text = local;
    const int off = dt.offset->minutes;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', std::abs(off) / 60,
                  std::abs(off) % 60);
    text += buf;
    auto ms = parse_rfc3339(text);
    if (!ms) fail(at(n), name + ": " + text + " is not a valid date-time");
    return format_rfc3339(*ms);
  }

  nlohmann::json scheduled_at(const toml::node& n, const std::string& name) const {
    if (auto dt = n.as_date_time()) return offset_date_time(dt->get(), n, name);
    if (auto s = n.as_string()) {
      const std::string& v = s->get();
      if (auto ms = parse_rfc3339(v)) return format_rfc3339(*ms);
      if (parse_rfc3339(v + "Z"))
        fail(at(n), name + ": " + json_quoted(v) + " has no time zone; add Z or an offset, e.g. " +
                        json_quoted(v + "Z"));
      fail(at(n), name + ": " + json_quoted(v) +
                      " is not an RFC 3339 date-time; use e.g. 2026-11-29T10:00:00Z");
    }
    wrong_type(n, name, "a date-time with a time zone such as 2026-11-29T10:00:00Z");
  }

  nlohmann::json to_json(const toml::node& n, const std::string& name) const {
    switch (n.type()) {
      case toml::node_type::table: {
        nlohmann::json obj = nlohmann::json::object();
        for (auto&& [key, child] : *n.as_table()) {
          const std::string k(key.str());
          obj[k] = to_json(child, name + "." + k);
        }
        return obj;
      }
      case toml::node_type::array: {
        nlohmann::json arr = nlohmann::json::array();
        const toml::array& a = *n.as_array();
        for (std::size_t i = 0; i < a.size(); ++i)
          arr.push_back(to_json(a[i], indexed_path(name, i)));
        return arr;
      }
      case toml::node_type::string: return n.as_string()->get();
      case toml::node_type::integer: return n.as_integer()->get();
      case toml::node_type::floating_point: {
        const double v = n.as_floating_point()->get();
        if (!std::isfinite(v)) fail(at(n), name + ": " + show(n) + " is not a finite number");
        return v;
      }
      case toml::node_type::boolean: return n.as_boolean()->get();
      case toml::node_type::date_time: return offset_date_time(n.as_date_time()->get(), n, name);
      case toml::node_type::date: {
        const toml::date& d = n.as_date()->get();
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", unsigned{d.year}, unsigned{d.month},
                      unsigned{d.day});
        return std::string(buf);
      }
      case toml::node_type::time: {
        const toml::time& t = n.as_time()->get();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%02u:%02u:%02u", unsigned{t.hour}, unsigned{t.minute},
                      unsigned{t.second});
        return std::string(buf);
      }
      case toml::node_type::none: break;
    }
    fail(at(n), name + ": unsupported value");
  }

  std::string file_;
  std::vector<Problem> problems_;
  // Listing mode (keys()): readers record their tables' keys instead of reading.
  std::vector<std::string>* listing_ = nullptr;
  const toml::key* reading_key_ = nullptr;  // the key whose reader runs, for errors about the key itself
  std::optional<SourcePos> api_listen_;  // where [api] listen was set, for check_api_exposure
  std::string api_listen_text_;
};

}  // namespace

std::vector<std::string> config_keys() { return Loader("").keys(); }

Settings parse_config(std::string_view text, const std::string& file_name) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file_name));
  } catch (const toml::parse_error& e) {
    const SourcePos pos{file_name, static_cast<int>(e.source().begin.line),
                        static_cast<int>(e.source().begin.column)};
    throw ConfigError(one_line(pos.str() + ": not valid TOML: " + std::string(e.description())));
  }
  return Loader(file_name).load(root);
}

Settings load_config_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ConfigError(path + ": cannot read: " + std::strerror(errno));
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw ConfigError(path + ": cannot read: " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return parse_config(text, path);
}

}  // namespace bvlive
