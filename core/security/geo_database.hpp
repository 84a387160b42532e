// Geo control for playback: the viewer's country from a MaxMind DB file (GeoLite2-Country,
// GeoIP2-Country, DB-IP's mmdb, ...), memory-mapped once and looked up per request.
// Lookups only read the mapping, so one GeoDatabase can serve every request.
#pragma once

#include <memory>
#include <optional>
#include <string>

struct MMDB_s;

namespace bvlive::security {

class GeoDatabase {
 public:
  // Opens and maps `path`. Throws std::runtime_error naming the file and saying why
  // (missing, unreadable, not a MaxMind DB) when it cannot be used.
  explicit GeoDatabase(const std::string& path);
  ~GeoDatabase();
  GeoDatabase(const GeoDatabase&) = delete;
  GeoDatabase& operator=(const GeoDatabase&) = delete;
  GeoDatabase(GeoDatabase&&) noexcept;
  GeoDatabase& operator=(GeoDatabase&&) noexcept;

  // ISO 3166-1 alpha-2 code in upper case ("FR") of a textual IPv4 or IPv6 address, from
  // the record's country.iso_code, else registered_country.iso_code. Empty optional when
  // `ip` is not an address (strict inet_pton syntax: no port, brackets, or spaces), is not
  // in the database (private ranges, an IPv6 address in an IPv4-only database), or its
  // record has no country.
  std::optional<std::string> country(const std::string& ip) const;

  // For the start log: "GeoLite2-Country built 2024-05-10 (/var/lib/GeoIP/GeoLite2-Country.mmdb)".
  std::string description() const;

 private:
  struct Closer {
    void operator()(MMDB_s* mmdb) const;
  };
  std::unique_ptr<MMDB_s, Closer> mmdb_;
  std::string path_;
};

}  // namespace bvlive::security
