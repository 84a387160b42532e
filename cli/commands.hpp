// Subcommand registration, one file per group. Each adds its subcommands to `app`, with
// the global options, and sets ctx.action when its subcommand is the one parsed.
#pragma once

#include "context.hpp"

#include <CLI/CLI.hpp>

namespace bvlive::cli {

void register_create_update(CLI::App& app, Context& ctx);  // commands_edit.cpp
void register_queries(CLI::App& app, Context& ctx);        // commands_query.cpp: list show events sessions
void register_lifecycle(CLI::App& app, Context& ctx);      // commands_lifecycle.cpp: preview ... archive
void register_manage(CLI::App& app, Context& ctx);         // commands_manage.cpp: delete rotate-key
void register_daemon(CLI::App& app, Context& ctx);         // commands_daemon.cpp: status reload
void register_library(CLI::App& app, Context& ctx);        // commands_library.cpp: library add|list|show|rm, vod
void register_security(CLI::App& app, Context& ctx);       // commands_security.cpp: token rotate-secret
void register_interaction(CLI::App& app, Context& ctx);    // commands_interaction.cpp: chat poll
void register_apikey(CLI::App& app, Context& ctx);         // commands_apikey.cpp: apikey create|list|revoke
void register_edge(CLI::App& app, Context& ctx);           // commands_edge.cpp: edge-config

// The positional ID argument every live command takes.
CLI::Option* add_id_argument(CLI::App& sub, std::string& id);

}  // namespace bvlive::cli
