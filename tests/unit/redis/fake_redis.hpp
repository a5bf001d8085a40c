// A scripted fake Redis for unit tests: an Asio TCP server on 127.0.0.1:0
// running on the test's io_context (same thread as the client under test).
// Commands are read with redis::Reader (RESP arrays of bulk strings) and
// handed to the test's handler, which answers with raw bytes (canned
// replies, malformed bytes, huge lengths, wrong shapes), or not at all; a
// session can stop reading or be closed. Without a handler every command
// gets "+OK".
// Thread: the io_context's.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "redis/connection.hpp"
#include "redis/reader.hpp"

namespace strata::redis::test {

class FakeRedis {
 public:
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(FakeRedis& srv, boost::asio::ip::tcp::socket s);
    void start();
    // Raw bytes to the client.
    void send(std::string raw);
    // Stop reading from the client (its writes pile up in the kernel).
    void stop_reading() { reading_ = false; }
    void close();
    bool open() const { return sock_.is_open(); }
    std::size_t id = 0;
    // Commands seen per read syscall (the client's write batching).
    std::vector<std::size_t> commands_per_read;

   private:
    void read();
    void write_next();
    FakeRedis& srv_;
    boost::asio::ip::tcp::socket sock_;
    Reader reader_{1ull << 30};
    std::vector<char> buf_ = std::vector<char>(64 * 1024);
    std::vector<std::string> outq_;
    std::string writing_;
    bool reading_ = true;
    bool busy_ = false;
  };
  using Handler = std::function<void(Session&, const std::vector<std::string>& cmd)>;

  explicit FakeRedis(boost::asio::io_context& io);
  ~FakeRedis();
  std::uint16_t port() const { return port_; }
  Endpoint endpoint() const { return Endpoint{"127.0.0.1", port_}; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void on_command(Handler h) { handler_ = std::move(h); }
  // Accepted connections so far (the client's attempts).
  std::size_t accepted() const { return sessions_.size(); }
  Session& session(std::size_t i) { return *sessions_.at(i); }
  Session& last() { return *sessions_.back(); }
  // Every command received, in order, over all sessions.
  std::vector<std::vector<std::string>> commands;
  void close_all();

  // Reply encoders.
  static std::string ok() { return "+OK\r\n"; }
  static std::string bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }
  static std::string integer(long long v) { return ":" + std::to_string(v) + "\r\n"; }
  static std::string error(const std::string& s) { return "-" + s + "\r\n"; }
  static std::string array(const std::vector<std::string>& encoded);
  static std::string push(const std::vector<std::string>& strings);  // array of bulk strings

 private:
  friend class Session;
  void accept();
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  Handler handler_;
  std::vector<std::shared_ptr<Session>> sessions_;
};

}  // namespace strata::redis::test
