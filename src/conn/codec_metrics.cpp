#include "conn/codec_metrics.hpp"

#include <array>
#include <string>

#include "obs/metrics.hpp"

namespace strata::conn::codec_metrics {

void h2_abuse(codec::http2::Abuse a) {
  static const auto table = [] {
    std::array<obs::Counter*, 6> t{};
    for (std::size_t i = 0; i < t.size(); ++i)
      t[i] = &obs::counter(
          "strata_http2_abuse_total", "HTTP/2 abuse defences triggered, by kind",
          {{"kind", std::string(codec::http2::abuse_name(static_cast<codec::http2::Abuse>(i)))}});
    return t;
  }();
  auto i = static_cast<std::size_t>(a);
  if (i < table.size()) table[i]->inc();
}

void h2_goaway_sent(std::uint32_t code) {
  static const auto table = [] {
    std::array<obs::Counter*, 17> t{};  // 16 = other
    for (std::uint32_t i = 0; i < t.size(); ++i)
      t[i] = &obs::counter("strata_http2_goaway_sent_total", "GOAWAY frames sent, by error code",
                           {{"code", std::string(codec::http2::error_name(i))}});
    return t;
  }();
  table[code < 16 ? code : 16]->inc();
}

void h2_protocol_error() {
  static obs::Counter& c =
      obs::counter("strata_http2_protocol_errors_total", "HTTP/2 connections failed on bad input");
  c.inc();
}

void h3_error(codec::http3::PeerError e) {
  static const auto table = [] {
    std::array<obs::Counter*, 5> t{};
    for (std::size_t i = 0; i < t.size(); ++i)
      t[i] = &obs::counter(
          "strata_http3_errors_total", "HTTP/3 bad peer input, by kind",
          {{"kind",
            std::string(codec::http3::peer_error_name(static_cast<codec::http3::PeerError>(i)))}});
    return t;
  }();
  auto i = static_cast<std::size_t>(e);
  if (i < table.size()) table[i]->inc();
}

}  // namespace strata::conn::codec_metrics
