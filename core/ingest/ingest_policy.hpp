// Whether a push is accepted (docs/ARCHITECTURE.md#session-states, bvlived(8) INGEST): sessions
// are created on a valid push while the live is PREVIEW or LIVE, for the live's
// ingestion_types. The refusal text goes to the log and to the encoder, so it names the live
// but never the key.
#pragma once

#include <string>

#include "live/live_record.hpp"

namespace bvlive {

// Empty when accepted; else why not, with what to do.
std::string ingest_refusal(const LiveRecord* live, IngestType protocol);

}  // namespace bvlive
