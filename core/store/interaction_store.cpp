#include "store/interaction_store.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace bvlive {

using interaction::ChatMessage;
using interaction::Poll;

void InteractionStore::insert_message(ChatMessage& m, const std::string& device, const std::string& address) {
  db_.prepare("INSERT INTO chat_messages (live_id, phase, name, text, host, device, address, at) VALUES (?,?,?,?,?,?,?,?)")
      .bind(1, m.live_id)
      .bind(2, m.phase)
      .bind(3, m.name)
      .bind(4, m.text)
      .bind(5, std::int64_t{m.host ? 1 : 0})
      .bind(6, device)
      .bind(7, address)
      .bind(8, m.at)
      .run();
  m.id = sqlite3_last_insert_rowid(db_.raw());
}

std::vector<ChatMessage> InteractionStore::messages(const std::string& live_id, std::int64_t after,
                                                    std::int64_t limit) {
  auto st = db_.prepare(
      "SELECT id, phase, name, text, host, at FROM chat_messages WHERE live_id=? AND id>? AND deleted_at IS NULL "
      "ORDER BY id DESC LIMIT ?");
  st.bind(1, live_id).bind(2, after).bind(3, limit);
  std::vector<ChatMessage> out;
  while (st.step()) {
    ChatMessage m;
    m.id = st.integer(0);
    m.live_id = live_id;
    m.phase = st.text(1);
    m.name = st.text(2);
    m.text = st.text(3);
    m.host = st.integer(4) != 0;
    m.at = st.integer(5);
    out.push_back(std::move(m));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

bool InteractionStore::delete_message(const std::string& live_id, std::int64_t id, TimeMs at) {
  db_.prepare("UPDATE chat_messages SET text='', deleted_at=? WHERE live_id=? AND id=? AND deleted_at IS NULL")
      .bind(1, at)
      .bind(2, live_id)
      .bind(3, id)
      .run();
  return db_.changes() == 1;
}

void InteractionStore::insert_poll(Poll& p) {
  db_.prepare("INSERT INTO polls (live_id, question, options, open, created_at) VALUES (?,?,?,1,?)")
      .bind(1, p.live_id)
      .bind(2, p.question)
      .bind(3, nlohmann::json(p.options).dump())
      .bind(4, p.created_at)
      .run();
  p.id = sqlite3_last_insert_rowid(db_.raw());
}

void InteractionStore::close_poll(std::int64_t id, TimeMs at) {
  db_.prepare("UPDATE polls SET open=0, closed_at=? WHERE id=?").bind(1, at).bind(2, id).run();
}

std::vector<Poll> InteractionStore::load_polls() {
  std::vector<Poll> out;
  std::map<std::int64_t, std::size_t> index;
  auto st = db_.prepare("SELECT id, live_id, question, options, open, created_at, closed_at FROM polls ORDER BY id");
  while (st.step()) {
    Poll p;
    p.id = st.integer(0);
    p.live_id = st.text(1);
    p.question = st.text(2);
    p.options = nlohmann::json::parse(st.text(3)).get<std::vector<std::string>>();
    p.open = st.integer(4) != 0;
    p.created_at = st.integer(5);
    p.closed_at = st.opt_integer(6);
    p.votes.assign(p.options.size(), 0);
    index[p.id] = out.size();
    out.push_back(std::move(p));
  }
  auto counts = db_.prepare("SELECT poll_id, option, COUNT(*) FROM poll_votes GROUP BY poll_id, option");
  while (counts.step()) {
    const auto found = index.find(counts.integer(0));
    const auto option = counts.integer(1);
    if (found == index.end()) continue;
    Poll& p = out[found->second];
    if (option >= 0 && static_cast<std::size_t>(option) < p.votes.size()) p.votes[option] = counts.integer(2);
  }
  return out;
}

bool InteractionStore::insert_vote(std::int64_t poll_id, const std::string& device, int option, TimeMs at) {
  db_.prepare("INSERT OR IGNORE INTO poll_votes (poll_id, device, option, at) VALUES (?,?,?,?)")
      .bind(1, poll_id)
      .bind(2, device)
      .bind(3, std::int64_t{option})
      .bind(4, at)
      .run();
  return db_.changes() == 1;
}

std::map<std::int64_t, int> InteractionStore::votes_of(const std::string& live_id, const std::string& device) {
  auto st = db_.prepare(
      "SELECT v.poll_id, v.option FROM poll_votes v JOIN polls p ON p.id = v.poll_id WHERE p.live_id=? AND v.device=?");
  st.bind(1, live_id).bind(2, device);
  std::map<std::int64_t, int> out;
  while (st.step()) out[st.integer(0)] = static_cast<int>(st.integer(1));
  return out;
}

}  // namespace bvlive
