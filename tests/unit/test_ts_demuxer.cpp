#define BOOST_TEST_MODULE ts_demuxer
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/media/ts/crc32.hpp"
#include "core/media/ts/demuxer.hpp"
#include "core/media/ts/pes_assembler.hpp"
#include "core/media/ts/timestamp_unwrapper.hpp"

using namespace bvlive::ts;

namespace {

// ---------------------------------------------------------------------------
// A tiny packetiser: PAT, PMT and PES packets written the way ISO/IEC 13818-1 lays them
// out, so each test controls exactly which bytes the demuxer sees.

constexpr std::uint16_t kPmtPid = 0x1000;
constexpr std::uint16_t kVideoPid = 0x100;
constexpr std::uint16_t kAudioPid = 0x101;

struct TsWriter {
  std::map<std::uint16_t, std::uint8_t> cc;
  std::vector<Bytes> packets;  // one entry per 188-byte packet, so tests can drop or repeat some

  // One packet holding `payload` (at most 184 bytes, 182 with an adaptation flag set);
  // shorter payloads are padded with adaptation-field stuffing.
  void packet(std::uint16_t pid, bool unit_start, ByteSpan payload, bool random_access = false,
              bool discontinuity = false) {
    Bytes p{0x47, static_cast<std::uint8_t>((unit_start ? 0x40 : 0) | (pid >> 8)),
            static_cast<std::uint8_t>(pid & 0xFF), 0};
    const std::uint8_t counter = cc[pid];
    cc[pid] = (counter + 1) & 0x0F;
    const bool flags = random_access || discontinuity;
    const bool adaptation = flags || payload.size() < 184;
    p[3] = static_cast<std::uint8_t>((adaptation ? 0x30 : 0x10) | counter);
    if (adaptation) {
      const std::size_t length = 183 - payload.size();
      BOOST_REQUIRE(!flags || length >= 1);
      p.push_back(static_cast<std::uint8_t>(length));
      if (length >= 1) {
        p.push_back(static_cast<std::uint8_t>((discontinuity ? 0x80 : 0) | (random_access ? 0x40 : 0)));
        p.insert(p.end(), length - 1, 0xFF);
      }
    }
    p.insert(p.end(), payload.begin(), payload.end());
    BOOST_REQUIRE_EQUAL(p.size(), 188u);
    packets.push_back(std::move(p));
  }

  // A section after a pointer_field of 0, spread over as many packets as it needs.
  void section(std::uint16_t pid, const Bytes& section) {
    Bytes payload{0};
    payload.insert(payload.end(), section.begin(), section.end());
    for (std::size_t pos = 0; pos < payload.size(); pos += 184) {
      Bytes chunk(payload.begin() + pos, payload.begin() + std::min(payload.size(), pos + 184));
      chunk.resize(184, 0xFF);  // stuffing after the section (§2.4.4.2)
      packet(pid, pos == 0, chunk);
    }
  }

  static Bytes long_section(std::uint8_t table_id, std::uint16_t extension, std::uint8_t version,
                            const Bytes& body, bool good_crc = true) {
    const std::size_t length = 5 + body.size() + 4;
    Bytes s{table_id, static_cast<std::uint8_t>(0xB0 | (length >> 8)), static_cast<std::uint8_t>(length),
            static_cast<std::uint8_t>(extension >> 8), static_cast<std::uint8_t>(extension),
            static_cast<std::uint8_t>(0xC1 | (version << 1)), 0, 0};
    s.insert(s.end(), body.begin(), body.end());
    std::uint32_t crc = crc32_mpeg2(s);
    if (!good_crc) crc ^= 1;
    for (int shift : {24, 16, 8, 0}) s.push_back(static_cast<std::uint8_t>(crc >> shift));
    return s;
  }

  void pat(std::uint16_t pmt_pid = kPmtPid) {
    // Program 0 (the network PID) first: it must be skipped.
    Bytes body{0, 0, 0xE0, 0x10, 0, 1, static_cast<std::uint8_t>(0xE0 | (pmt_pid >> 8)),
               static_cast<std::uint8_t>(pmt_pid)};
    section(0, long_section(0x00, 1, 0, body));
  }

  void pmt(const std::vector<std::pair<std::uint8_t, std::uint16_t>>& streams, std::uint8_t version = 0,
           std::size_t descriptor_bytes = 0, bool good_crc = true) {
    Bytes body{0xE1, 0x00, 0xF0, 0x00};  // PCR PID 0x100, no program_info
    for (auto [type, pid] : streams) {
      body.push_back(type);
      body.push_back(static_cast<std::uint8_t>(0xE0 | (pid >> 8)));
      body.push_back(static_cast<std::uint8_t>(pid));
      body.push_back(static_cast<std::uint8_t>(0xF0 | (descriptor_bytes >> 8)));
      body.push_back(static_cast<std::uint8_t>(descriptor_bytes));
      for (std::size_t i = 0; i < descriptor_bytes; i += 2) {  // "private" descriptors (tag 0x80)
        body.push_back(0x80);
        body.push_back(0);
      }
    }
    section(kPmtPid, long_section(0x02, 1, version, body, good_crc));
  }

  static void timestamp(Bytes& out, std::uint8_t prefix, std::uint64_t ts) {
    out.push_back(static_cast<std::uint8_t>((prefix << 4) | ((ts >> 29) & 0x0E) | 1));
    out.push_back(static_cast<std::uint8_t>(ts >> 22));
    out.push_back(static_cast<std::uint8_t>(((ts >> 14) & 0xFE) | 1));
    out.push_back(static_cast<std::uint8_t>(ts >> 7));
    out.push_back(static_cast<std::uint8_t>(((ts << 1) & 0xFE) | 1));
  }

  void pes(std::uint16_t pid, std::uint8_t stream_id, std::optional<std::uint64_t> pts,
           std::optional<std::uint64_t> dts, const Bytes& data, bool bounded, bool random_access = false) {
    Bytes header;
    if (pts) timestamp(header, dts ? 3 : 2, *pts);
    if (pts && dts) timestamp(header, 1, *dts);
    const std::size_t length = bounded ? 3 + header.size() + data.size() : 0;
    Bytes p{0, 0, 1, stream_id, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length), 0x80,
            static_cast<std::uint8_t>(pts ? (dts ? 0xC0 : 0x80) : 0), static_cast<std::uint8_t>(header.size())};
    p.insert(p.end(), header.begin(), header.end());
    p.insert(p.end(), data.begin(), data.end());
    std::size_t pos = 0;
    bool first = true;
    while (pos < p.size()) {
      const std::size_t room = (first && random_access) ? 182 : 184;
      const std::size_t n = std::min(room, p.size() - pos);
      packet(pid, first, ByteSpan(p).subspan(pos, n), first && random_access);
      pos += n;
      first = false;
    }
  }

  Bytes bytes() const {
    Bytes out;
    for (const auto& p : packets) out.insert(out.end(), p.begin(), p.end());
    return out;
  }
};

// An Annex B access unit: an access unit delimiter, then one slice NAL of `nal_type`
// with `size` filler bytes that contain no start code.
Bytes h264_access_unit(std::uint8_t nal_type, std::size_t size) {
  Bytes au{0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, static_cast<std::uint8_t>(0x60 | nal_type)};
  for (std::size_t i = 0; i < size; ++i) au.push_back(static_cast<std::uint8_t>(0x80 + i % 100));
  return au;
}

Bytes adts_frame(std::size_t payload_size, unsigned rate_index = 3 /* 48 kHz */) {
  const std::size_t length = 7 + payload_size;
  Bytes f{0xFF, 0xF1, static_cast<std::uint8_t>(0x40 | (rate_index << 2)), static_cast<std::uint8_t>(0x80 | (length >> 11)),
          static_cast<std::uint8_t>(length >> 3), static_cast<std::uint8_t>(((length & 7) << 5) | 0x1F), 0xFC};
  for (std::size_t i = 0; i < payload_size; ++i) f.push_back(static_cast<std::uint8_t>(i));
  return f;
}

// ---------------------------------------------------------------------------
// Running the demuxer and looking at what came out.

std::vector<Event> demux(ByteSpan bytes, std::size_t piece = 0, Demuxer* use = nullptr) {
  Demuxer local;
  Demuxer& d = use ? *use : local;
  std::vector<Event> events;
  auto add = [&](std::vector<Event> more) {
    for (auto& e : more) events.push_back(std::move(e));
  };
  if (piece == 0) {
    add(d.feed(bytes));
  } else {
    for (std::size_t pos = 0; pos < bytes.size(); pos += piece)
      add(d.feed(bytes.subspan(pos, std::min(piece, bytes.size() - pos))));
  }
  add(d.flush());
  return events;
}

std::vector<Sample> samples_of(const std::vector<Event>& events, std::optional<StreamKind> kind = {}) {
  std::vector<Sample> out;
  for (const auto& e : events)
    if (auto* s = std::get_if<Sample>(&e))
      if (!kind || s->kind == *kind) out.push_back(*s);
  return out;
}

std::vector<std::string> warnings_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    if (auto* w = std::get_if<Warning>(&e)) out.push_back(w->message);
  return out;
}

std::vector<ProgramChanged> programs_of(const std::vector<Event>& events) {
  std::vector<ProgramChanged> out;
  for (const auto& e : events)
    if (auto* p = std::get_if<ProgramChanged>(&e)) out.push_back(*p);
  return out;
}

// Every event as one line, for comparing two runs exactly.
std::string describe(const std::vector<Event>& events) {
  std::ostringstream out;
  for (const auto& e : events) {
    if (auto* s = std::get_if<Sample>(&e)) {
      std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
      for (auto b : s->data) hash = (hash ^ b) * 1099511628211ull;
      out << "sample " << s->pid << ' ' << name_of(s->kind) << ' ' << s->pts << ' ' << s->dts << ' '
          << s->keyframe << s->random_access << s->discontinuity << ' ' << s->data.size() << ' ' << hash << '\n';
    } else if (auto* p = std::get_if<ProgramChanged>(&e)) {
      out << "program";
      for (const auto& es : p->streams) out << ' ' << es.pid << '/' << int(es.stream_type);
      out << '\n';
    } else {
      out << "warning " << std::get<Warning>(e).message << '\n';
    }
  }
  return out.str();
}

std::string describe(const std::vector<Sample>& samples) {
  std::vector<Event> events(samples.begin(), samples.end());
  return describe(events);
}

// A stream of `count` H.264 access units of 90 kHz DTS `start + i*3600` (PTS two frames
// later), each several packets long, with a key frame every `gop`; the PAT and PMT first.
TsWriter video_stream(int count, std::uint64_t start = 900000, int gop = 4, std::size_t au_size = 700) {
  TsWriter w;
  w.pat();
  w.pmt({{0x1B, kVideoPid}});
  for (int i = 0; i < count; ++i) {
    const std::uint64_t dts = (start + std::uint64_t(i) * 3600) % kTimestampModulus;
    const std::uint64_t pts = (dts + 7200) % kTimestampModulus;
    const bool key = i % gop == 0;
    w.pes(kVideoPid, 0xE0, pts, dts, h264_access_unit(key ? 5 : 1, au_size + i), false, key);
  }
  return w;
}

// ---------------------------------------------------------------------------
// Real files from ffmpeg, made at test time.

struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/bvlive-ts-XXXXXX";
    const char* made = mkdtemp(name);
    BOOST_REQUIRE(made != nullptr);
    path = made;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  BOOST_REQUIRE_MESSAGE(pipe != nullptr, "cannot run " << command);
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  BOOST_REQUIRE_MESSAGE(status == 0, "failed (" << status << "): " << command << "\n" << out);
  return out;
}

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Two seconds of 25 fps test pattern and a 48 kHz sine, muxed by ffmpeg into MPEG-TS.
std::string make_ts(const TempDir& dir, const std::string& video_codec) {
  const std::string path = dir.path + "/in.ts";
  run("ffmpeg -v error -nostdin -y -f lavfi -i testsrc=size=160x120:rate=25 "
      "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -pix_fmt yuv420p " +
      video_codec + " -g 12 -c:a aac -b:a 64k -f mpegts " + path + " 2>&1");
  return path;
}

struct ProbedPacket {
  std::int64_t pts = 0, dts = 0;
  bool key = false;
};

std::vector<ProbedPacket> probe_packets(const std::string& path, const std::string& stream) {
  std::istringstream lines(run("ffprobe -v error -select_streams " + stream +
                               " -show_entries packet=pts,dts,flags -of csv=p=0 " + path));
  std::vector<ProbedPacket> out;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string pts, dts, flags;
    std::getline(fields, pts, ',');
    std::getline(fields, dts, ',');
    std::getline(fields, flags, ',');
    out.push_back(ProbedPacket{std::stoll(pts), std::stoll(dts), flags.find('K') != std::string::npos});
  }
  return out;
}

long probe_count(const std::string& path, const std::string& stream, const std::string& what) {
  const std::string entry = what == "frames" ? "nb_read_frames" : "nb_read_packets";
  return std::stol(run("ffprobe -v error -count_" + what + " -select_streams " + stream +
                       " -show_entries stream=" + entry + " -of csv=p=0 " + path));
}

}  // namespace

// ---------------------------------------------------------------------------
// Hand-made streams.

BOOST_AUTO_TEST_CASE(program_streams_and_samples_from_a_hand_made_stream) {
  TsWriter w;
  w.pat();
  w.pmt({{0x1B, kVideoPid}, {0x0F, kAudioPid}, {0x11, 0x102}, {0x06, 0x103}});
  const Bytes idr = h264_access_unit(5, 400), p1 = h264_access_unit(1, 300), p2 = h264_access_unit(1, 200);
  w.pes(kVideoPid, 0xE0, 10000, 6400, idr, false, true);
  Bytes three_frames;
  for (std::size_t size : {100, 120, 90}) {
    const Bytes f = adts_frame(size);
    three_frames.insert(three_frames.end(), f.begin(), f.end());
  }
  w.pes(kAudioPid, 0xC0, 8000, std::nullopt, three_frames, true);
  w.pes(kVideoPid, 0xE0, 17200, 10000, p1, false);
  w.pes(kVideoPid, 0xE0, 13600, std::nullopt, p2, true);  // bounded video, PTS only

  Demuxer d;
  const auto events = demux(w.bytes(), 0, &d);
  BOOST_TEST(warnings_of(events).empty(), describe(events));

  const auto programs = programs_of(events);
  BOOST_REQUIRE_EQUAL(programs.size(), 1u);
  const std::vector<ElementaryStream> expected{{kVideoPid, 0x1B, StreamKind::h264},
                                               {kAudioPid, 0x0F, StreamKind::aac},
                                               {0x102, 0x11, StreamKind::other},
                                               {0x103, 0x06, StreamKind::other}};
  BOOST_TEST((programs[0].streams == expected));

  const auto video = samples_of(events, StreamKind::h264);
  BOOST_REQUIRE_EQUAL(video.size(), 3u);
  BOOST_TEST(video[0].pts == 10000);
  BOOST_TEST(video[0].dts == 6400);
  BOOST_TEST(video[0].keyframe);
  BOOST_TEST(video[0].random_access);
  BOOST_TEST((video[0].data == idr));
  BOOST_TEST(video[1].pts == 17200);
  BOOST_TEST(video[1].dts == 10000);
  BOOST_TEST(!video[1].keyframe);
  BOOST_TEST((video[1].data == p1));
  BOOST_TEST(video[2].pts == 13600);
  BOOST_TEST(video[2].dts == 13600);  // no DTS: dts == pts
  BOOST_TEST((video[2].data == p2));

  const auto audio = samples_of(events, StreamKind::aac);
  BOOST_REQUIRE_EQUAL(audio.size(), 3u);
  std::size_t offset = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    BOOST_TEST(audio[k].pid == kAudioPid);
    BOOST_TEST(audio[k].pts == std::int64_t(8000 + k * 1920));  // 1024 samples at 48 kHz
    BOOST_TEST(audio[k].dts == audio[k].pts);
    BOOST_TEST(audio[k].keyframe);
    BOOST_TEST((audio[k].data == Bytes(three_frames.begin() + offset,
                                       three_frames.begin() + offset + audio[k].data.size())));
    offset += audio[k].data.size();
  }
  BOOST_TEST(offset == three_frames.size());
  BOOST_TEST(d.packets() == w.packets.size());
  BOOST_TEST(d.resyncs() == 0u);
  BOOST_TEST(d.continuity_errors() == 0u);
  BOOST_TEST(!d.unusable());
}

BOOST_AUTO_TEST_CASE(unbounded_video_pes_ends_at_the_next_unit_start_or_at_flush) {
  const auto w = video_stream(2);
  Demuxer d;
  const Bytes bytes = w.bytes();
  BOOST_TEST(samples_of(d.feed(bytes)).size() == 1u);  // the second has no end yet
  BOOST_TEST(samples_of(d.flush()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(one_byte_pieces_give_the_same_events_as_one_piece) {
  auto w = video_stream(12);
  w.pes(kVideoPid, 0xE0, std::nullopt, std::nullopt, h264_access_unit(1, 50), true);  // a warning too
  const Bytes bytes = w.bytes();
  const std::string whole = describe(demux(bytes));
  BOOST_TEST(samples_of(demux(bytes)).size() == 12u);
  for (std::size_t piece : {1, 7, 188, 1316, 1000}) BOOST_TEST(describe(demux(bytes, piece)) == whole);
}

BOOST_AUTO_TEST_CASE(garbage_before_the_first_sync_byte_and_between_packets_resyncs) {
  const auto w = video_stream(8);
  const Bytes clean = w.bytes();
  const std::string expected = describe(samples_of(demux(clean)));

  Bytes garbage;
  for (int i = 0; i < 1000; ++i) garbage.push_back(static_cast<std::uint8_t>(i % 0x47));  // no 0x47
  Bytes dirty = garbage;
  dirty.insert(dirty.end(), clean.begin(), clean.begin() + 188 * 5);
  dirty.insert(dirty.end(), garbage.begin(), garbage.begin() + 77);  // between two packets
  dirty.insert(dirty.end(), clean.begin() + 188 * 5, clean.end());

  for (std::size_t piece : {0, 1, 1316}) {
    Demuxer d;
    const auto events = demux(dirty, piece, &d);
    BOOST_TEST(d.resyncs() == 2u);
    BOOST_TEST(d.continuity_errors() == 0u);
    BOOST_TEST(!d.unusable());
    const auto warnings = warnings_of(events);
    BOOST_REQUIRE_EQUAL(warnings.size(), 2u);
    BOOST_TEST(warnings[0].find("skipped 1000 bytes") != std::string::npos);
    BOOST_TEST(warnings[1].find("skipped 77 bytes") != std::string::npos);
    BOOST_TEST(describe(samples_of(events)) == expected);
  }
}

BOOST_AUTO_TEST_CASE(a_continuity_gap_drops_exactly_the_damaged_pes) {
  const auto w = video_stream(6);
  const auto all = samples_of(demux(w.bytes()));
  BOOST_REQUIRE_EQUAL(all.size(), 6u);

  // Find the packets of the fourth PES (index 3) and lose one from its middle.
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < w.packets.size(); ++i) {
    const auto& p = w.packets[i];
    if (((p[1] & 0x1F) << 8 | p[2]) == kVideoPid && (p[1] & 0x40)) starts.push_back(i);
  }
  BOOST_REQUIRE_EQUAL(starts.size(), 6u);
  BOOST_REQUIRE(starts[4] - starts[3] >= 3);
  auto damaged = w;
  damaged.packets.erase(damaged.packets.begin() + static_cast<std::ptrdiff_t>(starts[3] + 1));

  Demuxer d;
  const auto events = demux(damaged.bytes(), 0, &d);
  const auto got = samples_of(events);
  BOOST_REQUIRE_EQUAL(got.size(), 5u);
  std::vector<Sample> expected = all;
  expected.erase(expected.begin() + 3);
  BOOST_TEST(describe(got) == describe(expected));
  BOOST_TEST(d.continuity_errors() == 1u);
  const auto warnings = warnings_of(events);
  BOOST_REQUIRE_EQUAL(warnings.size(), 1u);
  BOOST_TEST(warnings[0].find("continuity") != std::string::npos);
  BOOST_TEST(warnings[0].find("dropped the PES") != std::string::npos);

  // A packet sent twice is allowed: the copy is ignored.
  auto doubled = w;
  doubled.packets.insert(doubled.packets.begin() + static_cast<std::ptrdiff_t>(starts[2] + 1),
                         doubled.packets[starts[2] + 1]);
  Demuxer d2;
  const auto events2 = demux(doubled.bytes(), 0, &d2);
  BOOST_TEST(describe(samples_of(events2)) == describe(all));
  BOOST_TEST(d2.continuity_errors() == 0u);
  BOOST_TEST(warnings_of(events2).empty());
}

BOOST_AUTO_TEST_CASE(pts_wrap_near_2_pow_33_stays_monotonic) {
  const std::uint64_t start = kTimestampModulus - 5 * 3600 + 17;
  const auto w = video_stream(12, start);
  const auto samples = samples_of(demux(w.bytes(), 1));
  BOOST_REQUIRE_EQUAL(samples.size(), 12u);
  BOOST_TEST(samples[0].dts == std::int64_t(start));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    BOOST_TEST(samples[i].dts == std::int64_t(start + i * 3600));
    BOOST_TEST(samples[i].pts == samples[i].dts + 7200);  // also across the PTS's own wrap
  }
  BOOST_TEST(samples.back().dts > std::int64_t(kTimestampModulus));

  // Small steps back are steps back, not a wrap.
  TimestampUnwrapper u;
  BOOST_TEST(u.unwrap(100) == 100);
  BOOST_TEST(u.unwrap(kTimestampModulus - 50) == -50);
  BOOST_TEST(u.unwrap(10) == 10);
  BOOST_TEST(u.unwrap(kTimestampModulus + 5) == 5);  // only 33 bits count
}

BOOST_AUTO_TEST_CASE(pure_garbage_is_unusable) {
  std::mt19937 random(42);
  Bytes garbage(256 * 1024);
  for (auto& b : garbage) b = static_cast<std::uint8_t>(random());
  for (std::size_t piece : {0, 1316}) {
    Demuxer d;
    const auto events = demux(garbage, piece, &d);
    BOOST_TEST(d.unusable());
    BOOST_TEST(d.unusable_reason().find("no packet sync") != std::string::npos, d.unusable_reason());
    BOOST_TEST(samples_of(events).empty());
    BOOST_TEST(programs_of(events).empty());
    // Further input is ignored.
    const Bytes good = video_stream(2).bytes();
    BOOST_TEST(d.feed(good).empty());
  }
  // A text file pushed by mistake.
  const std::string text(100000, 'x');
  Demuxer d;
  d.feed(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  BOOST_TEST(d.unusable());
}

BOOST_AUTO_TEST_CASE(damaged_adts_drops_that_pes_only) {
  TsWriter w;
  w.pat();
  w.pmt({{0x0F, kAudioPid}});
  Bytes good;
  for (int i = 0; i < 2; ++i) {
    const Bytes f = adts_frame(50);
    good.insert(good.end(), f.begin(), f.end());
  }
  Bytes bad = good;
  bad[7 + 50 + 1] = 0x00;  // second frame's syncword broken
  Bytes truncated = adts_frame(50);
  truncated.resize(40);  // frame_length runs past the PES
  w.pes(kAudioPid, 0xC0, 1000, std::nullopt, good, true);
  w.pes(kAudioPid, 0xC0, 4840, std::nullopt, bad, true);
  w.pes(kAudioPid, 0xC0, 8680, std::nullopt, truncated, true);
  w.pes(kAudioPid, 0xC0, 12520, std::nullopt, good, true);
  w.pes(kAudioPid, 0xC0, std::nullopt, std::nullopt, good, true);  // no PTS
  const auto events = demux(w.bytes());
  const auto audio = samples_of(events);
  BOOST_REQUIRE_EQUAL(audio.size(), 4u);
  BOOST_TEST(audio[0].pts == 1000);
  BOOST_TEST(audio[1].pts == 1000 + 1920);
  BOOST_TEST(audio[2].pts == 12520);
  BOOST_TEST(audio[3].pts == 12520 + 1920);
  const auto warnings = warnings_of(events);
  BOOST_REQUIRE_EQUAL(warnings.size(), 3u);
  BOOST_TEST(warnings[0].find("syncword") != std::string::npos);
  BOOST_TEST(warnings[1].find("runs past") != std::string::npos);
  BOOST_TEST(warnings[2].find("without PTS") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(aac_frame_offsets_follow_the_sample_rate) {
  TsWriter w;
  w.pat();
  w.pmt({{0x0F, kAudioPid}});
  Bytes frames;
  for (int i = 0; i < 4; ++i) {
    const Bytes f = adts_frame(30, 4 /* 44.1 kHz */);
    frames.insert(frames.end(), f.begin(), f.end());
  }
  w.pes(kAudioPid, 0xC0, 0, std::nullopt, frames, true);
  const auto audio = samples_of(demux(w.bytes()));
  BOOST_REQUIRE_EQUAL(audio.size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) BOOST_TEST(audio[k].pts == std::int64_t(k * 1024 * 90000 / 44100));
}

BOOST_AUTO_TEST_CASE(psi_sections_reassemble_across_packets_and_bad_crcs_are_ignored) {
  TsWriter w;
  w.pat();
  // Descriptors make the PMT span three packets.
  w.pmt({{0x1B, kVideoPid}, {0x0F, kAudioPid}}, 0, 200);
  w.pmt({{0x1B, kVideoPid}, {0x0F, kAudioPid}}, 0, 200);  // repeated: no new event
  w.pmt({{0x1B, kVideoPid}}, 1, 0, false);              // damaged: ignored
  w.pmt({{0x24, kVideoPid}}, 2);                        // a new version: announced
  BOOST_TEST(w.packets.size() > 7u);
  const auto events = demux(w.bytes(), 5);
  const auto programs = programs_of(events);
  BOOST_REQUIRE_EQUAL(programs.size(), 2u);
  BOOST_TEST(programs[0].streams.size() == 2u);
  BOOST_TEST((programs[1].streams == std::vector<ElementaryStream>{{kVideoPid, 0x24, StreamKind::hevc}}));
  const auto warnings = warnings_of(events);
  BOOST_REQUIRE_EQUAL(warnings.size(), 1u);
  BOOST_TEST(warnings[0].find("CRC") != std::string::npos);

  // A pointer_field that skips the tail of a section we never saw the start of.
  TsWriter tail;
  const Bytes pat = TsWriter::long_section(0x00, 1, 0, {0, 1, 0xF0, 0x00});
  Bytes payload{5, 1, 2, 3, 4, 5};
  payload.insert(payload.end(), pat.begin(), pat.end());
  payload.resize(184, 0xFF);
  tail.packet(0, true, payload);
  tail.pmt({{0x1B, kVideoPid}});
  BOOST_TEST(programs_of(demux(tail.bytes())).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_pes_over_the_cap_is_dropped) {
  PesAssembler pes(1000);
  std::vector<PesOutput> out;
  Bytes start{0, 0, 1, 0xE0, 0, 0, 0x80, 0, 0};
  start.resize(184, 0x11);
  pes.push(start, true, false, out);
  for (int i = 0; i < 10; ++i) pes.push(Bytes(184, 0x22), false, false, out);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(std::get<PesDropped>(out[0]).reason.find("larger") != std::string::npos);
  pes.push(start, true, false, out);  // the next PES is taken again
  pes.finish(out);
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  BOOST_TEST(std::get<PesComplete>(out[1]).bytes.size() == 184u);
}

// ---------------------------------------------------------------------------
// Real streams from ffmpeg.

BOOST_AUTO_TEST_CASE(h264_and_aac_from_ffmpeg_match_ffprobe) {
  TempDir dir;
  const std::string path = make_ts(dir, "-c:v libx264 -preset veryfast -bf 2");
  const Bytes bytes = read_bytes(path);
  Demuxer d;
  const auto events = demux(bytes, 0, &d);
  BOOST_TEST(warnings_of(events).empty(), describe(events));
  BOOST_TEST(d.packets() * 188 == bytes.size());

  const auto programs = programs_of(events);
  BOOST_REQUIRE_EQUAL(programs.size(), 1u);
  BOOST_REQUIRE_EQUAL(programs[0].streams.size(), 2u);
  BOOST_TEST((programs[0].streams[0].kind == StreamKind::h264));
  BOOST_TEST((programs[0].streams[1].kind == StreamKind::aac));

  const auto video = samples_of(events, StreamKind::h264);
  BOOST_TEST(long(video.size()) == probe_count(path, "v:0", "frames"));
  const auto probed_video = probe_packets(path, "v:0");
  BOOST_REQUIRE_EQUAL(video.size(), probed_video.size());
  BOOST_REQUIRE(!video.empty());
  BOOST_TEST(video[0].keyframe);
  BOOST_TEST(video[0].data.size() > 5u);
  for (std::size_t i = 0; i < video.size(); ++i) {
    if (i < 10) {
      BOOST_TEST(video[i].pts == probed_video[i].pts, "video " << i);
      BOOST_TEST(video[i].dts == probed_video[i].dts, "video " << i);
    }
    BOOST_TEST(video[i].keyframe == probed_video[i].key, "video " << i);
  }
  BOOST_TEST(std::count_if(video.begin(), video.end(), [](const Sample& s) { return s.keyframe; }) > 2);

  const auto audio = samples_of(events, StreamKind::aac);
  BOOST_TEST(long(audio.size()) == probe_count(path, "a:0", "packets"));
  const auto probed_audio = probe_packets(path, "a:0");
  BOOST_REQUIRE_EQUAL(audio.size(), probed_audio.size());
  for (std::size_t i = 0; i < audio.size(); ++i) {
    BOOST_TEST(audio[i].pts == probed_audio[i].pts, "audio " << i);
    BOOST_TEST(audio[i].data.size() >= 7u);
    BOOST_TEST(audio[i].data[0] == 0xFF);
  }

  // However the bytes arrive, the same events come out.
  const std::string whole = describe(events);
  BOOST_TEST(describe(demux(bytes, 1)) == whole);
  BOOST_TEST(describe(demux(bytes, 1316)) == whole);
}

BOOST_AUTO_TEST_CASE(hevc_from_ffmpeg_has_keyframes_at_irap_pictures) {
  TempDir dir;
  const std::string path = make_ts(dir, "-c:v libx265 -x265-params log-level=error:keyint=12:min-keyint=12");
  const Bytes bytes = read_bytes(path);
  const auto events = demux(bytes, 1316);
  BOOST_TEST(warnings_of(events).empty(), describe(events));
  const auto programs = programs_of(events);
  BOOST_REQUIRE_EQUAL(programs.size(), 1u);
  BOOST_TEST((programs[0].streams[0] == ElementaryStream{programs[0].streams[0].pid, 0x24, StreamKind::hevc}));

  const auto video = samples_of(events, StreamKind::hevc);
  BOOST_TEST(long(video.size()) == probe_count(path, "v:0", "frames"));
  const auto probed = probe_packets(path, "v:0");
  BOOST_REQUIRE_EQUAL(video.size(), probed.size());
  BOOST_REQUIRE(!video.empty());
  BOOST_TEST(video[0].keyframe);
  for (std::size_t i = 0; i < video.size(); ++i) {
    BOOST_TEST(video[i].keyframe == probed[i].key, "video " << i);
    BOOST_TEST(video[i].dts == probed[i].dts, "video " << i);
  }
  BOOST_TEST(std::count_if(video.begin(), video.end(), [](const Sample& s) { return s.keyframe; }) >= 4);
}
