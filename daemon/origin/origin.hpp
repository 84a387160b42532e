// The routes of the HTTP origin: playlists per view, init and media segments, /healthz
// and /metrics. Who may see what follows the live's state:
//   /live/ID/index.m3u8, media.m3u8, SESSION/FILE   public; only from LIVE's start on
//   /preview/ID/...?token=PREVIEW_TOKEN                host preview in PREVIEW and LIVE
// A request that cannot be served gets a status and a one-line reason a person can act on.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "config/settings.hpp"
#include "http/http_server.hpp"
#include "media/media_index.hpp"
#include "service/live_service.hpp"

namespace bvlive {

class Origin {
 public:
  Origin(LiveService& lives, MediaIndex& index, const MediaSettings& media, std::function<std::string()> metrics);

  http::Response handle(const http::Request& req, const http::ClientInfo& client);

 private:
  enum class Audience { Public, Preview };
  http::Response live_route(Audience audience, const std::vector<std::string>& parts, const http::Request& req);
  http::Response master(const LiveRecord& live, Audience audience, const std::string& query);
  http::Response media_playlist(const LiveRecord& live, Audience audience, const std::string& query);
  http::Response media_file(const LiveRecord& live, Audience audience, const std::string& session,
                            const std::string& file);
  std::string codecs_of(const LiveRecord& live, const std::string& init_file);

  LiveService& lives_;
  MediaIndex& index_;
  const MediaSettings& media_;
  std::function<std::string()> metrics_;
  std::map<std::string, std::string> codecs_;  // init file -> CODECS, read once
};

}  // namespace bvlive
