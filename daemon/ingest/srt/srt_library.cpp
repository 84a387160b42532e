#include "daemon/ingest/srt/srt_library.hpp"

#include <srt/srt.h>
#include <syslog.h>

#include <mutex>
#include <stdexcept>
#include <string>

namespace bvlive {
namespace {
std::mutex g_mutex;
int g_users = 0;
}  // namespace

SrtLibrary::SrtLibrary() {
  std::lock_guard lock(g_mutex);
  if (g_users == 0 && srt_startup() < 0)
    throw std::runtime_error(std::string("cannot start libsrt: ") + srt_getlasterror_str());
  // libsrt writes its own lines to stderr; its warnings repeat what the listener logs
  // (refusals), its errors are kept: a wrong or missing passphrase is only reported there.
  if (g_users == 0) srt_setloglevel(LOG_ERR);
  ++g_users;
}

SrtLibrary::~SrtLibrary() {
  std::lock_guard lock(g_mutex);
  if (--g_users == 0) srt_cleanup();
}

}  // namespace bvlive
