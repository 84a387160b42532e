// Writes seed corpora for the fuzz targets with the project's own encoders, so seeds are
// valid inputs in the shapes real encoders send: AMF0 commands, RTMP chunk streams (with a
// handshake for the session target) and, from an fMP4 file made by ffmpeg, the init
// segment and the first fragments.
//   make_seeds CORPUS_ROOT [FMP4_FILE]
// Each seed starts with the split byte the targets read first (see fuzz_split.hpp).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include "core/media/fmp4/stream_splitter.hpp"
#include "protocols/rtmp/amf0.hpp"
#include "protocols/rtmp/chunk_writer.hpp"
#include "protocols/rtmp/commands.hpp"
#include "protocols/rtmp/control_messages.hpp"
#include "protocols/rtmp/handshake.hpp"

using namespace bvlive;
using Bytes = std::vector<std::uint8_t>;

namespace {

void write(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "make_seeds: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

Bytes with_split(std::uint8_t split, const Bytes& body) {
  Bytes out{split};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

rtmp::Command connect_command() {
  rtmp::Command c;
  c.name = "connect";
  c.transaction_id = 1;
  c.command_object = rtmp::Amf0Value::make_object({
      {"app", rtmp::Amf0Value::make_string("live")},
      {"type", rtmp::Amf0Value::make_string("nonprivate")},
      {"flashVer", rtmp::Amf0Value::make_string("FMLE/3.0 (compatible; FMSc/1.0)")},
      {"tcUrl", rtmp::Amf0Value::make_string("rtmp://127.0.0.1:1935/live")},
  });
  return c;
}

rtmp::Command command(std::string name, double transaction, std::vector<rtmp::Amf0Value> args) {
  rtmp::Command c;
  c.name = std::move(name);
  c.transaction_id = transaction;
  c.command_object = rtmp::Amf0Value::make_null();
  c.args = std::move(args);
  return c;
}

// What ffmpeg sends after the handshake when it publishes, with one metadata, audio and
// video message.
Bytes publish_chunks() {
  Bytes out;
  rtmp::write_chunks(rtmp::make_set_chunk_size(4096), 128, out);
  rtmp::write_chunks(rtmp::command_message(connect_command(), 0), 4096, out);
  rtmp::write_chunks(rtmp::make_window_ack_size(2'500'000), 4096, out);
  rtmp::write_chunks(rtmp::command_message(
                         command("releaseStream", 2, {rtmp::Amf0Value::make_string("sk_key")}), 0),
                     4096, out);
  rtmp::write_chunks(
      rtmp::command_message(command("FCPublish", 3, {rtmp::Amf0Value::make_string("sk_key")}), 0),
      4096, out);
  rtmp::write_chunks(rtmp::command_message(command("createStream", 4, {}), 0), 4096, out);
  rtmp::write_chunks(rtmp::command_message(command("publish", 5,
                                                   {rtmp::Amf0Value::make_string("sk_key"),
                                                    rtmp::Amf0Value::make_string("live")}),
                                           1, rtmp::kStreamChunkStreamId),
                     4096, out);
  rtmp::Message meta;
  meta.csid = 4;
  meta.type_id = rtmp::message_type::data_amf0;
  meta.stream_id = 1;
  const std::vector<rtmp::Amf0Value> meta_values{
      rtmp::Amf0Value::make_string("@setDataFrame"), rtmp::Amf0Value::make_string("onMetaData"),
      rtmp::Amf0Value::make_ecma_array({{"width", rtmp::Amf0Value::make_number(640)},
                                        {"height", rtmp::Amf0Value::make_number(360)},
                                        {"videocodecid", rtmp::Amf0Value::make_number(7)}})};
  meta.payload = rtmp::amf0_encode_all(meta_values);
  rtmp::write_chunks(meta, 4096, out);
  for (std::uint32_t i = 0; i < 3; ++i) {
    rtmp::Message video;
    video.csid = 6;
    video.type_id = rtmp::message_type::video;
    video.stream_id = 1;
    video.timestamp = i * 40;
    video.payload = Bytes(i == 0 ? 300 : 50, static_cast<std::uint8_t>(0x17 + i));
    rtmp::write_chunks(video, i == 0 ? 128 : 4096, out);  // one message in several chunks
    rtmp::Message audio = video;
    audio.csid = 7;
    audio.type_id = rtmp::message_type::audio;
    audio.payload = Bytes(20, 0xAF);
    rtmp::write_chunks(audio, 4096, out);
  }
  rtmp::write_chunks(
      rtmp::command_message(command("FCUnpublish", 6, {rtmp::Amf0Value::make_string("sk_key")}), 0),
      4096, out);
  return out;
}

Bytes handshake() {
  Bytes out{rtmp::kRtmpVersion};
  Bytes c1(rtmp::kHandshakeBlockSize, 0x5A);  // time, zero, random
  for (int i = 0; i < 8; ++i) c1[i] = 0;
  out.insert(out.end(), c1.begin(), c1.end());
  out.insert(out.end(), c1.begin(), c1.end());  // C2 echoing S1 is not checked strictly
  return out;
}

Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_ROOT [FMP4_FILE]\n");
    return 2;
  }
  const std::string root = argv[1];

  // amf0: whole command payloads and single values.
  write(root + "/amf0/connect", rtmp::encode_command(connect_command()));
  write(root + "/amf0/publish",
        rtmp::encode_command(command(
            "publish", 5,
            {rtmp::Amf0Value::make_string("sk_key"), rtmp::Amf0Value::make_string("live")})));
  write(root + "/amf0/values",
        rtmp::amf0_encode_all(std::vector<rtmp::Amf0Value>{
            rtmp::Amf0Value::make_number(1.5), rtmp::Amf0Value::make_boolean(true),
            rtmp::Amf0Value::make_undefined(), rtmp::Amf0Value::make_date(1.7e12, 0),
            rtmp::Amf0Value::make_strict_array(
                {rtmp::Amf0Value::make_string("a"),
                 rtmp::Amf0Value::make_ecma_array({{"k", rtmp::Amf0Value::make_null()}})})}));
  // A short long-string (marker 0x0C, 32-bit length): encoders only write one past 64 KiB,
  // beyond the targets' max_len.
  write(root + "/amf0/long_string", Bytes{0x0C, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'});

  // rtmp_chunk: the chunk stream after the handshake, whole and in small pieces.
  const Bytes chunks = publish_chunks();
  write(root + "/rtmp_chunk/publish_whole", with_split(0, chunks));
  write(root + "/rtmp_chunk/publish_pieces", with_split(7, chunks));
  Bytes aborted;
  rtmp::Message big;
  big.csid = 9;
  big.type_id = rtmp::message_type::video;
  big.stream_id = 1;
  big.payload = Bytes(400, 1);
  Bytes big_chunks = rtmp::write_chunks(big, 128);
  aborted.insert(aborted.end(), big_chunks.begin(), big_chunks.begin() + 200);
  rtmp::write_chunks(rtmp::make_abort(9), 128, aborted);
  big.timestamp = 0x1000000;  // an extended timestamp
  rtmp::write_chunks(big, 128, aborted);
  write(root + "/rtmp_chunk/abort_extended", with_split(3, aborted));

  // rtmp_session: handshake then the same chunks.
  Bytes session = handshake();
  session.insert(session.end(), chunks.begin(), chunks.end());
  write(root + "/rtmp_session/publish_whole", with_split(0, session));
  write(root + "/rtmp_session/publish_pieces", with_split(11, session));

  // fmp4: from a real ffmpeg file: init alone, init + 1 and + 3 fragments, the whole file.
  if (argc >= 3) {
    const Bytes file = read_all(argv[2]);
    fmp4::StreamSplitter splitter;
    const auto events = splitter.feed(file);
    Bytes stream;
    int fragments = 0;
    for (const auto& event : events) {
      if (const auto* init = std::get_if<fmp4::InitSegment>(&event)) {
        stream = init->bytes;
        write(root + "/fmp4/init", with_split(0, stream));
        if (const auto moov = fmp4::find_child(init->bytes, fmp4::fourcc("moov"))) {
          const Bytes payload(moov->payload.begin(), moov->payload.end());
          write(root + "/fmp4/moov_payload", with_split(0, payload));
        }
      } else if (const auto* fragment = std::get_if<fmp4::Fragment>(&event)) {
        stream.insert(stream.end(), fragment->bytes.begin(), fragment->bytes.end());
        ++fragments;
        if (fragments == 1 || fragments == 3)
          write(root + "/fmp4/init_and_" + std::to_string(fragments), with_split(5, stream));
        if (const auto moof = fmp4::find_child(fragment->bytes, fmp4::fourcc("moof"));
            moof && fragments == 1) {
          const Bytes payload(moof->payload.begin(), moof->payload.end());
          write(root + "/fmp4/moof_payload", with_split(0, payload));
        }
      } else {
        std::fprintf(stderr, "make_seeds: %s: %s\n", argv[2],
                     std::get<fmp4::SplitError>(event).message.c_str());
        return 1;
      }
    }
    if (fragments == 0) {
      std::fprintf(stderr, "make_seeds: %s holds no fragment\n", argv[2]);
      return 1;
    }
    if (file.size() < 200'000) write(root + "/fmp4/file", with_split(0, file));
  }
  return 0;
}
