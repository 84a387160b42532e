#include "core/security/device_window.hpp"

namespace bvlive::security {

DeviceWindow::DeviceWindow(DurationMs idle_expiry) : idle_expiry_(idle_expiry) {}

void DeviceWindow::drop_idle(Devices& devices, TimeMs now) const {
  std::erase_if(devices, [&](const auto& entry) { return !is_active(entry.second, now); });
}

DeviceWindow::Admit DeviceWindow::admit(std::string_view token_id, std::string_view device_id, int limit,
                                        TimeMs now) {
  auto token = tokens_.find(token_id);
  if (token == tokens_.end()) token = tokens_.emplace(std::string(token_id), Devices{}).first;
  Devices& devices = token->second;
  drop_idle(devices, now);
  if (auto device = devices.find(device_id); device != devices.end()) {
    if (now > device->second) device->second = now;  // never move last-seen backwards
    return Admit::Ok;
  }
  if (limit > 0 && devices.size() >= static_cast<std::size_t>(limit)) return Admit::Refused;
  devices.emplace(std::string(device_id), now);
  return Admit::New;
}

std::size_t DeviceWindow::active(std::string_view token_id, TimeMs now) const {
  const auto token = tokens_.find(token_id);
  if (token == tokens_.end()) return 0;
  std::size_t n = 0;
  for (const auto& [device, last_seen] : token->second)
    if (is_active(last_seen, now)) ++n;
  return n;
}

void DeviceWindow::forget_idle(TimeMs now) {
  for (auto token = tokens_.begin(); token != tokens_.end();) {
    drop_idle(token->second, now);
    token = token->second.empty() ? tokens_.erase(token) : std::next(token);
  }
}

}  // namespace bvlive::security
