#include "core/security/geo_database.hpp"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace bvlive::security {

namespace {

// A strict textual address, as libmaxminddb should see it: an IPv4-mapped IPv6 address
// ("::ffff:192.0.2.1") becomes its IPv4 form, which both IPv4 and IPv6 trees answer.
// Empty optional for anything inet_pton refuses (getaddrinfo would take "127.1").
std::optional<std::string> lookup_form(const std::string& ip) {
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) return ip;
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, &v6.s6_addr[12], sizeof v4);
    char text[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &v4, text, sizeof text) == nullptr) return std::nullopt;
    return std::string(text);
  }
  return ip;
}

// The upper-cased two-letter code at record.iso_code in `entry`, if that is what is there.
std::optional<std::string> iso_code(MMDB_entry_s entry, const char* record) {
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&entry, &data, record, "iso_code", nullptr) != MMDB_SUCCESS) return std::nullopt;
  if (!data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size != 2) return std::nullopt;
  std::string code(data.utf8_string, data.data_size);
  for (char& c : code) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return std::nullopt;
  }
  return code;
}

std::string open_error(const std::string& path, int status, int saved_errno) {
  std::string message = "cannot open GeoIP database '" + path + "': " + MMDB_strerror(status);
  if ((status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) && saved_errno != 0)
    message += std::string(" (") + std::strerror(saved_errno) + ")";
  if (status == MMDB_INVALID_METADATA_ERROR || status == MMDB_UNKNOWN_DATABASE_FORMAT_ERROR ||
      status == MMDB_CORRUPT_SEARCH_TREE_ERROR || status == MMDB_INVALID_DATA_ERROR)
    message += "; is it a MaxMind DB (.mmdb) file, such as GeoLite2-Country.mmdb?";
  return message;
}

}  // namespace

void GeoDatabase::Closer::operator()(MMDB_s* mmdb) const {
  const std::unique_ptr<MMDB_s> storage(mmdb);  // freed after the mapping is closed
  MMDB_close(mmdb);
}

GeoDatabase::GeoDatabase(const std::string& path) : path_(path) {
  // libmaxminddb's own words for these ("No such device", "Invalid argument") mislead.
  struct stat info {};
  if (stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
    throw std::runtime_error("cannot open GeoIP database '" + path + "': it is a directory; give the .mmdb file in it");
  if (stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && info.st_size == 0)
    throw std::runtime_error("cannot open GeoIP database '" + path + "': the file is empty (an interrupted download?)");

  auto mmdb = std::make_unique<MMDB_s>();
  errno = 0;
  const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, mmdb.get());
  const int saved_errno = errno;
  // On failure MMDB_open has already released what it allocated.
  if (status != MMDB_SUCCESS) throw std::runtime_error(open_error(path, status, saved_errno));
  mmdb_.reset(mmdb.release());
}

GeoDatabase::~GeoDatabase() = default;
GeoDatabase::GeoDatabase(GeoDatabase&&) noexcept = default;
GeoDatabase& GeoDatabase::operator=(GeoDatabase&&) noexcept = default;

std::optional<std::string> GeoDatabase::country(const std::string& ip) const {
  if (!mmdb_) return std::nullopt;  // moved from
  const auto address = lookup_form(ip);
  if (!address) return std::nullopt;
  int gai_error = 0;
  int mmdb_error = MMDB_SUCCESS;
  const MMDB_lookup_result_s result = MMDB_lookup_string(mmdb_.get(), address->c_str(), &gai_error, &mmdb_error);
  // mmdb_error covers an IPv6 address asked of an IPv4-only database.
  if (gai_error != 0 || mmdb_error != MMDB_SUCCESS || !result.found_entry) return std::nullopt;
  if (auto code = iso_code(result.entry, "country")) return code;
  return iso_code(result.entry, "registered_country");
}

std::string GeoDatabase::description() const {
  if (!mmdb_) return "(closed GeoIP database)";
  const auto& metadata = mmdb_->metadata;
  std::string text = metadata.database_type != nullptr ? metadata.database_type : "unknown type";
  const std::time_t built = static_cast<std::time_t>(metadata.build_epoch);
  std::tm utc{};
  char date[32] = {};
  if (gmtime_r(&built, &utc) != nullptr && std::strftime(date, sizeof date, "%Y-%m-%d", &utc) > 0)
    text += std::string(" built ") + date;
  return text + " (" + path_ + ")";
}

}  // namespace bvlive::security
