#define BOOST_TEST_MODULE geo
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <maxminddb.h>

#include "core/security/client_address.hpp"
#include "core/security/geo_database.hpp"
#include "support/mmdb_writer.hpp"
#include "support/process.hpp"

using namespace bvlive::security;

namespace {

// The message of the exception opening `path` throws ("" if it opens).
std::string open_failure(const std::string& path) {
  try {
    GeoDatabase db(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

std::vector<AddressRange> ranges(const std::vector<std::string>& texts) {
  std::vector<AddressRange> out;
  for (const auto& text : texts) {
    auto parsed = parse_address_range(text);
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<AddressRange>(parsed), text);
    out.push_back(std::get<AddressRange>(parsed));
  }
  return out;
}

std::string parse_error(const std::string& text) {
  auto parsed = parse_address_range(text);
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

const std::vector<std::pair<std::string, std::string>> kNetworks = {
    {"203.0.113.0/24", "FR"},
    {"198.51.100.0/25", "DE"},
    {"198.51.100.7", "ES"},  // a /32 inside DE's /25
    {"10.0.0.0/8", "jp"},    // lower case in the file, upper case out
    {"2001:db8::/32", "CA"},
    {"2001:db8:1::/48", "BR"},
};

}  // namespace

// ---------------------------------------------------------------------------
// GeoDatabase over files written by the test writer.

// Every node of `mmdb`'s tree is reachable once from the root, and every data record it
// points to decodes: libmaxminddb's strict reading of the whole file, not just the paths
// the lookups below take. Returns how many data records were read.
static int check_every_record(MMDB_s& mmdb) {
  const std::uint32_t node_count = mmdb.metadata.node_count;
  std::vector<int> visits(node_count, 0);
  std::vector<std::uint32_t> pending{0};
  int data_records = 0;
  while (!pending.empty()) {
    const auto node_number = pending.back();
    pending.pop_back();
    BOOST_REQUIRE_LT(node_number, node_count);
    BOOST_REQUIRE_EQUAL(++visits[node_number], 1);
    MMDB_search_node_s node{};
    BOOST_REQUIRE_EQUAL(MMDB_read_node(&mmdb, node_number, &node), MMDB_SUCCESS);
    const std::pair<std::uint8_t, std::uint64_t> records[] = {{node.left_record_type, node.left_record},
                                                              {node.right_record_type, node.right_record}};
    MMDB_entry_s entries[] = {node.left_record_entry, node.right_record_entry};
    for (int side = 0; side < 2; ++side) {
      const auto [type, value] = records[side];
      BOOST_REQUIRE(type != MMDB_RECORD_TYPE_INVALID);
      if (type == MMDB_RECORD_TYPE_SEARCH_NODE) pending.push_back(static_cast<std::uint32_t>(value));
      if (type != MMDB_RECORD_TYPE_DATA) continue;
      MMDB_entry_data_list_s* list = nullptr;
      BOOST_REQUIRE_EQUAL(MMDB_get_entry_data_list(&entries[side], &list), MMDB_SUCCESS);
      MMDB_free_entry_data_list(list);
      ++data_records;
    }
  }
  for (std::uint32_t i = 0; i < node_count; ++i) BOOST_TEST(visits[i] == 1, "node " << i << " is unreachable");
  MMDB_entry_data_list_s* metadata = nullptr;
  BOOST_REQUIRE_EQUAL(MMDB_get_metadata_as_entry_data_list(&mmdb, &metadata), MMDB_SUCCESS);
  MMDB_free_entry_data_list(metadata);
  return data_records;
}

// The writer's files read back whole with libmaxminddb itself, so the lookups below test
// GeoDatabase and not a lenient reading of a broken file.
BOOST_AUTO_TEST_CASE(written_databases_read_back_whole) {
  bvtest::TempDir dir("bvlive-geo");
  for (int ip_version : {4, 6}) {
    const auto path = dir / ("v" + std::to_string(ip_version) + ".mmdb");
    std::vector<std::pair<std::string, std::string>> networks;
    for (const auto& network : kNetworks)
      if (ip_version == 6 || network.first.find(':') == std::string::npos) networks.push_back(network);
    bvtest::write_country_mmdb(path, networks, ip_version);
    MMDB_s mmdb{};
    BOOST_REQUIRE_EQUAL(MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb), MMDB_SUCCESS);
    BOOST_TEST(mmdb.metadata.ip_version == ip_version);
    BOOST_TEST(mmdb.metadata.record_size == 24);
    BOOST_TEST(mmdb.metadata.binary_format_major_version == 2);
    BOOST_TEST(std::string(mmdb.metadata.database_type) == "bvlive-test-country");
    BOOST_TEST(check_every_record(mmdb) > 0);
    MMDB_close(&mmdb);
  }
}

BOOST_AUTO_TEST_CASE(ipv6_tree_answers_ipv4_and_ipv6_addresses) {
  bvtest::TempDir dir("bvlive-geo");
  const auto path = dir / "country.mmdb";
  bvtest::write_country_mmdb(path, kNetworks, 6);
  const GeoDatabase db(path);

  BOOST_TEST(db.country("203.0.113.0").value_or("-") == "FR");
  BOOST_TEST(db.country("203.0.113.255").value_or("-") == "FR");
  BOOST_TEST(!db.country("203.0.112.255"));  // just below the /24
  BOOST_TEST(!db.country("203.0.114.0"));    // just above it
  BOOST_TEST(db.country("198.51.100.6").value_or("-") == "DE");
  BOOST_TEST(db.country("198.51.100.7").value_or("-") == "ES");
  BOOST_TEST(db.country("198.51.100.8").value_or("-") == "DE");
  BOOST_TEST(db.country("198.51.100.127").value_or("-") == "DE");
  BOOST_TEST(!db.country("198.51.100.128"));
  BOOST_TEST(db.country("10.200.3.4").value_or("-") == "JP");

  BOOST_TEST(db.country("2001:db8::1").value_or("-") == "CA");
  BOOST_TEST(db.country("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff").value_or("-") == "CA");
  BOOST_TEST(db.country("2001:DB8:1::42").value_or("-") == "BR");
  BOOST_TEST(db.country("2001:db8:2::42").value_or("-") == "CA");
  BOOST_TEST(!db.country("2001:db9::"));
  BOOST_TEST(!db.country("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));

  // An IPv4-mapped IPv6 peer (a dual-stack socket) is the IPv4 address.
  BOOST_TEST(db.country("::ffff:203.0.113.9").value_or("-") == "FR");
}

BOOST_AUTO_TEST_CASE(ipv4_tree_answers_ipv4_addresses_only) {
  bvtest::TempDir dir("bvlive-geo");
  const auto path = dir / "country4.mmdb";
  bvtest::write_country_mmdb(path, {{"203.0.113.0/24", "FR"}, {"192.0.2.128/25", "IT"}}, 4);
  const GeoDatabase db(path);

  BOOST_TEST(db.country("203.0.113.77").value_or("-") == "FR");
  BOOST_TEST(db.country("192.0.2.128").value_or("-") == "IT");
  BOOST_TEST(db.country("192.0.2.255").value_or("-") == "IT");
  BOOST_TEST(!db.country("192.0.2.127"));
  BOOST_TEST(!db.country("8.8.8.8"));
  BOOST_TEST(db.country("::ffff:192.0.2.200").value_or("-") == "IT");
  BOOST_TEST(!db.country("2001:db8::1"));  // libmaxminddb refuses IPv6 in an IPv4 tree
}

BOOST_AUTO_TEST_CASE(unknown_and_garbage_addresses_have_no_country) {
  bvtest::TempDir dir("bvlive-geo");
  const auto path = dir / "country.mmdb";
  bvtest::write_country_mmdb(path, kNetworks);
  const GeoDatabase db(path);

  BOOST_TEST(!db.country("127.0.0.1"));
  BOOST_TEST(!db.country("::1"));
  for (const char* garbage : {"", "not an ip", "203.0.113.1:8080", "[2001:db8::1]", " 203.0.113.1", "203.0.113",
                              "203.0.113.256", "localhost", "2001:db8::1::2"})
    BOOST_TEST(!db.country(garbage), "'" << garbage << "' has no country");
}

BOOST_AUTO_TEST_CASE(description_names_type_date_and_file) {
  bvtest::TempDir dir("bvlive-geo");
  const auto path = dir / "country.mmdb";
  bvtest::write_country_mmdb(path, kNetworks);
  const GeoDatabase db(path);
  const auto text = db.description();
  BOOST_TEST(text.find("bvlive-test-country built 20") == 0u, text);
  BOOST_TEST(text.find(path) != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(moved_database_keeps_answering) {
  bvtest::TempDir dir("bvlive-geo");
  const auto path = dir / "country.mmdb";
  bvtest::write_country_mmdb(path, kNetworks);
  GeoDatabase first(path);
  GeoDatabase second(std::move(first));
  BOOST_TEST(second.country("203.0.113.1").value_or("-") == "FR");
}

BOOST_AUTO_TEST_CASE(unusable_files_throw_naming_the_file) {
  bvtest::TempDir dir("bvlive-geo");

  const auto missing = dir / "missing.mmdb";
  const auto missing_error = open_failure(missing);
  BOOST_TEST(missing_error.find(missing) != std::string::npos, missing_error);
  BOOST_TEST(missing_error.find("No such file") != std::string::npos, missing_error);

  const auto text_file = dir / "not-a-db.mmdb";
  bvtest::write_file(text_file, "this is not a MaxMind database\n");
  const auto text_error = open_failure(text_file);
  BOOST_TEST(text_error.find(text_file) != std::string::npos, text_error);
  BOOST_TEST(text_error.find("MaxMind DB") != std::string::npos, text_error);

  const auto empty_file = dir / "empty.mmdb";
  bvtest::write_file(empty_file, "");
  const auto empty_error = open_failure(empty_file);
  BOOST_TEST(empty_error.find(empty_file) != std::string::npos, empty_error);
  BOOST_TEST(empty_error.find("empty") != std::string::npos, empty_error);

  const auto directory_error = open_failure(dir.path());
  BOOST_TEST(directory_error.find(dir.path()) != std::string::npos, directory_error);
  BOOST_TEST(directory_error.find("directory") != std::string::npos, directory_error);
}

// ---------------------------------------------------------------------------
// AddressRange

BOOST_AUTO_TEST_CASE(ranges_contain_what_they_say) {
  const auto r = ranges({"203.0.113.0/24", "10.1.2.3", "::1", "2001:db8::/32", "0.0.0.0/0", " 192.0.2.0/31 "});
  BOOST_TEST(r[0].contains("203.0.113.0"));
  BOOST_TEST(r[0].contains("203.0.113.255"));
  BOOST_TEST(!r[0].contains("203.0.114.0"));
  BOOST_TEST(!r[0].contains("203.0.112.255"));
  BOOST_TEST(r[0].contains("::ffff:203.0.113.4"));  // mapped form is the same address
  BOOST_TEST(r[1].contains("10.1.2.3"));
  BOOST_TEST(!r[1].contains("10.1.2.4"));
  BOOST_TEST(r[2].contains("::1"));
  BOOST_TEST(r[2].contains("0:0::1"));
  BOOST_TEST(!r[2].contains("::2"));
  BOOST_TEST(!r[2].contains("127.0.0.1"));
  BOOST_TEST(r[3].contains("2001:db8:ffff::1"));
  BOOST_TEST(!r[3].contains("2001:db9::1"));
  BOOST_TEST(r[4].contains("8.8.8.8"));
  BOOST_TEST(!r[4].contains("2001:db8::1"));  // an IPv4 /0 is IPv4 only
  BOOST_TEST(r[5].contains("192.0.2.1"));
  BOOST_TEST(!r[5].contains("192.0.2.2"));
  BOOST_TEST(!r[0].contains("garbage"));

  BOOST_TEST(r[0].to_string() == "203.0.113.0/24");
  BOOST_TEST(r[1].to_string() == "10.1.2.3/32");
  BOOST_TEST(r[3].to_string() == "2001:db8::/32");
}

BOOST_AUTO_TEST_CASE(bad_ranges_say_why) {
  BOOST_TEST(parse_error("proxy.example.com").find("'proxy.example.com' is not an IP address") == 0u);
  BOOST_TEST(parse_error("").find("is not an IP address") != std::string::npos);
  BOOST_TEST(parse_error("10.0.0.0/33").find("0 to 32") != std::string::npos);
  BOOST_TEST(parse_error("2001:db8::/129").find("0 to 128") != std::string::npos);
  BOOST_TEST(parse_error("10.0.0.0/").find("prefix length") != std::string::npos);
  BOOST_TEST(parse_error("10.0.0.0/-1").find("prefix length") != std::string::npos);
  BOOST_TEST(parse_error("10.0.0.0/abc").find("prefix length") != std::string::npos);
  BOOST_TEST(parse_error("/24").find("is not an IP address") != std::string::npos);
  BOOST_TEST(parse_error("10.1").find("is not an IP address") != std::string::npos);
  BOOST_TEST(parse_error("10.0.0.1/8").find("write the network as 10.0.0.0/8") != std::string::npos,
             parse_error("10.0.0.1/8"));
  BOOST_TEST(parse_error("2001:db8::1/32").find("2001:db8::/32") != std::string::npos);
}

// ---------------------------------------------------------------------------
// client_address

BOOST_AUTO_TEST_CASE(untrusted_peer_header_is_ignored) {
  const auto trusted = ranges({"10.0.0.0/8"});
  const std::string xff = "198.51.100.1";
  BOOST_TEST(client_address("203.0.113.9", &xff, trusted) == "203.0.113.9");
  BOOST_TEST(client_address("203.0.113.9", nullptr, trusted) == "203.0.113.9");
  BOOST_TEST(client_address("203.0.113.9", &xff, {}) == "203.0.113.9");
}

BOOST_AUTO_TEST_CASE(trusted_proxy_gives_the_forwarded_client) {
  const auto trusted = ranges({"10.0.0.0/8", "127.0.0.1"});
  const std::string one = "198.51.100.1";
  BOOST_TEST(client_address("10.0.0.2", &one, trusted) == "198.51.100.1");
  BOOST_TEST(client_address("10.0.0.2", nullptr, trusted) == "10.0.0.2");
  const std::string empty = "  ";
  BOOST_TEST(client_address("10.0.0.2", &empty, trusted) == "10.0.0.2");

  // Several hops: the rightmost untrusted one is the client; what is left of it was
  // written by the client and cannot be believed.
  const std::string hops = "192.0.2.66, 198.51.100.1,10.3.3.3 ,  10.2.2.2";
  BOOST_TEST(client_address("127.0.0.1", &hops, trusted) == "198.51.100.1");

  // Only proxies all the way: the leftmost (farthest) one is what we know.
  const std::string proxies = "10.9.9.9, 10.2.2.2";
  BOOST_TEST(client_address("10.0.0.2", &proxies, trusted) == "10.9.9.9");

  // Two headers joined, and empty elements.
  const std::string joined = "198.51.100.1, , 10.2.2.2,";
  BOOST_TEST(client_address("10.0.0.2", &joined, trusted) == "198.51.100.1");
}

BOOST_AUTO_TEST_CASE(garbage_in_the_header_stops_at_the_last_trusted_hop) {
  const auto trusted = ranges({"10.0.0.0/8"});
  const std::string garbage = "198.51.100.1, not-an-ip, 10.2.2.2";
  BOOST_TEST(client_address("10.0.0.2", &garbage, trusted) == "10.2.2.2");
  const std::string unknown = "unknown";
  BOOST_TEST(client_address("10.0.0.2", &unknown, trusted) == "10.0.0.2");
  const std::string only_garbage = "<script>";
  BOOST_TEST(client_address("10.0.0.2", &only_garbage, trusted) == "10.0.0.2");
  const std::string bad_port = "198.51.100.1:http";
  BOOST_TEST(client_address("10.0.0.2", &bad_port, trusted) == "10.0.0.2");
}

BOOST_AUTO_TEST_CASE(ipv6_ports_and_mapped_forms) {
  const auto trusted = ranges({"127.0.0.1", "::1", "fd00::/8"});

  // A dual-stack socket reports an IPv4 proxy as ::ffff:127.0.0.1: still trusted.
  const std::string v4 = "198.51.100.1";
  BOOST_TEST(client_address("::ffff:127.0.0.1", &v4, trusted) == "198.51.100.1");
  // ... and an untrusted mapped peer comes back in IPv4 form.
  BOOST_TEST(client_address("::ffff:203.0.113.9", &v4, trusted) == "203.0.113.9");

  const std::string v6 = "2001:DB8::1, fd00::5";
  BOOST_TEST(client_address("::1", &v6, trusted) == "2001:db8::1");

  const std::string bracketed = "[2001:db8::7]:51000, [fd00::5]";
  BOOST_TEST(client_address("::1", &bracketed, trusted) == "2001:db8::7");

  const std::string with_port = "198.51.100.1:5678, 127.0.0.1:80";
  BOOST_TEST(client_address("127.0.0.1", &with_port, trusted) == "198.51.100.1");

  const std::string mapped_hop = "::ffff:198.51.100.1";
  BOOST_TEST(client_address("::1", &mapped_hop, trusted) == "198.51.100.1");

  const std::string unclosed = "[2001:db8::7";
  BOOST_TEST(client_address("::1", &unclosed, trusted) == "::1");

  // A peer_ip that is not an address is returned as given.
  BOOST_TEST(client_address("unix-socket", &v4, trusted) == "unix-socket");
}

BOOST_AUTO_TEST_CASE(addresses_parse_and_format_canonically) {
  BOOST_TEST(format_ip_address(parse_ip_address("2001:0DB8:0000::0001").value()) == "2001:db8::1");
  BOOST_TEST(format_ip_address(parse_ip_address("::ffff:10.0.0.1").value()) == "10.0.0.1");
  BOOST_TEST((parse_ip_address("10.0.0.1") == parse_ip_address("::ffff:10.0.0.1")));
  BOOST_TEST(!parse_ip_address("127.1"));
  BOOST_TEST(!parse_ip_address("fe80::1%eth0"));
}
