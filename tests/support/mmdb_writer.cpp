#include "support/mmdb_writer.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <stdexcept>

namespace bvtest {

namespace {

using Bytes = std::string;

// ---------------------------------------------------------------------------
// Data section encoding: a control byte (type in the top 3 bits, size in the low 5), an
// extended-type byte for types above 7, extra size bytes for sizes of 29 and more.

enum class Type : int { Utf8 = 2, Uint16 = 5, Uint32 = 6, Map = 7, Uint64 = 9, Array = 11 };

void put_control(Bytes& out, Type type, std::size_t size) {
  const int t = static_cast<int>(type);
  std::uint8_t size_bits = 0;
  Bytes extra;
  if (size < 29) {
    size_bits = static_cast<std::uint8_t>(size);
  } else if (size < 285) {
    size_bits = 29;
    extra.push_back(static_cast<char>(size - 29));
  } else if (size < 65821) {
    size_bits = 30;
    extra.push_back(static_cast<char>((size - 285) >> 8));
    extra.push_back(static_cast<char>((size - 285) & 0xff));
  } else {
    throw std::runtime_error("mmdb_writer: value too large for a test database");
  }
  out.push_back(static_cast<char>(((t <= 7 ? t : 0) << 5) | size_bits));
  if (t > 7) out.push_back(static_cast<char>(t - 7));
  out += extra;
}

void put_string(Bytes& out, const std::string& text) {
  put_control(out, Type::Utf8, text.size());
  out += text;
}

// Unsigned integers are big-endian in as few bytes as needed (zero takes none).
void put_uint(Bytes& out, Type type, std::uint64_t value) {
  Bytes digits;
  for (; value != 0; value >>= 8) digits.insert(digits.begin(), static_cast<char>(value & 0xff));
  put_control(out, type, digits.size());
  out += digits;
}

// ---------------------------------------------------------------------------
// Networks and the search tree.

struct Network {
  std::array<std::uint8_t, 16> bits{};  // first 4 bytes used in an IPv4 tree
  int length = 0;                       // prefix length in tree bits
  std::string country;
};

// The network(s) `text` stands for in a tree of `ip_version`.
std::vector<Network> parse_network(const std::string& text, const std::string& country, int ip_version) {
  const auto slash = text.find('/');
  const std::string address = text.substr(0, slash);
  const bool v6 = address.find(':') != std::string::npos;
  const int max_length = v6 ? 128 : 32;
  int length = max_length;
  if (slash != std::string::npos) {
    try {
      length = std::stoi(text.substr(slash + 1));
    } catch (const std::exception&) {
      length = -1;
    }
  }
  if (length < 0 || length > max_length) throw std::runtime_error("mmdb_writer: bad prefix length in " + text);
  std::array<std::uint8_t, 16> bytes{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, address.c_str(), bytes.data()) != 1)
    throw std::runtime_error("mmdb_writer: not an address: " + text);
  if (v6 && ip_version == 4) throw std::runtime_error("mmdb_writer: IPv6 network in an IPv4 tree: " + text);

  if (v6 || ip_version == 4) return {Network{bytes, length, country}};
  // IPv4 in an IPv6 tree: under ::/96 (libmaxminddb's IPv4 start) and ::ffff:0:0/96.
  Network compatible{{}, 96 + length, country};
  std::memcpy(compatible.bits.data() + 12, bytes.data(), 4);
  Network mapped = compatible;
  mapped.bits[10] = mapped.bits[11] = 0xff;
  return {compatible, mapped};
}

bool bit_at(const std::array<std::uint8_t, 16>& bits, int index) {
  return (bits[index / 8] >> (7 - index % 8)) & 1;
}

struct Record {
  enum Kind { Empty, Node, Data } kind = Empty;
  std::uint32_t value = 0;  // node index or data offset
};
using Node = std::array<Record, 2>;

// Inserts networks from the least to the most specific, so a longer prefix splits the
// record of a shorter one it falls in (both halves inheriting the shorter one's data).
std::vector<Node> build_tree(std::vector<Network> networks, const std::map<std::string, std::uint32_t>& offsets) {
  std::stable_sort(networks.begin(), networks.end(),
                   [](const Network& a, const Network& b) { return a.length < b.length; });
  std::vector<Node> nodes(1);
  for (const auto& network : networks) {
    const Record data{Record::Data, offsets.at(network.country)};
    if (network.length == 0) {
      nodes[0] = {data, data};
      continue;
    }
    std::size_t node = 0;
    for (int i = 0; i < network.length; ++i) {
      const int side = bit_at(network.bits, i);
      if (i == network.length - 1) {
        nodes[node][side] = data;
        break;
      }
      const Record current = nodes[node][side];
      if (current.kind == Record::Node) {
        node = current.value;
        continue;
      }
      nodes.push_back(Node{current, current});
      const auto child = static_cast<std::uint32_t>(nodes.size() - 1);
      nodes[node][side] = Record{Record::Node, child};
      node = child;
    }
  }
  return nodes;
}

void put_record(Bytes& out, std::uint32_t value) {
  out.push_back(static_cast<char>((value >> 16) & 0xff));
  out.push_back(static_cast<char>((value >> 8) & 0xff));
  out.push_back(static_cast<char>(value & 0xff));
}

}  // namespace

void write_country_mmdb(const std::string& path, const std::vector<std::pair<std::string, std::string>>& networks,
                        int ip_version) {
  if (ip_version != 4 && ip_version != 6) throw std::runtime_error("mmdb_writer: ip_version must be 4 or 6");

  std::vector<Network> parsed;
  for (const auto& [text, country] : networks)
    for (auto& network : parse_network(text, country, ip_version)) parsed.push_back(std::move(network));

  // Data section: one {"country": {"iso_code": CC}} map per country.
  Bytes data;
  std::map<std::string, std::uint32_t> offsets;
  for (const auto& network : parsed) {
    if (offsets.count(network.country)) continue;
    offsets[network.country] = static_cast<std::uint32_t>(data.size());
    put_control(data, Type::Map, 1);
    put_string(data, "country");
    put_control(data, Type::Map, 1);
    put_string(data, "iso_code");
    put_string(data, network.country);
  }

  const auto nodes = build_tree(parsed, offsets);
  const auto node_count = static_cast<std::uint32_t>(nodes.size());
  if (node_count + 16 + data.size() >= (1u << 24)) throw std::runtime_error("mmdb_writer: too large for 24-bit records");

  Bytes file;
  for (const auto& node : nodes) {
    for (const auto& record : node) {
      switch (record.kind) {
        case Record::Empty: put_record(file, node_count); break;
        case Record::Node: put_record(file, record.value); break;
        case Record::Data: put_record(file, node_count + 16 + record.value); break;
      }
    }
  }
  file.append(16, '\0');  // data section separator
  file += data;

  file += "\xAB\xCD\xEFMaxMind.com";
  put_control(file, Type::Map, 9);
  put_string(file, "node_count");
  put_uint(file, Type::Uint32, node_count);
  put_string(file, "record_size");
  put_uint(file, Type::Uint16, 24);
  put_string(file, "ip_version");
  put_uint(file, Type::Uint16, static_cast<std::uint64_t>(ip_version));
  put_string(file, "database_type");
  put_string(file, "bvlive-test-country");
  put_string(file, "languages");
  put_control(file, Type::Array, 0);
  put_string(file, "binary_format_major_version");
  put_uint(file, Type::Uint16, 2);
  put_string(file, "binary_format_minor_version");
  put_uint(file, Type::Uint16, 0);
  put_string(file, "build_epoch");
  put_uint(file, Type::Uint64, static_cast<std::uint64_t>(std::time(nullptr)));
  put_string(file, "description");
  put_control(file, Type::Map, 0);

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(file.data(), static_cast<std::streamsize>(file.size()));
  out.close();
  if (!out) throw std::runtime_error("mmdb_writer: cannot write " + path);
}

}  // namespace bvtest
