#define BOOST_TEST_MODULE rendition_plan
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "core/media/ffmpeg/packager_command.hpp"
#include "core/media/ladder/rendition_plan.hpp"

using namespace bvlive;
using namespace bvlive::ladder;

namespace {

std::vector<std::string> names(const std::vector<PlannedRendition>& plan) {
  std::vector<std::string> out;
  for (const auto& r : plan) out.push_back(r.name);
  return out;
}

std::string after(const std::vector<std::string>& argv, const std::string& flag, int nth = 0) {
  for (auto it = argv.begin(); it != argv.end(); ++it)
    if (*it == flag && nth-- == 0) return it + 1 == argv.end() ? "" : *(it + 1);
  return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_source_that_fits_the_tier_is_passed_through) {
  PlanInput in{.tier_height = 1080, .source_height = 720};
  const auto plan = plan_renditions(in);
  BOOST_TEST(is_passthrough(plan));
  BOOST_TEST(plan.front().name == "");
  // Unknown yet, or exactly the tier: the same plan, so learning the size changes nothing.
  in.source_height.reset();
  BOOST_TEST(plan_renditions(in) == plan);
  in.source_height = 1080;
  BOOST_TEST(plan_renditions(in) == plan);
}

BOOST_AUTO_TEST_CASE(a_source_above_the_tier_is_scaled_down_to_it) {
  const auto plan = plan_renditions(PlanInput{.tier_height = 720, .source_height = 1080});
  BOOST_REQUIRE_EQUAL(plan.size(), 1u);
  BOOST_TEST(!plan[0].copy);
  BOOST_TEST(plan[0].height == 720);
  BOOST_TEST(plan[0].video_kbps == 2800);
  BOOST_TEST(describe(plan) == "720p 2800k");
}

BOOST_AUTO_TEST_CASE(a_watermark_or_an_uncopyable_codec_forces_an_encode) {
  auto plan = plan_renditions(PlanInput{.tier_height = 1080, .source_height = 720, .watermark = true});
  BOOST_TEST(!plan[0].copy);
  BOOST_TEST(plan[0].height == 720);  // never scaled up
  BOOST_TEST(plan[0].video_kbps == 2800);
  plan = plan_renditions(PlanInput{.tier_height = 720, .reencode_video = true});
  BOOST_TEST(!plan[0].copy);
}

BOOST_AUTO_TEST_CASE(abr_adds_every_rung_below_the_top) {
  auto plan = plan_renditions(PlanInput{.tier_height = 1080, .abr = true, .source_height = 1080});
  BOOST_TEST(names(plan) == (std::vector<std::string>{"1080p", "720p", "480p", "360p"}));
  BOOST_TEST(plan[0].copy);
  BOOST_TEST(!plan[1].copy);
  BOOST_TEST(plan[3].video_kbps == 800);
  BOOST_TEST(describe(plan) == "1080p copied, 720p 2800k, 480p 1400k, 360p 800k");
  // A 4k live fed 720p: the ladder starts at the source.
  plan = plan_renditions(PlanInput{.tier_height = 2160, .abr = true, .source_height = 720});
  BOOST_TEST(names(plan) == (std::vector<std::string>{"720p", "480p", "360p"}));
  // A configured ladder, given in any order.
  plan = plan_renditions(PlanInput{.tier_height = 720, .abr = true, .ladder = {{240, 300}, {540, 1800}},
                                   .source_height = 1080});
  BOOST_TEST(names(plan) == (std::vector<std::string>{"720p", "540p", "240p"}));
  BOOST_TEST(plan[0].video_kbps == 1800);  // no rung at or above 720: the top rung's rate
  BOOST_TEST(!plan[0].copy);
}

BOOST_AUTO_TEST_CASE(audio_only_is_always_copied) {
  const auto plan = plan_renditions(PlanInput{.tier_height = 720, .abr = true, .has_video = false, .watermark = true});
  BOOST_TEST(is_passthrough(plan));
}

BOOST_AUTO_TEST_CASE(ladder_command_writes_one_output_per_rendition_with_aligned_keyframes) {
  ffmpeg::PackagerArgs args;
  args.input = ffmpeg::InputFormat::Flv;
  args.renditions = {{true, 0, 0}, {false, 480, 1400}, {false, 360, 800}};
  const auto argv = ffmpeg::packager_command(args);
  BOOST_TEST(argv.back() == "pipe:4");
  BOOST_TEST((std::count(argv.begin(), argv.end(), "pipe:1") == 1));
  BOOST_TEST((std::count(argv.begin(), argv.end(), "pipe:3") == 1));
  BOOST_TEST(ffmpeg::rendition_fd(0) == 1);
  BOOST_TEST(ffmpeg::rendition_fd(2) == 4);
  BOOST_TEST(after(argv, "-c:v") == "copy");
  BOOST_TEST(after(argv, "-c:v", 1) == "libx264");
  BOOST_TEST(after(argv, "-force_key_frames") == "source");  // the copied top's keyframes
  BOOST_TEST(after(argv, "-b:v", 1) == "800k");
  const std::string graph = after(argv, "-filter_complex");
  BOOST_TEST(graph.find("split=2[s1][s2]") != std::string::npos, graph);
  BOOST_TEST(graph.find("[s2]scale=w=-2:h='min(ih,360)'") != std::string::npos, graph);
  BOOST_TEST(graph.find("overlay") == std::string::npos);
  BOOST_TEST(after(argv, "-progress") == "pipe:2");
  // Each encoded rendition keeps the source's frame times; the copied one is not retimed.
  BOOST_TEST((std::count(argv.begin(), argv.end(), "-fps_mode:v") == 2));
  BOOST_TEST(after(argv, "-fps_mode:v", 1) == "vfr");
}

BOOST_AUTO_TEST_CASE(ladder_command_draws_the_watermark_once_before_scaling) {
  ffmpeg::PackagerArgs args;
  args.input = ffmpeg::InputFormat::MpegTs;
  args.renditions = {{false, 720, 2800}};
  args.watermark.image_path = "/state/media/library/li_x.png";
  args.watermark.corner = ffmpeg::Corner::BottomLeft;
  args.keyframe_interval = 1;
  const auto argv = ffmpeg::packager_command(args);
  BOOST_TEST(after(argv, "-i", 1) == "/state/media/library/li_x.png");
  BOOST_TEST(after(argv, "-force_key_frames") == "expr:gte(t,n_forced*1)");
  BOOST_TEST(after(argv, "-bsf:a") == "aac_adtstoasc");
  const std::string graph = after(argv, "-filter_complex");
  BOOST_TEST(graph.find("scale2ref=w='iw*0.15':h='ow*main_h/main_w'") != std::string::npos, graph);
  BOOST_TEST(graph.find("overlay=x='main_h*0.03':y='main_h-overlay_h-main_h*0.03'") != std::string::npos, graph);
  BOOST_TEST(graph.find("[marked]scale=w=-2:h='min(ih,720)'") != std::string::npos, graph);
  BOOST_TEST(argv.back() == "pipe:1");
}

BOOST_AUTO_TEST_CASE(a_slate_is_a_still_picture_and_silence_in_real_time) {
  ffmpeg::PackagerArgs args;
  args.input = ffmpeg::InputFormat::Slate;
  args.transcode_audio = true;
  args.slate_title_file = "/m/live/se_x/slate.title.txt";
  args.slate_detail_file = "/m/live/se_x/slate.detail.txt";
  args.renditions = {{false, 720, 2800}};
  auto argv = ffmpeg::packager_command(args);
  BOOST_TEST((std::count(argv.begin(), argv.end(), "-re") == 2));  // both inputs
  BOOST_TEST(after(argv, "-i") == "color=c=0x14181f:s=1280x720:r=25");
  BOOST_TEST(after(argv, "-i", 1) == "anullsrc=r=48000:cl=stereo");
  BOOST_TEST(after(argv, "-map", 1) == "1:a:0");  // the silence
  BOOST_TEST(after(argv, "-c:a") == "aac");
  std::string graph = after(argv, "-filter_complex");
  BOOST_TEST(graph.find("textfile=/m/live/se_x/slate.title.txt") != std::string::npos, graph);
  BOOST_TEST(graph.find("[slate]scale=w=-2") != std::string::npos, graph);

  args.slate_image = "/state/media/library/li_cover.jpg";
  argv = ffmpeg::packager_command(args);
  BOOST_TEST(after(argv, "-loop") == "1");
  BOOST_TEST(after(argv, "-i") == "/state/media/library/li_cover.jpg");
  graph = after(argv, "-filter_complex");
  BOOST_TEST(graph.find("pad=w=1280:h=720") != std::string::npos, graph);

  // A watermarked live's slate carries the mark too: the image is the third input.
  args.watermark.image_path = "/state/media/library/li_logo.png";
  argv = ffmpeg::packager_command(args);
  BOOST_TEST(after(argv, "-i", 2) == "/state/media/library/li_logo.png");
  graph = after(argv, "-filter_complex");
  BOOST_TEST(graph.find("[2:v]format=rgba[wmimg];[wmimg][slate]scale2ref") != std::string::npos, graph);
}
