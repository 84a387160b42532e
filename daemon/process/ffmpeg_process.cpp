#include "process/ffmpeg_process.hpp"

#include <algorithm>
#include <csignal>
#include <stdexcept>
#include <string_view>

namespace bvlive {

namespace {

constexpr std::size_t kReadBufferBytes = 64 * 1024;

// A copy of the caller's bytes that lives until libuv has written it.
struct WriteRequest {
  uv_write_t req{};
  std::vector<std::uint8_t> bytes;
};

std::string spawn_failure(const std::string& program, int error) {
  std::string reason;
  if (error == UV_ENOENT) reason = "no such file";
  else if (error == UV_EACCES) reason = "permission denied (not an executable file?)";
  else reason = uv_strerror(error);
  return "cannot start the packager '" + program + "': " + reason + "; set media.ffmpeg in bvlived.toml";
}

}  // namespace

FfmpegProcess::FfmpegProcess(uv_loop_t* loop, const ffmpeg::PackagerArgs& args, Callbacks callbacks,
                   std::size_t max_queued_input)
    : FfmpegProcess(loop, ffmpeg::packager_command(args), std::move(callbacks), max_queued_input,
               args.renditions.empty() ? 1 : args.renditions.size()) {}

FfmpegProcess::FfmpegProcess(uv_loop_t* loop, std::vector<std::string> argv, Callbacks callbacks, std::size_t max_queued_input,
                   std::size_t outputs)
    : loop_(loop),
      argv_(std::move(argv)),
      program_(argv_.at(0)),
      callbacks_(std::move(callbacks)),
      max_queued_input_(max_queued_input),
      outputs_(std::max<std::size_t>(outputs, 1)),
      read_buffer_(kReadBufferBytes) {}

FfmpegProcess::~FfmpegProcess() {
  if (child_ && running()) {
    // The handle must stay open until the exit is reported, or libuv never reaps the
    // child: hand it to the exit callback, which frees it.
    uv_process_kill(child_->process.get(), SIGKILL);
    child_->owner = nullptr;
    (void)child_.release();
  }
  // The pipes close with their UvHandles; pending writes are cancelled (on_write_done
  // frees them, seeing a null handle->data).
}

void FfmpegProcess::start() {
  if (started_ || child_) throw std::logic_error("FfmpegProcess::start called twice");

  std::vector<uv::UvHandle<uv_pipe_t>*> pipes{&stdin_, &stderr_pipe_};
  for (auto& out : outputs_) pipes.push_back(&out);
  for (auto* pipe : pipes) {
    if (const int rc = uv_pipe_init(loop_, pipe->get(), 0); rc != 0)
      throw std::runtime_error(std::string("cannot create a pipe for the packager: ") + uv_strerror(rc));
    pipe->mark_initialized();
    (*pipe)->data = this;
  }

  std::vector<char*> args;
  for (auto& arg : argv_) args.push_back(arg.data());
  args.push_back(nullptr);

  // Flags are from the child's side: it reads stdin, writes stdout and stderr.
  // Output i is fd ffmpeg::rendition_fd(i): 1, then 3, 4, ...
  std::vector<uv_stdio_container_t> stdio(outputs_.size() + 2);
  stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
  stdio[0].data.stream = stdin_.stream();
  stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[2].data.stream = stderr_pipe_.stream();
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    auto& slot = stdio[static_cast<std::size_t>(ffmpeg::rendition_fd(i))];
    slot.flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    slot.data.stream = outputs_[i].stream();
  }

  uv_process_options_t options{};
  options.exit_cb = &FfmpegProcess::on_process_exit;
  options.file = argv_.front().c_str();
  options.args = args.data();
  options.stdio_count = static_cast<int>(stdio.size());
  options.stdio = stdio.data();

  child_ = std::make_unique<Child>();
  child_->owner = this;
  const int rc = uv_spawn(loop_, child_->process.get(), &options);
  child_->process.mark_initialized();  // uv_spawn initialises the handle even when it fails
  child_->process->data = child_.get();
  if (rc != 0) throw std::runtime_error(spawn_failure(program_, rc));

  started_ = true;
  pid_ = child_->process->pid;
  outputs_open_ = outputs_.size();
  for (auto& out : outputs_) uv_read_start(out.stream(), &FfmpegProcess::on_alloc, &FfmpegProcess::on_output_read);
  uv_read_start(stderr_pipe_.stream(), &FfmpegProcess::on_alloc, &FfmpegProcess::on_stderr_read);
}

bool FfmpegProcess::write(std::span<const std::uint8_t> bytes) {
  if (!running() || input_closed_ || !stdin_.initialized()) return false;
  if (queued_bytes_ + bytes.size() > max_queued_input_) return false;
  if (bytes.empty()) return true;

  auto request = std::make_unique<WriteRequest>();
  request->bytes.assign(bytes.begin(), bytes.end());
  request->req.data = request.get();
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(request->bytes.data()),
                             static_cast<unsigned int>(request->bytes.size()));
  if (uv_write(&request->req, stdin_.stream(), &buf, 1, &FfmpegProcess::on_write_done) != 0) return false;
  queued_bytes_ += bytes.size();
  (void)request.release();  // on_write_done frees it
  return true;
}

void FfmpegProcess::close_input() {
  if (input_closed_) return;
  input_closed_ = true;
  if (!stdin_.initialized()) return;
  auto request = std::make_unique<uv_shutdown_t>();
  if (uv_shutdown(request.get(), stdin_.stream(), &FfmpegProcess::on_shutdown_done) == 0) {
    (void)request.release();  // on_shutdown_done frees it
  } else {
    stdin_.reset();
  }
}

void FfmpegProcess::kill() {
  if (running()) uv_process_kill(child_->process.get(), SIGKILL);
}

void FfmpegProcess::interrupt() {
  if (running()) uv_process_kill(child_->process.get(), SIGINT);
}

void FfmpegProcess::on_process_exit(uv_process_t* process, std::int64_t exit_code, int term_signal) {
  auto* child = static_cast<Child*>(process->data);
  if (child->owner == nullptr) {
    std::unique_ptr<Child> orphaned(child);  // reaped: close and free the handle
    return;
  }
  child->owner->handle_exit(exit_code, term_signal);
}

void FfmpegProcess::handle_exit(std::int64_t exit_code, int term_signal) {
  exited_ = true;
  exit_code_ = exit_code;
  term_signal_ = term_signal;
  // Nobody reads stdin any more: drop what was waiting.
  stdin_.reset();
  queued_bytes_ = 0;
  maybe_finish();
}

void FfmpegProcess::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
  auto* self = static_cast<FfmpegProcess*>(handle->data);
  if (self == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  // Reads are handled one at a time, so stdout and stderr can share one buffer.
  *buf = uv_buf_init(reinterpret_cast<char*>(self->read_buffer_.data()),
                     static_cast<unsigned int>(self->read_buffer_.size()));
}

void FfmpegProcess::on_output_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<FfmpegProcess*>(stream->data);
  if (self == nullptr || nread == 0) return;
  if (nread > 0) {
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(buf->base),
                                              static_cast<std::size_t>(nread));
    if (self->callbacks_.on_rendition_output) {
      std::size_t i = 0;
      while (i < self->outputs_.size() && self->outputs_[i].stream() != stream) ++i;
      self->callbacks_.on_rendition_output(i, bytes);
    } else if (self->callbacks_.on_output) {
      self->callbacks_.on_output(bytes);
    }
    return;
  }
  // UV_EOF, or a read error that ends the stream just the same.
  uv_read_stop(stream);
  if (self->outputs_open_ > 0) --self->outputs_open_;
  self->maybe_finish();
}

void FfmpegProcess::on_stderr_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<FfmpegProcess*>(stream->data);
  if (self == nullptr || nread == 0) return;
  if (nread > 0) {
    self->deliver(self->stderr_.feed(std::string_view(buf->base, static_cast<std::size_t>(nread))));
    return;
  }
  uv_read_stop(stream);
  if (!self->deliver(self->stderr_.finish())) return;
  self->stderr_eof_ = true;
  self->maybe_finish();
}

bool FfmpegProcess::deliver(const ffmpeg::StderrReader::Events& events) {
  const std::weak_ptr<bool> lifetime = lifetime_;
  if (events.media_info_ready && !media_info_reported_) {
    media_info_reported_ = true;
    if (callbacks_.on_media_info) {
      callbacks_.on_media_info(stderr_.media_info());
      if (lifetime.expired()) return false;
    }
  }
  for (const auto& progress : events.progress) {
    if (!callbacks_.on_progress) break;
    callbacks_.on_progress(progress);
    if (lifetime.expired()) return false;
  }
  return true;
}

void FfmpegProcess::on_write_done(uv_write_t* req, int) {
  std::unique_ptr<WriteRequest> request(static_cast<WriteRequest*>(req->data));
  // A failed write (EPIPE: ffmpeg is gone) needs nothing here: the exit reports it.
  if (auto* self = static_cast<FfmpegProcess*>(req->handle->data)) {
    const auto size = request->bytes.size();
    self->queued_bytes_ = self->queued_bytes_ >= size ? self->queued_bytes_ - size : 0;
  }
}

void FfmpegProcess::on_shutdown_done(uv_shutdown_t* req, int) {
  std::unique_ptr<uv_shutdown_t> request(req);
  if (auto* self = static_cast<FfmpegProcess*>(req->handle->data)) self->stdin_.reset();
}

void FfmpegProcess::maybe_finish() {
  if (!exited_ || outputs_open_ > 0 || !stderr_eof_ || exit_reported_) return;
  exit_reported_ = true;
  const ExitStatus status = exit_status();
  // Moved out first: the callback may destroy this FfmpegProcess and its Callbacks with it.
  auto on_exit = std::move(callbacks_.on_exit);
  if (on_exit) on_exit(status);
}

FfmpegProcess::ExitStatus FfmpegProcess::exit_status() const {
  ExitStatus status;
  status.exit_code = exit_code_;
  status.term_signal = term_signal_;
  if (term_signal_ != 0) {
    status.message = "ffmpeg was killed by signal " + std::to_string(term_signal_);
  } else if (exit_code_ != 0) {
    status.message = "ffmpeg exited with code " + std::to_string(exit_code_);
    if (auto error = stderr_.last_error()) status.message += ": " + *error;
  } else if (input_closed_) {
    status.message = "ffmpeg finished";
    status.clean = true;
  } else {
    status.message = "ffmpeg exited before the end of its input";
  }
  return status;
}

}  // namespace bvlive
