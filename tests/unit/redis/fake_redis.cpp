// The scripted fake Redis (fake_redis.hpp).
#include "fake_redis.hpp"

#include <boost/asio/write.hpp>

namespace strata::redis::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

FakeRedis::FakeRedis(asio::io_context& io) : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept();
}

FakeRedis::~FakeRedis() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  close_all();
}

void FakeRedis::close_all() {
  for (auto& s : sessions_) s->close();
}

void FakeRedis::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
    if (ec) return;
    auto sess = std::make_shared<Session>(*this, std::move(s));
    sess->id = sessions_.size();
    sessions_.push_back(sess);
    sess->start();
    accept();
  });
}

std::string FakeRedis::array(const std::vector<std::string>& encoded) {
  std::string s = "*" + std::to_string(encoded.size()) + "\r\n";
  for (auto& e : encoded) s += e;
  return s;
}

std::string FakeRedis::push(const std::vector<std::string>& strings) {
  std::vector<std::string> enc;
  for (auto& s : strings) enc.push_back(bulk(s));
  return array(enc);
}

FakeRedis::Session::Session(FakeRedis& srv, tcp::socket s) : srv_(srv), sock_(std::move(s)) {}

void FakeRedis::Session::start() { read(); }

void FakeRedis::Session::read() {
  sock_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
    if (ec || !self->sock_.is_open()) return self->close();
    self->reader_.feed(self->buf_.data(), n);
    std::size_t cmds = 0;
    for (;;) {
      Reply r;
      if (self->reader_.next(r) != Reader::Status::reply) break;
      std::vector<std::string> cmd;
      for (auto& e : r.elements) cmd.push_back(e.str);
      ++cmds;
      self->srv_.commands.push_back(cmd);
      if (self->srv_.handler_)
        self->srv_.handler_(*self, cmd);
      else
        self->send(ok());
      if (!self->sock_.is_open()) return;
    }
    self->commands_per_read.push_back(cmds);
    if (self->reading_) self->read();
  });
}

void FakeRedis::Session::send(std::string raw) {
  if (!sock_.is_open()) return;
  outq_.push_back(std::move(raw));
  write_next();
}

void FakeRedis::Session::write_next() {
  if (busy_ || outq_.empty()) return;
  busy_ = true;
  writing_.clear();
  for (auto& s : outq_) writing_ += s;
  outq_.clear();
  asio::async_write(sock_, asio::buffer(writing_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    self->busy_ = false;
    if (ec) return;
    self->write_next();
  });
}

void FakeRedis::Session::close() {
  boost::system::error_code ec;
  sock_.close(ec);
}

}  // namespace strata::redis::test
