// libsrt's process-wide state: srt_startup() before the first socket, srt_cleanup() after
// the last one (it joins libsrt's own threads). Each SrtListener holds one SrtLibrary; a
// refcount makes several listeners (tests) share one startup.
#pragma once

namespace bvlive {

class SrtLibrary {
 public:
  SrtLibrary();   // throws std::runtime_error if libsrt cannot start
  ~SrtLibrary();
  SrtLibrary(const SrtLibrary&) = delete;
  SrtLibrary& operator=(const SrtLibrary&) = delete;
};

}  // namespace bvlive
