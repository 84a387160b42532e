// Which cover a live shows in each state, what a customized cover points at, a card's
// words, and the filtergraph escaping of the texts' paths.
#define BOOST_TEST_MODULE cover_status
#include <boost/test/unit_test.hpp>

#include "core/covers/cover_status.hpp"
#include "core/media/ffmpeg/cover_commands.hpp"

using namespace bvlive;

namespace {
LiveRecord live_in(LiveState s) {
  LiveRecord l;
  l.id = "abc";
  l.spec.name = "Sunday service";
  l.state = s;
  return l;
}
}  // namespace

BOOST_AUTO_TEST_CASE(current_status_by_state) {
  using S = LiveState;
  const std::pair<S, const char*> table[] = {
      {S::Scheduled, "ready_to_start"}, {S::Preparing, "ready_to_start"}, {S::WaitForPreview, "ready_to_start"},
      {S::Preview, "preview"},          {S::Live, "current"},             {S::Encoding, "end"},
      {S::VodReady, "end"},             {S::Vod, "current"},              {S::LiveEnd, "end"},
      {S::Closed, "close"},             {S::Archived, "close"}};
  for (const auto& [state, status] : table) {
    BOOST_TEST(covers::current_status(live_in(state)) == status, to_string(state));
    BOOST_TEST(covers::is_status(status));
  }
  LiveRecord interrupted = live_in(S::Live);
  interrupted.signal_lost_at = 1;
  BOOST_TEST(covers::current_status(interrupted) == "signal_interruption");
  BOOST_TEST(!covers::is_status("nope"));
  BOOST_TEST(covers::is_frame_status("preview"));
  BOOST_TEST(covers::is_frame_status("current"));
  BOOST_TEST(!covers::is_frame_status("end"));
}

BOOST_AUTO_TEST_CASE(custom_image_only_for_customize) {
  LiveSpec spec;
  spec.cover_images[4] = {CoverImageType::Customize, std::string("lib_end")};  // "end"
  spec.cover_images[5] = {CoverImageType::Auto, std::string("lib_left_over")};  // "close"
  BOOST_TEST(covers::custom_image(spec, "end").value_or("") == "lib_end");
  BOOST_TEST(!covers::custom_image(spec, "close").has_value());
  BOOST_TEST(!covers::custom_image(spec, "preview").has_value());
}

BOOST_AUTO_TEST_CASE(card_words) {
  LiveRecord l = live_in(LiveState::Scheduled);
  BOOST_TEST(covers::card_text(l, "ready_to_start").detail == "Starting soon");
  l.spec.scheduled_at = *parse_rfc3339("2026-12-01T18:00:00Z");
  const auto t = covers::card_text(l, "ready_to_start");
  BOOST_TEST(t.title == "Sunday service");
  BOOST_TEST(t.detail == "Starts 2026-12-01 18:00 UTC");
  BOOST_TEST(covers::card_text(l, "signal_interruption").detail.find("interrupted") != std::string::npos);
  l.spec.name.clear();
  BOOST_TEST(covers::card_text(l, "end").title == "abc", "no name: the id");
}

BOOST_AUTO_TEST_CASE(filter_values_are_escaped_twice) {
  BOOST_TEST(ffmpeg::filter_value("/a/b.txt") == "/a/b.txt");
  BOOST_TEST(ffmpeg::filter_value("a:b") == "a\\\\:b");      // option level \: then graph level \\:
  BOOST_TEST(ffmpeg::filter_value("a,b") == "a\\,b");        // graph level only
  BOOST_TEST(ffmpeg::filter_value("it's") == "it\\\\\\'s");  // \' then each of \ and ' escaped again
  const auto argv = ffmpeg::card_command("ffmpeg", "/x/t.txt", "/x/d.txt", "/x/o.jpg");
  BOOST_TEST(argv.back() == "/x/o.jpg");
}
