#define BOOST_TEST_MODULE sdp
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "core/media/ffmpeg/packager_command.hpp"
#include "protocols/sdp/answer.hpp"
#include "protocols/sdp/codec_selection.hpp"
#include "protocols/sdp/ffmpeg_sdp.hpp"
#include "protocols/sdp/offer.hpp"
#include "support/process.hpp"

using namespace bvlive::sdp;

namespace {

std::string sample(const std::string& name) {
  const std::string text = bvtest::read_file(std::string(BVLIVE_TEST_DATA) + "/sdp/" + name);
  BOOST_TEST_REQUIRE(!text.empty(), "missing sample " << name);
  return text;
}

Offer parsed(const std::string& sdp) {
  auto r = parse_offer(sdp);
  if (auto* e = std::get_if<OfferError>(&r)) BOOST_FAIL("offer refused: " << e->message);
  return std::get<Offer>(std::move(r));
}

std::string refusal(const std::string& sdp) {
  auto r = parse_offer(sdp);
  if (std::holds_alternative<Offer>(r)) BOOST_FAIL("offer accepted, expected a refusal:\n" << sdp);
  return std::get<OfferError>(r).message;
}

Selection selected(const Offer& offer) {
  auto r = select_codecs(offer);
  if (auto* e = std::get_if<OfferError>(&r)) BOOST_FAIL("selection refused: " << e->message);
  return std::get<Selection>(std::move(r));
}

std::string selection_refusal(const std::string& sdp) {
  auto r = select_codecs(parsed(sdp));
  if (std::holds_alternative<Selection>(r)) BOOST_FAIL("selection accepted, expected a refusal:\n" << sdp);
  return std::get<OfferError>(r).message;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  BOOST_TEST_REQUIRE(at != std::string::npos, "sample lacks \"" << from << "\"");
  return text.replace(at, from.size(), to);
}

std::vector<std::string> crlf_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find("\r\n", pos);
    BOOST_TEST_REQUIRE(end != std::string::npos, "line not ended by CRLF: " << text.substr(pos));
    lines.push_back(text.substr(pos, end - pos));
    BOOST_TEST(!contains(lines.back(), "\n"), "bare LF in line " << lines.back());
    pos = end + 2;
  }
  return lines;
}

const std::string kFingerprint =
    "5D:83:5C:3C:2F:6E:8D:5A:B2:1F:4E:9A:0C:6B:7D:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11";
const std::string kOurFingerprint =
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

AnswerParams answer_params() {
  AnswerParams p;
  p.ice_ufrag = "srvU";
  p.ice_pwd = "serverpassword0123456789";
  p.fingerprint_sha256 = "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99";
  p.candidates = {{"192.0.2.10", 8189}};
  p.session_id = 1234567890;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(chrome_offer_is_read) {
  const Offer o = parsed(sample("chrome_h264_opus.sdp"));
  BOOST_TEST(o.ice_ufrag == "Yb5H");
  BOOST_TEST(o.ice_pwd == "jmTLKYDzFz9qB4wLXz+E1/Aw");
  BOOST_TEST(o.fingerprint_algorithm == "sha-256");
  BOOST_TEST(o.fingerprint == kFingerprint);  // upper-cased
  BOOST_TEST(o.setup == "actpass");
  BOOST_TEST(o.bundle_mids == (std::vector<std::string>{"0", "1"}));
  BOOST_TEST_REQUIRE(o.media.size() == 2u);

  const MediaSection& v = o.media[0];
  BOOST_TEST(v.kind == "video");
  BOOST_TEST(v.mid == "0");
  BOOST_TEST(v.port == 9);
  BOOST_TEST(v.protocol == "UDP/TLS/RTP/SAVPF");
  BOOST_TEST(v.direction == "sendonly");
  BOOST_TEST(v.rtcp_mux);
  BOOST_TEST(v.rtcp_rsize);
  BOOST_TEST(v.codecs.size() == 25u);
  BOOST_TEST(v.ssrcs == (std::vector<std::uint32_t>{2742345926u, 1405783367u}));
  BOOST_TEST(v.extmaps.size() == 11u);
  BOOST_TEST((v.extmaps[8] == std::pair<int, std::string>{9, "urn:ietf:params:rtp-hdrext:sdes:mid"}));
  const Codec* h264 = v.codec(102);
  BOOST_TEST_REQUIRE(h264);
  BOOST_TEST(h264->name == "H264");
  BOOST_TEST(h264->clock_rate == 90000);
  BOOST_TEST(h264->fmtp == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f");
  BOOST_TEST(h264->rtcp_fb ==
             (std::vector<std::string>{"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"}));
  BOOST_TEST(v.codec(97)->name == "rtx");
  BOOST_TEST(v.codec(97)->fmtp == "apt=96");

  const MediaSection& a = o.media[1];
  BOOST_TEST(a.kind == "audio");
  BOOST_TEST(a.mid == "1");
  BOOST_TEST(a.ssrcs == (std::vector<std::uint32_t>{3735928559u}));
  const Codec* opus = a.codec(111);
  BOOST_TEST_REQUIRE(opus);
  BOOST_TEST(opus->name == "opus");
  BOOST_TEST(opus->clock_rate == 48000);
  BOOST_TEST(opus->channels == 2);
  BOOST_TEST(opus->fmtp == "minptime=10;useinbandfec=1");
  BOOST_TEST(a.codec(9)->name == "G722");
  BOOST_TEST(a.codec(9)->channels == 1);
  BOOST_TEST(a.ice_ufrag == "Yb5H");
  BOOST_TEST(a.fingerprint == kFingerprint);
}

BOOST_AUTO_TEST_CASE(lf_and_crlf_read_the_same) {
  std::string crlf = sample("chrome_h264_opus.sdp");
  BOOST_TEST_REQUIRE(contains(crlf, "\r\n"));
  std::string lf;
  for (char c : crlf)
    if (c != '\r') lf += c;
  const Offer a = parsed(crlf);
  const Offer b = parsed(lf);
  BOOST_TEST(a.media.size() == b.media.size());
  BOOST_TEST(a.media[0].codecs.size() == b.media[0].codecs.size());
  BOOST_TEST(a.media[1].codec(111)->fmtp == b.media[1].codec(111)->fmtp);
  BOOST_TEST(a.ice_pwd == b.ice_pwd);
}

BOOST_AUTO_TEST_CASE(session_level_transport_applies_to_every_section) {
  const Offer o = parsed(sample("obs_h264_opus.sdp"));
  BOOST_TEST(o.ice_ufrag == "Ks4e");
  BOOST_TEST_REQUIRE(o.media.size() == 2u);
  for (const MediaSection& m : o.media) {
    BOOST_TEST(m.ice_ufrag == "Ks4e");
    BOOST_TEST(m.ice_pwd == "WZdu1h3Ft5C1lFWbyRqT9PZi");
    BOOST_TEST(m.fingerprint_algorithm == "sha-256");
    BOOST_TEST(m.setup == "actpass");
  }
  // A section's own line wins over the session's.
  const std::string own = replace(sample("obs_h264_opus.sdp"), "a=mid:1\n", "a=mid:1\na=ice-ufrag:Vid0\n");
  const Offer o2 = parsed(own);
  BOOST_TEST(o2.media[0].ice_ufrag == "Ks4e");
  BOOST_TEST(o2.media[1].ice_ufrag == "Vid0");
}

BOOST_AUTO_TEST_CASE(chrome_selection_prefers_constrained_baseline_h264_with_packetization_mode_1) {
  const Offer o = parsed(sample("chrome_h264_opus.sdp"));
  const Selection s = selected(o);
  BOOST_TEST_REQUIRE(s.video.has_value());
  BOOST_TEST(s.video->payload_type == 106);  // 42e01f pm=1, not 42001f (102), 4d (127), 64 (112) or VP8
  BOOST_TEST(s.video->name == "H264");
  BOOST_TEST_REQUIRE(s.audio.has_value());
  BOOST_TEST(s.audio->payload_type == 111);
  BOOST_TEST(s.video_section.value_or(99) == 0u);
  BOOST_TEST(s.audio_section.value_or(99) == 1u);

  // Without constrained baseline: baseline pm=1 next; without any pm=1 H.264: VP8.
  std::string no_cb = replace(sample("chrome_h264_opus.sdp"), "packetization-mode=1;profile-level-id=42e01f",
                              "packetization-mode=0;profile-level-id=42e01f");
  BOOST_TEST(selected(parsed(no_cb)).video->payload_type == 102);
  std::string high_only = no_cb;
  high_only = replace(high_only, "packetization-mode=1;profile-level-id=42001f", "packetization-mode=0;profile-level-id=42001f");
  BOOST_TEST(selected(parsed(high_only)).video->payload_type == 127);  // main before high
  high_only = replace(high_only, "packetization-mode=1;profile-level-id=4d001f", "packetization-mode=0;profile-level-id=4d001f");
  BOOST_TEST(selected(parsed(high_only)).video->payload_type == 112);
  std::string vp8 = replace(high_only, "packetization-mode=1;profile-level-id=64001f", "packetization-mode=0;profile-level-id=64001f");
  BOOST_TEST(selected(parsed(vp8)).video->name == "VP8");
}

BOOST_AUTO_TEST_CASE(obs_offer_selects_its_h264_and_opus) {
  const Selection s = selected(parsed(sample("obs_h264_opus.sdp")));
  BOOST_TEST_REQUIRE(s.video.has_value());
  BOOST_TEST_REQUIRE(s.audio.has_value());
  BOOST_TEST(s.video->payload_type == 96);
  BOOST_TEST(s.audio->payload_type == 111);
  BOOST_TEST(s.audio_section.value_or(99) == 0u);  // OBS puts audio first
  BOOST_TEST(s.video_section.value_or(99) == 1u);
}

BOOST_AUTO_TEST_CASE(vp8_only_offer_is_accepted_without_audio) {
  const Selection s = selected(parsed(sample("vp8_only.sdp")));
  BOOST_TEST_REQUIRE(s.video.has_value());
  BOOST_TEST(s.video->name == "VP8");
  BOOST_TEST(s.video->payload_type == 96);
  BOOST_TEST(!s.audio.has_value());
}

BOOST_AUTO_TEST_CASE(offers_that_cannot_work_are_refused_with_a_reason) {
  BOOST_TEST(refusal(sample("no_fingerprint.sdp")) == "no a=fingerprint: the offer must use DTLS-SRTP");
  BOOST_TEST(refusal(sample("garbage.sdp")) == "not SDP (no v=0 line)");
  BOOST_TEST(refusal("") == "not SDP (no v=0 line)");
  BOOST_TEST(refusal("v=0\r\n") == "no m= section: the offer has no media to send");

  const std::string vp8 = sample("vp8_only.sdp");
  BOOST_TEST(refusal(replace(vp8, "a=ice-pwd:abcdefghijklmnopqrstuvwx\n", "")) ==
             "no ICE credentials (a=ice-ufrag/a=ice-pwd)");
  BOOST_TEST(refusal(replace(vp8, "a=setup:actpass", "a=setup:passive")) ==
             "a=setup:passive offered; the offer must be actpass or active");
  BOOST_TEST(contains(refusal(replace(vp8, "UDP/TLS/RTP/SAVPF", "RTP/AVP")), "not UDP/TLS/RTP/SAVPF"));
  // Malformed lines are named by number (line 1 is v=0).
  BOOST_TEST(refusal(replace(vp8, "t=0 0\n", "t=0 0\nthis is not sdp\n")) ==
             "line 5: expected TYPE=VALUE, got \"this is not sdp\"");
  BOOST_TEST(contains(refusal(replace(vp8, "a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP8")), "line 15: a=rtpmap"));
  BOOST_TEST(contains(refusal(replace(vp8, "a=ssrc:42 ", "a=ssrc:x42 ")), "a=ssrc"));
  BOOST_TEST(contains(refusal(replace(vp8, "a=fingerprint:sha-256 00:11:", "a=fingerprint:sha-256 00:1G:")),
                      "a=fingerprint sha-256 value"));
  BOOST_TEST(contains(refusal(replace(vp8, "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "m=video 9 UDP/TLS/RTP/SAVPF 96 x")),
                      "line 6: m=video payload type \"x\""));
}

BOOST_AUTO_TEST_CASE(offers_are_bounded) {
  std::string big = sample("vp8_only.sdp");
  while (big.size() <= kMaxOfferBytes) big += "a=x-padding:0123456789012345678901234567890123456789\n";
  BOOST_TEST(contains(refusal(big), "offer too large"));

  std::string many = "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\n";
  for (int i = 0; i < 17; ++i) many += "m=audio 9 UDP/TLS/RTP/SAVPF 111\na=mid:" + std::to_string(i) + "\n";
  BOOST_TEST(contains(refusal(many), "more than 16 m= sections"));
}

BOOST_AUTO_TEST_CASE(selection_refusals_say_what_was_offered_and_what_is_taken) {
  BOOST_TEST(selection_refusal(sample("no_supported_codec.sdp")) ==
             "no supported codec: video offers VP9, AV1; audio offers PCMU, PCMA; bvlive takes H.264 "
             "(packetization-mode=1) or VP8 video and Opus audio");
  const std::string vp8 = sample("vp8_only.sdp");
  BOOST_TEST(contains(selection_refusal(replace(vp8, "a=sendonly", "a=recvonly")), "sends no media"));
  BOOST_TEST(contains(selection_refusal(replace(vp8, "a=rtcp-mux\n", "")), "no a=rtcp-mux"));
  // Audio and video outside one BUNDLE group cannot share the daemon's one port.
  BOOST_TEST(contains(selection_refusal(replace(sample("obs_h264_opus.sdp"), "a=group:BUNDLE 0 1", "a=group:BUNDLE 0")),
                      "BUNDLE"));
}

BOOST_AUTO_TEST_CASE(answer_to_obs_is_exactly_the_expected_lines) {
  const Offer o = parsed(sample("obs_h264_opus.sdp"));
  const std::string answer = build_answer(o, selected(o), answer_params());
  const std::vector<std::string> expected = {
      "v=0",
      "o=- 1234567890 2 IN IP4 127.0.0.1",
      "s=-",
      "t=0 0",
      "a=group:BUNDLE 0 1",
      "a=ice-lite",
      "m=audio 9 UDP/TLS/RTP/SAVPF 111",
      "c=IN IP4 0.0.0.0",
      "a=ice-ufrag:srvU",
      "a=ice-pwd:serverpassword0123456789",
      "a=fingerprint:sha-256 " + kOurFingerprint,
      "a=setup:passive",
      "a=mid:0",
      "a=recvonly",
      "a=rtcp-mux",
      "a=rtpmap:111 opus/48000/2",
      "a=fmtp:111 minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1",
      "a=candidate:1 1 udp 2130706431 192.0.2.10 8189 typ host",
      "a=end-of-candidates",
      "m=video 9 UDP/TLS/RTP/SAVPF 96",
      "c=IN IP4 0.0.0.0",
      "a=ice-ufrag:srvU",
      "a=ice-pwd:serverpassword0123456789",
      "a=fingerprint:sha-256 " + kOurFingerprint,
      "a=setup:passive",
      "a=mid:1",
      "a=recvonly",
      "a=rtcp-mux",
      "a=rtpmap:96 H264/90000",
      "a=rtcp-fb:96 nack pli",
      "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1",
      "a=candidate:1 1 udp 2130706431 192.0.2.10 8189 typ host",
      "a=end-of-candidates",
  };
  BOOST_TEST(crlf_lines(answer) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(answer_to_chrome_keeps_only_the_selected_payload_types) {
  const Offer o = parsed(sample("chrome_h264_opus.sdp"));
  AnswerParams p = answer_params();
  p.candidates.push_back({"2001:db8::1", 8189});
  const std::string answer = build_answer(o, selected(o), p);
  const auto lines = crlf_lines(answer);
  const auto count = [&](const std::string& line) { return std::count(lines.begin(), lines.end(), line); };
  BOOST_TEST(count("a=ice-lite") == 1);
  BOOST_TEST(count("a=group:BUNDLE 0 1") == 1);
  BOOST_TEST(count("m=video 9 UDP/TLS/RTP/SAVPF 106") == 1);
  BOOST_TEST(count("m=audio 9 UDP/TLS/RTP/SAVPF 111") == 1);
  BOOST_TEST(count("a=setup:passive") == 2);
  BOOST_TEST(count("a=fingerprint:sha-256 " + kOurFingerprint) == 2);
  BOOST_TEST(count("a=recvonly") == 2);
  BOOST_TEST(count("a=rtcp-rsize") == 1);  // offered for video only
  BOOST_TEST(count("a=candidate:1 1 udp 2130706431 192.0.2.10 8189 typ host") == 2);
  BOOST_TEST(count("a=candidate:2 1 udp 2130706175 2001:db8::1 8189 typ host") == 2);
  BOOST_TEST(count("a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid") == 2);
  BOOST_TEST(count("a=rtcp-fb:106 nack pli") == 1);
  BOOST_TEST(count("a=rtcp-fb:106 ccm fir") == 1);
  BOOST_TEST(count("a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f") == 1);
  for (const std::string& line : lines) {
    BOOST_TEST(!contains(line, "transport-cc"), line);
    BOOST_TEST(!contains(line, "rtx"), line);
    BOOST_TEST(!contains(line, "VP9"), line);
    BOOST_TEST(!contains(line, "sendonly"), line);
    BOOST_TEST(line != "a=rtcp-fb:106 nack", line);
    if (line.rfind("a=rtpmap:", 0) == 0)
      BOOST_TEST((line == "a=rtpmap:106 H264/90000" || line == "a=rtpmap:111 opus/48000/2"), line);
  }
}

BOOST_AUTO_TEST_CASE(answer_rejects_sections_it_does_not_take) {
  // A data channel and a second video: answered with port 0, inactive, left out of BUNDLE.
  std::string sdp = sample("vp8_only.sdp");
  sdp = replace(sdp, "a=group:BUNDLE 0", "a=group:BUNDLE 0 1 2");
  sdp += "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\na=mid:1\na=sctp-port:5000\n";
  sdp += "m=video 9 UDP/TLS/RTP/SAVPF 98\na=mid:2\na=sendonly\na=rtcp-mux\na=rtpmap:98 VP9/90000\n";
  const Offer o = parsed(sdp);
  const Selection s = selected(o);
  BOOST_TEST(s.warnings.size() == 1u);
  const std::string answer = build_answer(o, s, answer_params());
  BOOST_TEST(contains(answer, "a=group:BUNDLE 0\r\n"));
  BOOST_TEST(contains(answer, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
                              "a=mid:1\r\na=inactive\r\n"));
  BOOST_TEST(contains(answer, "m=video 0 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=inactive\r\n"));
  BOOST_TEST(contains(answer, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"));
}

BOOST_AUTO_TEST_CASE(ffmpeg_sdp_describes_the_selected_codecs) {
  const Selection s = selected(parsed(sample("chrome_h264_opus.sdp")));
  BOOST_TEST(ffmpeg_sdp(s, 40000, 40002) ==
             "v=0\n"
             "o=- 0 0 IN IP4 127.0.0.1\n"
             "s=bvlive WHIP ingest\n"
             "c=IN IP4 127.0.0.1\n"
             "t=0 0\n"
             "m=video 40000 RTP/AVP 106\n"
             "a=rtpmap:106 H264/90000\n"
             "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\n"
             "m=audio 40002 RTP/AVP 111\n"
             "a=rtpmap:111 opus/48000/2\n"
             "a=fmtp:111 minptime=10;useinbandfec=1\n");
  const Selection vp8 = selected(parsed(sample("vp8_only.sdp")));
  BOOST_TEST(ffmpeg_sdp(vp8, 40000, 40002) ==
             "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=bvlive WHIP ingest\nc=IN IP4 127.0.0.1\nt=0 0\n"
             "m=video 40000 RTP/AVP 96\na=rtpmap:96 VP8/90000\n");
}

namespace {

// A UDP port whose next port is free too (ffmpeg binds PORT+1 for RTCP).
int free_udp_port_pair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int a = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(a, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::getsockname(a, reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);
    const int b = ::socket(AF_INET, SOCK_DGRAM, 0);
    addr.sin_port = htons(static_cast<std::uint16_t>(port + 1));
    const bool next_free = port < 65535 && ::bind(b, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(a);
    ::close(b);
    if (next_free) return port;
  }
  BOOST_FAIL("no free UDP port pair on 127.0.0.1");
  return 0;
}

}  // namespace

// The SDP file is what a real ffmpeg needs to depacketize H.264 and Opus RTP with the offer's
// payload types: an ffmpeg RTP sender stands in for the daemon's decrypted forwarding.
BOOST_AUTO_TEST_CASE(ffmpeg_receives_rtp_described_by_the_sdp) {
  const Selection s = selected(parsed(sample("chrome_h264_opus.sdp")));
  bvtest::TempDir dir("bvlive-sdp");
  const int video_port = free_udp_port_pair();
  int audio_port = free_udp_port_pair();
  while (audio_port == video_port || audio_port == video_port + 1 || audio_port + 1 == video_port)
    audio_port = free_udp_port_pair();
  bvtest::write_file(dir / "session.sdp", ffmpeg_sdp(s, video_port, audio_port));

  bvtest::BackgroundProcess receiver({"ffmpeg", "-hide_banner", "-nostdin", "-protocol_whitelist", "file,udp,rtp",
                                      "-i", dir / "session.sdp", "-t", "2", "-c", "copy", "-y", dir / "out.mkv"},
                                     dir / "receiver.log");
  // The sender runs long enough (real time) to cover the receiver starting late; it stops once the
  // receiver has its two seconds.
  bvtest::BackgroundProcess sender(
      {"ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
       "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
       "-map", "0:v", "-t", "15", "-c:v", "libx264", "-profile:v", "baseline", "-g", "25", "-pix_fmt", "yuv420p",
       "-payload_type", "106", "-f", "rtp", "rtp://127.0.0.1:" + std::to_string(video_port),
       "-map", "1:a", "-t", "15", "-c:a", "libopus", "-ac", "2", "-payload_type", "111", "-f", "rtp",
       "rtp://127.0.0.1:" + std::to_string(audio_port)},
      dir / "sender.log");
  const auto code = receiver.wait(std::chrono::seconds(25));
  sender.stop();
  BOOST_TEST_REQUIRE((code && *code == 0), "ffmpeg receiver failed:\n" << bvtest::read_file(dir / "receiver.log"));

  const auto probe = bvtest::run({"ffprobe", "-v", "error", "-count_packets", "-show_entries",
                                  "stream=codec_name,nb_read_packets", "-of", "csv=p=0", dir / "out.mkv"});
  BOOST_TEST_REQUIRE(probe.code == 0, probe.describe());
  BOOST_TEST(contains(probe.out, "h264,"), probe.out);
  BOOST_TEST(contains(probe.out, "opus,"), probe.out);
  BOOST_TEST(!contains(probe.out, ",0\n"), "a stream without packets: " << probe.out);
}

// A browser's VP8 is re-encoded to H.264 by the packager. When ffmpeg's probe ends before
// it knows the frame rate (as on a loaded machine; forced here with a tiny probe), the rate
// it falls back to is the 90 kHz RTP clock. The encode must still follow the source's own
// frames: a constant-rate encode at 90,000 fps would repeat every frame and never finish.
BOOST_AUTO_TEST_CASE(vp8_whose_rate_ffmpeg_cannot_estimate_is_encoded_at_the_sources_rate) {
  const Selection vp8 = selected(parsed(sample("vp8_only.sdp")));
  bvtest::TempDir dir("bvlive-sdp-vp8");
  const int video_port = free_udp_port_pair();
  bvtest::write_file(dir / "session.sdp", ffmpeg_sdp(vp8, video_port, 0));

  bvlive::ffmpeg::PackagerArgs args;
  args.input = bvlive::ffmpeg::InputFormat::RtpSdp;
  args.sdp_path = dir / "session.sdp";
  args.transcode_video = true;
  std::vector<std::string> argv = bvlive::ffmpeg::packager_command(args);
  const auto input = std::find(argv.begin(), argv.end(), "-f");
  BOOST_REQUIRE(input != argv.end());
  argv.insert(input, {"-analyzeduration", "100000", "-probesize", "2000"});
  argv.back() = dir / "out.mp4";  // instead of the pipe, 4 s of output into a file
  argv.insert(argv.end() - 1, {"-t", "4"});
  bvtest::BackgroundProcess packager(argv, dir / "packager.log");
  bvtest::BackgroundProcess sender(
      {"ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
       "testsrc2=size=320x240:rate=20", "-t", "30", "-c:v", "libvpx", "-deadline", "realtime", "-g", "10",
       "-b:v", "300k", "-payload_type", "96", "-f", "rtp", "rtp://127.0.0.1:" + std::to_string(video_port)},
      dir / "sender.log");
  const auto code = packager.wait(std::chrono::seconds(25));
  sender.stop();
  BOOST_TEST_REQUIRE((code && *code == 0),
                     "4 s of output not encoded in 25 s:\n" << bvtest::read_file(dir / "packager.log"));

  const auto probe = bvtest::run({"ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                                  "-show_entries", "stream=codec_name,nb_read_frames:format=duration", "-of",
                                  "default=noprint_wrappers=1", dir / "out.mp4"});
  BOOST_TEST_REQUIRE(probe.code == 0, probe.describe());
  BOOST_TEST(contains(probe.out, "codec_name=h264"), probe.out);
  const auto number_after = [&](const std::string& key) {
    const auto at = probe.out.find(key + "=");
    return at == std::string::npos ? 0.0 : std::stod(probe.out.substr(at + key.size() + 1));
  };
  const double frames = number_after("nb_read_frames"), seconds = number_after("duration");
  BOOST_TEST(seconds > 3.0, probe.out);
  // The source's 20 frames a second, give or take the ones lost before the first keyframe.
  BOOST_TEST(frames / seconds <= 21.0, probe.out);
  BOOST_TEST(frames / seconds >= 10.0, probe.out);
}
