#include "filter/local_reply.hpp"

#include "http/context.hpp"

namespace strata::filter {

LocalReply local_reply(int status, std::string_view reason, std::string_view body,
                       std::string_view content_type, bool reason_header) {
  LocalReply r;
  r.status = status;
  r.reason = reason;
  r.body = body;
  r.content_type = content_type;
  r.reason_header = reason_header;
  return r;
}

boost::asio::awaitable<void> send_local_reply(http::Exchange& ex, const LocalReply& lr,
                                              FieldList extra) {
  if (ex.finished()) co_return;
  if (auto* ctx = ex.context()) ctx->local_reason.assign(lr.reason);
  if (ex.head_sent()) {
    ex.reset();
    co_return;
  }
  http::Response r;
  r.status = lr.status;
  for (const auto& [k, v] : extra) r.headers.set(k, v);
  if (lr.reason_header && !lr.reason.empty()) r.headers.set("x-strata-reason", lr.reason);
  if (!lr.body.empty()) r.headers.set("content-type", lr.content_type);
  r.headers.set("content-length", std::to_string(lr.body.size()));
  if (lr.body.empty()) {
    co_await ex.send_head(r, true);
    co_return;
  }
  if (auto ec = co_await ex.send_head(r, false); ec) co_return;
  co_await ex.send_body(std::span<const char>(lr.body.data(), lr.body.size()), true);
}

}  // namespace strata::filter
