// Concurrent-device limit for playback tokens: the distinct device ids seen with one token
// within an idle window. A device already counted keeps playing; one device too many is
// refused; a device silent for longer than the window stops counting, freeing its slot.
// Pure bookkeeping on caller-supplied times (no clock, no timer): the daemon calls
// forget_idle() periodically so memory stays bounded by the devices actually active.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "util/time.hpp"

namespace bvlive::security {

class DeviceWindow {
 public:
  // A device counts as active while its last request is less than `idle_expiry` old.
  explicit DeviceWindow(DurationMs idle_expiry);

  enum class Admit {
    Ok,       // the device was already active for this token; its last-seen time refreshed
    New,      // a new device, admitted and now counted
    Refused,  // a new device while `limit` devices are already active (nothing recorded)
  };
  // `limit` <= 0 means no limit. The caller passes the lower of the live's and the token's.
  Admit admit(std::string_view token_id, std::string_view device_id, int limit, TimeMs now);
  // Devices active for `token_id` at `now`.
  std::size_t active(std::string_view token_id, TimeMs now) const;
  // Drops idle devices, and tokens left with none.
  void forget_idle(TimeMs now);
  // Tokens currently tracked (for metrics and to check memory stays bounded).
  std::size_t tracked_tokens() const { return tokens_.size(); }

 private:
  using Devices = std::map<std::string, TimeMs, std::less<>>;  // device id -> last seen
  bool is_active(TimeMs last_seen, TimeMs now) const { return now - last_seen < idle_expiry_; }
  void drop_idle(Devices& devices, TimeMs now) const;

  DurationMs idle_expiry_;
  std::map<std::string, Devices, std::less<>> tokens_;
};

}  // namespace bvlive::security
