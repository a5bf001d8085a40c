// `strata plan`: the bytes a header set costs on each protocol, computed by
// the real encoders (nghttp2's HPACK deflater, nghttp3's QPACK encoder), so
// the corrected model's header overhead is measured, not a flat percentage.
// Pure (no I/O), any thread.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace strata::tools::plan {

// Pseudo-headers first (":method", ":scheme", ":authority", ":path" for a
// request, ":status" for a response), then regular fields, lowercase names.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A field whose value changes on every message (a request id, a date):
// each message of a connection gets a different value of the same length,
// so HPACK/QPACK cannot index it.
struct HeaderSet {
  HeaderList fields;
  std::vector<std::string> varying;  // names of fields that change per message
};

// Bytes of one header block, first message of a connection and later ones.
struct HeaderCost {
  std::size_t first = 0;   // first message on a fresh connection (table empty)
  std::size_t steady = 0;  // a later message (table warm)
  std::size_t encoder_stream_first = 0;  // QPACK only: encoder-stream bytes of the first message
};

// HTTP/1.1 text: the request line ("METHOD PATH HTTP/1.1\r\n") or status
// line ("HTTP/1.1 CODE OK\r\n", reason "OK"), "name: value\r\n" per regular
// field, plus the final "\r\n". ":authority" becomes "host". Same on every
// message.
std::size_t http1_head_bytes(const HeaderList& fields);

// HPACK block size (RFC 7541) with a 4096-byte dynamic table, as nghttp2
// encodes it, for the first and for a later message. Like nghttp2 and
// nghttp3 themselves, the model never indexes `authorization` (and short
// cookies): a bearer token costs its Huffman length on every request.
HeaderCost hpack_cost(const HeaderSet& set);

// QPACK field section (prefix + field lines, RFC 9204) with a dynamic table
// of `dtable_capacity` bytes (strata advertises 4096) and the peer's
// acknowledgements arriving before the next message; encoder-stream bytes
// reported separately.
HeaderCost qpack_cost(const HeaderSet& set, std::size_t dtable_capacity = 4096);

// The default header sets of the corrected model: a JSON API call over TLS
// with a bearer token, and its response (request id and date vary).
HeaderSet default_request_headers(std::size_t body_bytes);
HeaderSet default_response_headers(std::size_t body_bytes);

}  // namespace strata::tools::plan
