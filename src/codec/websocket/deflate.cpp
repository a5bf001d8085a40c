#include "codec/websocket/deflate.hpp"

#include <algorithm>
#include <new>
#include <vector>

#include <zlib.h>

#include "codec/websocket/frame_writer.hpp"

namespace strata::codec::websocket {

namespace {

constexpr unsigned char kTail[4] = {0x00, 0x00, 0xFF, 0xFF};

int clamp_deflate_bits(int bits) { return std::clamp(bits, 9, 15); }

struct ZDeflate {
  z_stream z{};
  int bits, level;
  ZDeflate(int window_bits, int lvl, int mem_level) : bits(window_bits), level(lvl) {
    if (deflateInit2(&z, level, Z_DEFLATED, -bits, mem_level, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::bad_alloc();
  }
  ~ZDeflate() { deflateEnd(&z); }
  ZDeflate(const ZDeflate&) = delete;
  ZDeflate& operator=(const ZDeflate&) = delete;
};

// Compresses `msg` with a sync flush and drops the 00 00 FF FF tail.
void run_deflate(z_stream& z, std::string_view msg, std::string& out) {
  const std::size_t start = out.size();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(msg.data()));
  z.avail_in = uInt(msg.size());
  std::size_t chunk = deflateBound(&z, uLong(msg.size())) + 16;
  while (true) {
    const std::size_t at = out.size();
    out.resize(at + chunk);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
    z.avail_out = uInt(chunk);
    deflate(&z, Z_SYNC_FLUSH);  // cannot fail with a valid stream and room
    out.resize(at + (chunk - z.avail_out));
    if (z.avail_out != 0 && z.avail_in == 0) break;
    chunk = 4096;
  }
  if (out.size() - start >= 4 &&
      std::equal(kTail, kTail + 4, reinterpret_cast<const unsigned char*>(out.data() + out.size() - 4)))
    out.resize(out.size() - 4);
}

// Per-thread streams for no-context-takeover compression, one per
// (window bits, level): reset after each message, never freed before the
// thread ends.
ZDeflate& shared_deflater(int bits, int level) {
  thread_local std::vector<std::unique_ptr<ZDeflate>> cache;
  for (auto& d : cache)
    if (d->bits == bits && d->level == level) return *d;
  cache.push_back(std::make_unique<ZDeflate>(bits, level, 8));
  return *cache.back();
}

}  // namespace

struct Deflater::Stream : ZDeflate {
  using ZDeflate::ZDeflate;
};

Deflater::Deflater(int window_bits, bool no_context_takeover, int level, int mem_level)
    : window_bits_(clamp_deflate_bits(window_bits)),
      level_(level),
      mem_level_(std::clamp(mem_level, 1, 9)),
      no_context_takeover_(no_context_takeover) {}

Deflater::~Deflater() = default;

void Deflater::compress(std::string_view message, std::string& out) {
  if (no_context_takeover_) {
    ZDeflate& d = shared_deflater(window_bits_, level_);
    run_deflate(d.z, message, out);
    deflateReset(&d.z);
    return;
  }
  if (!stream_) stream_ = std::make_unique<Stream>(window_bits_, level_, mem_level_);
  run_deflate(stream_->z, message, out);
}

struct Inflater::Stream {
  z_stream z{};
  bool ended = false;  // the peer sent a final block in this message
  explicit Stream(int bits) {
    if (inflateInit2(&z, -bits) != Z_OK) throw std::bad_alloc();
  }
  ~Stream() { inflateEnd(&z); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
};

Inflater::Inflater(int window_bits, bool no_context_takeover)
    : window_bits_(std::clamp(window_bits, 8, 15)), no_context_takeover_(no_context_takeover) {}

Inflater::~Inflater() = default;

Error Inflater::run(const unsigned char* in, std::size_t n, std::string& out, std::size_t limit) {
  if (!stream_) stream_ = std::make_unique<Stream>(window_bits_);
  z_stream& z = stream_->z;
  if (out.size() > limit) return Error::message_too_big;
  if (stream_->ended) return n == 0 ? Error::none : Error::bad_compressed_data;
  z.next_in = const_cast<Bytef*>(in);
  z.avail_in = uInt(n);
  while (true) {
    // Room up to limit + 1 so that output over the limit is detected.
    const std::size_t chunk = std::min<std::size_t>(limit + 1 - out.size(), 16384);
    const std::size_t at = out.size();
    out.resize(at + chunk);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
    z.avail_out = uInt(chunk);
    const int rc = ::inflate(&z, Z_SYNC_FLUSH);
    out.resize(at + (chunk - z.avail_out));
    if (out.size() > limit) return Error::message_too_big;
    if (rc == Z_STREAM_END) {
      stream_->ended = true;
      return z.avail_in == 0 ? Error::none : Error::bad_compressed_data;
    }
    if (rc == Z_BUF_ERROR) return z.avail_in == 0 ? Error::none : Error::bad_compressed_data;
    if (rc != Z_OK) return Error::bad_compressed_data;
    if (z.avail_in == 0 && z.avail_out != 0) return Error::none;
  }
}

Error Inflater::inflate(std::string_view in, std::string& out, std::size_t limit) {
  if (in.empty()) return Error::none;
  return run(reinterpret_cast<const unsigned char*>(in.data()), in.size(), out, limit);
}

Error Inflater::finish(std::string& out, std::size_t limit) {
  const bool ended = stream_ && stream_->ended;
  Error e = ended ? Error::none : run(kTail, sizeof kTail, out, limit);
  if (e != Error::none) return e;
  if (no_context_takeover_) {
    stream_.reset();
  } else if (stream_->ended) {
    // A final block ended the deflate stream; the next message continues
    // with the same window (context takeover), so restart the stream with
    // the window as its dictionary.
    z_stream& z = stream_->z;
    std::vector<Bytef> dict(std::size_t(1) << window_bits_);
    uInt dict_len = uInt(dict.size());
    inflateGetDictionary(&z, dict.data(), &dict_len);
    inflateReset(&z);
    if (dict_len > 0) inflateSetDictionary(&z, dict.data(), dict_len);
    stream_->ended = false;
  }
  return Error::none;
}

std::string deflate_once(std::string_view payload, int window_bits) {
  std::string out;
  ZDeflate& d = shared_deflater(clamp_deflate_bits(window_bits), Z_DEFAULT_COMPRESSION);
  run_deflate(d.z, payload, out);
  deflateReset(&d.z);
  return out;
}

std::string deflated_frame(std::string_view payload, bool text, int window_bits) {
  const std::string body = deflate_once(payload, window_bits);
  std::string out;
  out.reserve(frame_header_size(body.size(), false) + body.size());
  append_frame_header(out, text ? Opcode::text : Opcode::binary, true, true, body.size());
  out.append(body);
  return out;
}

}  // namespace strata::codec::websocket
