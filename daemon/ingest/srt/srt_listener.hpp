// The SRT ingest listener: one UDP port, streamid "#!::r=STREAM_KEY,m=publish" or the bare
// key. Each accepted caller becomes a Publication fed with the MPEG-TS it sends.
//
// libsrt runs its own threads and the daemon's loop is single threaded, so:
//  - the key is checked in libsrt's listen callback (libsrt's thread, through the handler's
//    thread-safe check_key): a bad streamid or key is refused before the handshake completes,
//    with an SRT_REJX_* code the encoder can show;
//  - one worker thread waits on an SRT epoll over the listener and the accepted sockets,
//    accepts, receives, notices broken connections, and hands events to the loop thread
//    (SrtEventQueue); log lines from those threads travel the same way;
//  - on the loop thread, accepted -> handler.publish(), data -> write(), closed -> finish();
//    a kick asks the worker to close the socket and drops the Publication.
// A caller that goes silent is broken by SRT's peer idle timeout (kPeerIdleTimeoutMs).
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/settings.hpp"
#include "daemon/ingest/publication.hpp"
#include "daemon/ingest/srt/srt_event_queue.hpp"
#include "daemon/ingest/srt/srt_library.hpp"
#include "uv/timer.hpp"

namespace bvlive {

struct SrtStats {
  std::uint64_t connections_total = 0;   // publishes accepted by the handler
  std::uint64_t publishes_refused = 0;   // refused by the handler after the handshake
  std::uint64_t bytes_in = 0;
};

class SrtListener {
 public:
  // Silence from a connected caller for this long breaks the connection (SRTO_PEERIDLETIMEO).
  static constexpr int kPeerIdleTimeoutMs = 5000;
  // Received bytes waiting for the loop thread beyond this: the connection that would add
  // more is closed rather than letting memory grow while the loop is stuck.
  static constexpr std::size_t kMaxPendingBytes = 64u << 20;

  SrtListener(uv_loop_t* loop, const SrtSettings& settings, ingest::IngestHandler& handler);
  // Closes every SRT socket, joins the worker; live Publications are destroyed (encoder gone).
  ~SrtListener();
  SrtListener(const SrtListener&) = delete;
  SrtListener& operator=(const SrtListener&) = delete;

  // Binds settings.listen:port (UDP) and listens; returns the bound port (port 0 = any free
  // one). Throws std::runtime_error saying what to change. Call once.
  int start();

  // Callers whose push is running (accepted and published).
  std::size_t connections() const { return conns_.size(); }
  const SrtStats& stats() const { return stats_; }

 private:
  struct Conn {
    std::string remote;
    std::unique_ptr<ingest::Publication> publication;
  };

  // libsrt's thread, during the handshake.
  static int on_listen(void* self, int sock, int hs_version, const sockaddr* peer, const char* stream_id);
  // Worker thread.
  void run_worker();
  void accept_one();
  void receive(int sock, bool broken);
  void close_on_worker(int sock, const std::string& reason, bool tell_loop);
  // Loop thread.
  void on_batch(std::vector<SrtEvent>& batch);
  void on_accepted(SrtEvent& e);
  void on_data(const SrtEvent& e);
  void on_closed(const SrtEvent& e);
  void kick(int sock, const std::string& reason);
  void request_close(int sock);  // any thread: the worker closes it on its next turn

  SrtLibrary library_;  // first member: libsrt outlives every socket below
  uv_loop_t* loop_;
  SrtSettings settings_;
  ingest::IngestHandler& handler_;
  SrtEventQueue events_;
  uv::Timer reaper_;

  int listener_ = -1;  // SRTSOCKET
  int epoll_ = -1;
  std::thread worker_;
  std::atomic<bool> stopping_{false};
  std::set<int> accepted_;  // worker thread only (then the destructor after the join)

  std::mutex close_mutex_;
  std::vector<int> close_requests_;

  // Loop thread only.
  std::map<int, Conn> conns_;
  // Kicked publications are freed on the next loop turn, never inside their own calls.
  std::vector<std::unique_ptr<ingest::Publication>> graveyard_;
  SrtStats stats_;
};

}  // namespace bvlive
