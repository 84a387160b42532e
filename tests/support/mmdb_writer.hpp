// A minimal MaxMind DB v2 writer (https://maxmind.github.io/MaxMind-DB/) for tests of geo
// control: real .mmdb files that libmaxminddb opens, with one country per network, so tests
// need no downloaded GeoLite2 database.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace bvtest {

// Writes `path`: a 24-bit-record search tree over `networks`, each ("203.0.113.0/24" or
// "2001:db8::/32" or a bare address, "FR") mapped to {"country": {"iso_code": "FR"}}, and
// metadata with database_type "bvlive-test-country". With ip_version 6 (GeoLite2's layout),
// IPv4 networks are placed under ::/96 (where libmaxminddb looks IPv4 up) and under
// ::ffff:0:0/96; with ip_version 4, IPv6 networks are refused. A more specific network wins
// inside a larger one, whatever the order. Throws std::runtime_error on a bad network or an
// unwritable path.
void write_country_mmdb(const std::string& path, const std::vector<std::pair<std::string, std::string>>& networks,
                        int ip_version = 6);

}  // namespace bvtest
