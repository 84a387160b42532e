// bvlive chat, bvlive poll: the host's side of a live's chatroom and polls.
// `bvlive chat ID` follows the room by asking the daemon for newer messages twice a second
// (chat.list after the last id seen), so it needs no extra connection type, survives
// nothing being said for hours, and picks up where it was when the daemon restarts.
#include "cli_error.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace bvlive::cli {
namespace {

using nlohmann::json;

constexpr long kFollowIntervalMs = 500;
constexpr int kBarWidth = 24;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) { g_stop = 1; }

// Ctrl-C or SIGTERM end a follow cleanly (exit 0) instead of killing the process mid-line.
void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void nap(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000L};
  nanosleep(&ts, nullptr);  // a signal cuts it short, which is what we want
}

// "#12 00:31:02 Ann: hi"; the host's: "#13 00:31:05 Host (host): welcome". Times are UTC.
std::string message_line(const json& m) {
  const std::string at = field_text(m, "at");
  const std::string clock = at.size() >= 19 ? at.substr(11, 8) : at;
  return "#" + field_text(m, "id") + " " + clock + " " + field_text(m, "name") +
         (m.value("host", false) ? " (host)" : "") + ": " + field_text(m, "text");
}

const json& messages_of(const json& result) {
  static const json empty = json::array();
  return result.is_object() && result.contains("messages") && result["messages"].is_array() ? result["messages"]
                                                                                            : empty;
}

void print_messages(const Context& ctx, const json& messages, std::int64_t& last) {
  for (const auto& m : messages) {
    if (ctx.options.json) std::cout << m.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    else if (ctx.options.quiet) std::cout << field_text(m, "id") << '\n';
    else std::cout << message_line(m) << '\n';
    last = std::max(last, m.value("id", std::int64_t{0}));
  }
  std::cout.flush();
}

std::string room_text(const json& room) {
  std::string t = field_text(room, "room") + " room";
  if (!room.value("enabled", false)) return t + ", not enabled";
  t += ", " + field_text(room, "theme") + " theme";
  return t + (room.value("open", false) ? ", open" : ", closed");
}

struct ChatArgs {
  std::string id;
  std::string send;
  std::string name;
  std::int64_t remove = 0;
  bool once = false;
  int last = 0;
  CLI::Option* send_option = nullptr;
  CLI::Option* delete_option = nullptr;
};

int run_chat_send(const Context& ctx, const ChatArgs& a) {
  json params = {{"id", a.id}, {"text", a.send}};
  if (!a.name.empty()) params["name"] = a.name;
  const json result = ctx.call("chat.send", params);
  if (ctx.options.json) print_json(result);
  else if (ctx.options.quiet) std::cout << field_text(result["message"], "id") << '\n';
  else std::cout << message_line(result["message"]) << '\n';
  return kExitOk;
}

int run_chat_delete(const Context& ctx, const ChatArgs& a) {
  const json result = ctx.call("chat.delete", {{"id", a.id}, {"message", a.remove}});
  if (ctx.options.json) print_json(result);
  else if (!ctx.options.quiet) std::cout << "deleted message " << a.remove << " for everyone\n";
  return kExitOk;
}

int run_chat_follow(const Context& ctx, const ChatArgs& a) {
  json params = {{"id", a.id}};
  if (a.last > 0) params["limit"] = a.last;
  json result = ctx.call("chat.list", params);
  if (a.once && ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  std::int64_t last = 0;
  if (!a.once && !ctx.options.quiet && !ctx.options.json)
    std::cerr << "chat of live " << a.id << " (" << room_text(result.value("room", json::object()))
              << "); Ctrl-C to stop\n";
  print_messages(ctx, messages_of(result), last);
  if (a.once) return kExitOk;
  catch_stop_signals();
  bool away = false;  // the daemon stopped answering: keep asking, as tail -F does
  while (!g_stop) {
    nap(kFollowIntervalMs);
    if (g_stop) break;
    try {
      result = ctx.call("chat.list", {{"id", a.id}, {"after", last}, {"limit", 10000}});
    } catch (const CliError& e) {
      if (e.exit_code() != kExitUnavailable) throw;
      if (!away && !ctx.options.quiet) std::cerr << "bvlive: " << e.what() << "; still following, retrying\n";
      away = true;
      continue;
    }
    if (away && !ctx.options.quiet) std::cerr << "bvlive: the daemon is back\n";
    away = false;
    print_messages(ctx, messages_of(result), last);
  }
  return kExitOk;
}

int run_chat(const Context& ctx, const ChatArgs& a) {
  const bool sending = a.send_option->count() > 0, deleting = a.delete_option->count() > 0;
  if (sending && deleting) throw CliError(kExitUsage, "--send and --delete do one thing each; give one");
  if (sending) return run_chat_send(ctx, a);
  if (deleting) return run_chat_delete(ctx, a);
  return run_chat_follow(ctx, a);
}

// "Red    2  66.7%  ################"
void print_poll(std::ostream& out, const json& p) {
  out << "poll " << field_text(p, "id") << " (" << (p.value("open", false) ? "open" : "closed")
      << "): " << field_text(p, "question") << '\n';
  const json options = p.value("options", json::array());
  const json votes = p.value("votes", json::array());
  const double total = static_cast<double>(p.value("total", 0));
  std::size_t width = 0;
  for (const auto& o : options) width = std::max(width, o.get<std::string>().size());
  for (std::size_t i = 0; i < options.size(); ++i) {
    const double n = i < votes.size() ? votes[i].get<double>() : 0;
    const double share = total > 0 ? n / total : 0;
    std::ostringstream line;
    line << "  " << std::left << std::setw(static_cast<int>(width)) << options[i].get<std::string>() << "  "
         << std::right << std::setw(5) << static_cast<long long>(n) << "  " << std::setw(5) << std::fixed
         << std::setprecision(1) << share * 100 << '%';
    const auto bar = static_cast<std::size_t>(std::lround(share * kBarWidth));
    if (bar > 0) line << "  " << std::string(bar, '#');
    out << line.str() << '\n';
  }
  out << "  " << static_cast<long long>(total) << (total == 1 ? " vote" : " votes") << '\n';
}

struct PollCreateArgs {
  std::string id, question;
  std::vector<std::string> options;
};

int run_poll_create(const Context& ctx, const PollCreateArgs& a) {
  const json result = ctx.call("poll.create", {{"id", a.id}, {"question", a.question}, {"options", a.options}});
  if (ctx.options.json) print_json(result);
  else if (ctx.options.quiet) std::cout << field_text(result["poll"], "id") << '\n';
  else print_poll(std::cout, result["poll"]);
  return kExitOk;
}

struct PollArgs {
  std::string id;
  std::int64_t poll = 0;
};

int run_poll_close(const Context& ctx, const PollArgs& a) {
  const json result = ctx.call("poll.close", {{"id", a.id}, {"poll", a.poll}});
  if (ctx.options.json) print_json(result);
  else if (!ctx.options.quiet) print_poll(std::cout, result["poll"]);
  return kExitOk;
}

int run_poll_results(const Context& ctx, const PollArgs& a) {
  json result = ctx.call("poll.list", {{"id", a.id}});
  json polls = result.value("polls", json::array());
  if (a.poll > 0) {
    json one = json::array();
    for (const auto& p : polls)
      if (p.value("id", std::int64_t{0}) == a.poll) one.push_back(p);
    if (one.empty())
      throw CliError(kExitNotFound, "live " + a.id + " has no poll " + std::to_string(a.poll) +
                                        " (bvlive poll results " + a.id + " lists them)");
    polls = one;
    result["polls"] = one;
  }
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  if (ctx.options.quiet) {
    for (const auto& p : polls) std::cout << field_text(p, "id") << '\n';
    return kExitOk;
  }
  if (polls.empty()) {
    std::cout << "no polls" << (result.value("polls_enabled", false) ? "" : " (polls are not enabled: bvlive update " + a.id + " --polls)")
              << '\n';
    return kExitOk;
  }
  for (std::size_t i = 0; i < polls.size(); ++i) {
    if (i) std::cout << '\n';
    print_poll(std::cout, polls[i]);
  }
  return kExitOk;
}

}  // namespace

void register_interaction(CLI::App& app, Context& ctx) {
  {
    auto args = std::make_shared<ChatArgs>();
    CLI::App* sub = app.add_subcommand("chat", "follow, post to or moderate a live's chatroom");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    args->send_option = sub->add_option("--send", args->send, "post TEXT as the host")->option_text("TEXT");
    sub->add_option("--name", args->name, "the display name of --send (default Host)")->option_text("NAME");
    args->delete_option =
        sub->add_option("--delete", args->remove, "remove message MSG_ID for everyone")->option_text("MSG_ID")->check(CLI::PositiveNumber);
    sub->add_flag("--once", args->once, "print the history and exit instead of following");
    sub->add_option("--last", args->last, "start with the last N messages (default [chat] history)")
        ->option_text("N")
        ->check(CLI::Range(1, 10000));
    set_footer(*sub,
               "Without --send or --delete, prints the room's history, then new messages as they come,\n"
               "one per line (#ID HH:MM:SS NAME: TEXT, times in UTC), until Ctrl-C; --json prints JSON lines.\n"
               "Examples:\n"
               "  bvlive chat sunday\n"
               "  bvlive chat sunday --send 'Welcome! We start in 5 minutes'\n"
               "  bvlive chat sunday --delete 42");
    on_run(*sub, ctx, [&ctx, args] { return run_chat(ctx, *args); });
  }
  CLI::App* poll = app.add_subcommand("poll", "create, close and read a live's polls");
  poll->require_subcommand(1);
  add_global_options(*poll, ctx.options);
  {
    auto args = std::make_shared<PollCreateArgs>();
    CLI::App* sub = poll->add_subcommand("create", "ask viewers a question (2 to 10 options)");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    sub->add_option("QUESTION", args->question, "the question")->required();
    sub->add_option("OPTION", args->options, "the answers viewers choose from")->required();
    set_footer(*sub, "The live needs polls enabled (bvlive update ID --polls) and must not have ended.\n"
                     "With -q, prints only the poll id.\n"
                     "Example:\n  bvlive poll create sunday 'Which song next?' 'Amazing Grace' 'Be Thou My Vision'");
    on_run(*sub, ctx, [&ctx, args] { return run_poll_create(ctx, *args); });
  }
  {
    auto args = std::make_shared<PollArgs>();
    CLI::App* sub = poll->add_subcommand("close", "stop taking votes (results stay)");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    sub->add_option("POLL_ID", args->poll, "the poll")->required()->check(CLI::PositiveNumber);
    set_footer(*sub, "Open polls also close by themselves when the live ends.");
    on_run(*sub, ctx, [&ctx, args] { return run_poll_close(ctx, *args); });
  }
  {
    auto args = std::make_shared<PollArgs>();
    CLI::App* sub = poll->add_subcommand("results", "the counts of a live's polls");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    sub->add_option("POLL_ID", args->poll, "only this poll")->check(CLI::PositiveNumber);
    set_footer(*sub, "With -q, prints only poll ids.");
    on_run(*sub, ctx, [&ctx, args] { return run_poll_results(ctx, *args); });
  }
}

}  // namespace bvlive::cli
