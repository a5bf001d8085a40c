// hiredis's reader with object functions that build redis::Reply
// (redis/reader.hpp).
//
// Ownership: the root of a reply is a heap Reply; a child lives in its
// parent's `elements` vector, appended as hiredis creates it. Children are
// created in index order, and while a nested array is being filled its
// parent does not grow, so the pointers hiredis keeps (task->obj of the
// open arrays) stay valid. hiredis frees only roots (freeObject).
#include "redis/reader.hpp"

#include <hiredis/read.h>

#include <algorithm>
#include <charconv>

namespace strata::redis {
namespace {

// Wire bytes an array element costs at least (":0\r\n" is 4, "+\r\n" 3).
constexpr std::uint64_t kElementCost = 3;

}  // namespace

struct Reader::Impl {
  std::uint64_t max_reply;
  redisReader* r = nullptr;
  std::uint64_t reply_bytes = 0;  // charged to the reply being built
  Status fail = Status::reply;    // set by the object functions on a limit / shape problem
  std::string error;

  static Impl* self(const redisReadTask* t);
  static Reply* place(const redisReadTask* t);  // where a new object goes
  static bool charge(const redisReadTask* t, std::uint64_t n);

  static void* create_string(const redisReadTask* t, char* s, size_t len) {
    if (!charge(t, len + kElementCost)) return nullptr;
    Reply* out = place(t);
    if (!out) return nullptr;
    switch (t->type) {
      case REDIS_REPLY_ERROR: out->type = Reply::Type::error; break;
      case REDIS_REPLY_STATUS: out->type = Reply::Type::status; break;
      default: out->type = Reply::Type::string; break;
    }
    out->str.assign(s, len);
    return out;
  }
  static void* create_array(const redisReadTask* t, int n) {
    Impl* im = self(t);
    if (n < 0) {
      im->fail = Status::malformed;
      im->error = "negative array length " + std::to_string(n);
      return nullptr;
    }
    if (!charge(t, (std::uint64_t(n) + 1) * kElementCost)) return nullptr;
    Reply* out = place(t);
    if (!out) return nullptr;
    out->type = Reply::Type::array;
    out->elements.reserve(std::min(n, 1024));
    return out;
  }
  static void* create_integer(const redisReadTask* t, long long v) {
    if (!charge(t, kElementCost)) return nullptr;
    Reply* out = place(t);
    if (!out) return nullptr;
    out->type = Reply::Type::integer;
    out->integer = v;
    return out;
  }
  static void* create_nil(const redisReadTask* t) {
    if (!charge(t, kElementCost)) return nullptr;
    Reply* out = place(t);
    if (!out) return nullptr;
    out->type = Reply::Type::nil;
    return out;
  }
  static void free_object(void* p) { delete static_cast<Reply*>(p); }

  static redisReplyObjectFunctions fns;

  void make() {
    r = redisReaderCreateWithFunctions(&fns);
    if (!r) throw std::bad_alloc();
    r->privdata = this;
    r->maxbuf = 64 * 1024;
    reply_bytes = 0;
    fail = Status::reply;
    error.clear();
  }
  void destroy() {
    if (r) redisReaderFree(r);
    r = nullptr;
  }

  // The reply being read is waiting for more bytes: is it already over the
  // limit? A bulk string announces its length ("$<len>\r\n" at the reader's
  // cursor when hiredis waits for its payload); any other unfinished item
  // (a status line without its CRLF) is bounded by the bytes buffered.
  bool over_limit_while_waiting() {
    if (r->ridx < 0 || !r->buf) return false;
    const std::uint64_t buffered = r->len - r->pos;
    if (reply_bytes + buffered > max_reply + 64) {
      error = "reply over max_reply (" + std::to_string(max_reply) + " bytes): " +
              std::to_string(reply_bytes + buffered) + " bytes buffered";
      return true;
    }
    const redisReadTask& cur = r->rstack[r->ridx];
    if (cur.type != REDIS_REPLY_STRING) return false;
    const char* p = r->buf + r->pos;
    const char* end = r->buf + r->len;
    const char* cr = std::find(p, end, '\r');
    if (cr == end) return false;
    long long len = 0;
    auto [ptr, ec] = std::from_chars(p, cr, len);
    if (ec != std::errc() || ptr != cr) return false;  // hiredis judges it
    if (len > 0 && reply_bytes + std::uint64_t(len) > max_reply) {
      error = "bulk string of " + std::to_string(len) + " bytes over max_reply (" + std::to_string(max_reply) +
              " bytes)";
      return true;
    }
    return false;
  }
};

Reader::Impl* Reader::Impl::self(const redisReadTask* t) {
  // Every task's privdata is null in hiredis 0.14; the reader's privdata is
  // ours, reached through the task stack: rstack[0] is the first member
  // after the header fields, so walk from the root task.
  const redisReadTask* root = t;
  while (root->parent) root = root->parent;
  // root == &reader->rstack[0]
  auto* reader = reinterpret_cast<const redisReader*>(reinterpret_cast<const char*>(root) -
                                                      offsetof(redisReader, rstack));
  return static_cast<Impl*>(reader->privdata);
}

bool Reader::Impl::charge(const redisReadTask* t, std::uint64_t n) {
  Impl* im = self(t);
  im->reply_bytes += n;
  if (im->reply_bytes <= im->max_reply) return true;
  im->fail = Status::too_large;
  im->error = "reply over max_reply (" + std::to_string(im->max_reply) + " bytes)";
  return false;
}

Reply* Reader::Impl::place(const redisReadTask* t) {
  if (!t->parent) return new Reply();
  auto* parent = static_cast<Reply*>(t->parent->obj);
  if (!parent || t->idx != static_cast<int>(parent->elements.size())) {
    Impl* im = self(t);
    im->fail = Status::malformed;
    im->error = "unexpected element order";
    return nullptr;
  }
  return &parent->elements.emplace_back();
}

redisReplyObjectFunctions Reader::Impl::fns = {
    &Reader::Impl::create_string, &Reader::Impl::create_array, &Reader::Impl::create_integer,
    &Reader::Impl::create_nil, &Reader::Impl::free_object};

Reader::Reader(std::uint64_t max_reply) : impl_(std::make_unique<Impl>()) {
  impl_->max_reply = max_reply;
  impl_->make();
}

Reader::~Reader() { impl_->destroy(); }

void Reader::feed(const char* data, std::size_t n) {
  if (n == 0 || impl_->r->err) return;
  if (redisReaderFeed(impl_->r, data, n) != REDIS_OK && impl_->fail == Status::reply) {
    impl_->fail = Status::malformed;
    impl_->error = "reader: out of memory";
  }
}

Reader::Status Reader::next(Reply& out) {
  Impl& im = *impl_;
  if (im.fail != Status::reply) return im.fail;
  void* obj = nullptr;
  if (redisReaderGetReply(im.r, &obj) != REDIS_OK) {
    if (im.fail == Status::reply) {  // hiredis's own protocol error
      im.fail = Status::malformed;
      im.error = std::string("malformed reply: ") + im.r->errstr;
    }
    return im.fail;
  }
  if (!obj) {
    if (im.over_limit_while_waiting()) im.fail = Status::too_large;
    return im.fail == Status::reply ? Status::incomplete : im.fail;
  }
  auto* rep = static_cast<Reply*>(obj);
  out = std::move(*rep);
  delete rep;
  im.reply_bytes = 0;
  return Status::reply;
}

const std::string& Reader::error() const { return impl_->error; }

void Reader::reset() {
  impl_->destroy();
  impl_->make();
}

std::uint64_t Reader::max_reply() const { return impl_->max_reply; }

}  // namespace strata::redis
