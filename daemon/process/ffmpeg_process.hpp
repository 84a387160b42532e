// An ffmpeg child on the daemon's loop: fed on stdin, its outputs (stdout, then fds 3, 4,
// ...) and its log and progress (stderr) read over pipes. The transcoding packager
// (packager/ffmpeg_packager.hpp), the VOD job's remux steps and the covers run one.
//
// Lifetime. on_exit is called exactly once, after the child has exited AND stdout and
// stderr have reached EOF, so every output byte and the last error line came first. A
// FfmpegProcess destroyed while its child runs kills it (SIGKILL) and leaves the process
// handle to a small reaper that lives until libuv reports the exit: libuv 1.44 only
// waitpid()s children whose uv_process_t is still open, so closing it early would leave
// a zombie. The loop thus stays alive until every child is reaped.
//
// Orphans. uv_spawn has no pre-exec hook for PR_SET_PDEATHSIG, so nothing kills the child
// when the daemon dies. It exits by itself anyway: the daemon's death closes the other
// ends of its pipes, so ffmpeg reads EOF on stdin (and finishes) and any write to stdout
// fails with EPIPE (tests/integration/test_packager.cpp checks both).
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/media/ffmpeg/packager_command.hpp"
#include "core/media/ffmpeg/stderr_reader.hpp"
#include "uv/handle.hpp"

namespace bvlive {

struct FfmpegExit {
  std::int64_t exit_code = 0;
  int term_signal = 0;   // non-zero when a signal ended it
  // "ffmpeg exited with code 1: <last error line>", "ffmpeg was killed by signal 9",
  // "ffmpeg finished".
  std::string message;
  bool clean = false;    // exit 0 after close_input()
};

inline constexpr std::size_t kDefaultFfmpegMaxQueuedInput = 64u << 20;

class FfmpegProcess {
 public:
  using ExitStatus = FfmpegExit;

  struct Callbacks {
    std::function<void(std::span<const std::uint8_t>)> on_output;  // fMP4 bytes, in order
    // A transcoding packager's outputs, one per rendition (fd 1, then 3, 4, ...); when
    // set, it gets every output, on_output none.
    std::function<void(std::size_t rendition, std::span<const std::uint8_t>)> on_rendition_output;
    std::function<void(const ffmpeg::Progress&)> on_progress;
    std::function<void(const ffmpeg::MediaInfo&)> on_media_info;   // once, input section read
    std::function<void(const ExitStatus&)> on_exit;                // once, last call
  };

  // Nothing runs until start(). Callbacks may destroy the FfmpegProcess.
  FfmpegProcess(uv_loop_t* loop, const ffmpeg::PackagerArgs& args, Callbacks callbacks,
           std::size_t max_queued_input = kDefaultFfmpegMaxQueuedInput);
  // Any ffmpeg command line (argv[0] is the program): the VOD job's remux steps. `outputs`
  // pipes are read: stdout, then fds 3, 4, ...
  FfmpegProcess(uv_loop_t* loop, std::vector<std::string> argv, Callbacks callbacks,
           std::size_t max_queued_input = kDefaultFfmpegMaxQueuedInput, std::size_t outputs = 1);
  ~FfmpegProcess();
  FfmpegProcess(const FfmpegProcess&) = delete;
  FfmpegProcess& operator=(const FfmpegProcess&) = delete;

  // Spawns ffmpeg. Throws std::runtime_error when it cannot, e.g. "cannot start the
  // packager 'ffmpeg-x': no such file; set media.ffmpeg in bvlived.toml".
  void start();

  // Queues a copy of `bytes` for ffmpeg's stdin. Returns false, queuing nothing, when more
  // than max_queued_input bytes already wait (ffmpeg does not keep up), or when the input
  // is closed or the child is gone.
  bool write(std::span<const std::uint8_t> bytes);
  // End of input: pending bytes are written, then stdin is closed; ffmpeg finishes the
  // last fragment and exits 0.
  void close_input();
  // SIGKILL now (no-op when not running). on_exit follows.
  void kill();
  // SIGINT: ffmpeg finishes its output and exits (how an input that is not stdin is stopped).
  void interrupt();

  int pid() const { return pid_; }
  bool running() const { return started_ && !exited_; }
  bool input_closed() const { return input_closed_; }
  // Input bytes accepted by write() whose write has not completed yet.
  std::size_t write_queue_bytes() const { return queued_bytes_; }
  const std::optional<ffmpeg::Progress>& last_progress() const { return stderr_.last_progress(); }
  // Complete once the input section has been read (has_media_info()).
  const ffmpeg::MediaInfo& media_info() const { return stderr_.media_info(); }
  bool has_media_info() const { return stderr_.media_info_complete(); }
  const std::vector<std::string>& errors() const { return stderr_.errors(); }
  const std::vector<std::string>& argv() const { return argv_; }

 private:
  // The process handle with a back pointer, so that it can outlive the FfmpegProcess until
  // libuv reports the exit (owner is then null and the exit callback frees it).
  struct Child {
    uv::UvHandle<uv_process_t> process;
    FfmpegProcess* owner = nullptr;
  };

  static void on_process_exit(uv_process_t* process, std::int64_t exit_status, int term_signal);
  static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void on_output_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_stderr_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write_done(uv_write_t* req, int status);
  static void on_shutdown_done(uv_shutdown_t* req, int status);

  // Handles a batch of stderr events; false if a callback destroyed the FfmpegProcess.
  bool deliver(const ffmpeg::StderrReader::Events& events);
  void handle_exit(std::int64_t exit_code, int term_signal);
  void maybe_finish();
  ExitStatus exit_status() const;

  uv_loop_t* loop_;
  std::vector<std::string> argv_;
  std::string program_;
  Callbacks callbacks_;
  std::size_t max_queued_input_;

  std::unique_ptr<Child> child_;
  uv::UvHandle<uv_pipe_t> stdin_;
  std::vector<uv::UvHandle<uv_pipe_t>> outputs_;  // [0] is stdout
  uv::UvHandle<uv_pipe_t> stderr_pipe_;
  std::vector<std::uint8_t> read_buffer_;

  ffmpeg::StderrReader stderr_;
  // Expires with the FfmpegProcess: a callback that may have destroyed it checks this after.
  std::shared_ptr<bool> lifetime_ = std::make_shared<bool>(true);

  int pid_ = 0;
  bool started_ = false;
  bool exited_ = false;
  std::size_t outputs_open_ = 0;  // output pipes not at EOF yet
  bool stderr_eof_ = false;
  bool input_closed_ = false;
  bool exit_reported_ = false;
  bool media_info_reported_ = false;
  std::int64_t exit_code_ = 0;
  int term_signal_ = 0;
  std::size_t queued_bytes_ = 0;
};

}  // namespace bvlive
