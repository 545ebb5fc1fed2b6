#pragma once
/// The one table from an error (as it came back from the leader over RPC, in its own category)
/// to the HTTP status the REST API answers with. No message text is looked at.

#include <system_error>

namespace regent::programs {

/// 503 for a leader change in progress (the leader cannot be reached, has changed, or its HA
/// backend is unavailable), 404 for an unknown job, 409 for a job that exists or has ended
/// already, 400 for a job spec that does not validate, 500 for anything else.
int http_status_of(const std::error_code& code);


}  // namespace regent::programs
